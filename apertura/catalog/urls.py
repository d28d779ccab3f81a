from django.urls import path, register_converter

from . import ckan_api, dcat_views, harvest_views, resource_views, views


class RdfFormat:
    regex = "ttl|rdf|jsonld|xml"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(RdfFormat, "rdf_format")

app_name = "catalog"
urlpatterns = [
    path("datasets/", views.dataset_list, name="datasets"),
    path("datasets/new/", views.dataset_create, name="dataset_create"),
    path("datasets/tokens/", views.token_list, name="tokens"),
    path("datasets/<str:name>/", views.dataset_detail, name="dataset"),
    path("datasets/<str:name>/edit/", views.dataset_edit, name="dataset_edit"),
    path("datasets/<str:name>/resources/new/", views.resource_create, name="resource_create"),
    path("datasets/<str:name>/resources/<uuid:rid>/download/", views.resource_download, name="resource_download"),
    # The resource page and its table (resource_views.py).
    path("datasets/<str:name>/resources/<uuid:rid>/", resource_views.resource_page, name="resource"),
    path("datasets/<str:name>/resources/<uuid:rid>/status/", resource_views.resource_status, name="resource_status"),
    path("datasets/<str:name>/resources/<uuid:rid>/schema/", resource_views.schema_edit, name="resource_schema"),
    path("datasets/<str:name>/resources/<uuid:rid>/replace/", resource_views.replace_file, name="resource_replace"),
    path("datasets/<str:name>/resources/<uuid:rid>/held/publish/", resource_views.held_publish,
         name="resource_held_publish"),
    path("datasets/<str:name>/resources/<uuid:rid>/held/discard/", resource_views.held_discard,
         name="resource_held_discard"),
    path("datasets/<str:name>/resources/<uuid:rid>/table.<str:fmt>", resource_views.table_download,
         name="resource_table"),
    path("datasets/<str:name>/resources/<uuid:rid>/versions/<int:number>.<str:fmt>",
         resource_views.version_download, name="resource_version"),
    path("data-requests/", views.request_list, name="requests"),
    path("data-requests/new/", views.request_create, name="request_create"),
    path("data-requests/supply-and-demand/", views.supply_and_demand, name="supply_demand"),
    path("data-requests/<int:pk>/", views.request_detail, name="request"),
    path("api/3/action/<str:action>", ckan_api.action, name="ckan_action"),
    path("api/action/<str:action>", ckan_api.action, name="ckan_action_unversioned"),
    path("api/3", ckan_api.version, name="ckan_version"),
    path("catalog.<rdf_format:fmt>", dcat_views.catalog, name="dcat_catalog"),
    path("dataset/<str:name>.<rdf_format:fmt>", dcat_views.dataset, name="dcat_dataset"),
    path("data.json", dcat_views.data_json, name="data_json"),
    path("manage/harvest/", harvest_views.source_list, name="harvest_sources"),
    path("manage/harvest/<int:pk>/", harvest_views.source_detail, name="harvest_source"),
    path("manage/harvest/<int:pk>/run/", harvest_views.source_run, name="harvest_source_run"),
]
