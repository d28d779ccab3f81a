from django.urls import path, register_converter

from . import views


class ExportFormat:
    regex = "json|csv|xlsx"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(ExportFormat, "export_format")

app_name = "plans"
urlpatterns = [
    path("", views.plan_list, name="list"),
    path("<slug:slug>/", views.plan_detail, name="detail"),
    path("<slug:slug>/export.<export_format:fmt>", views.plan_download, name="download"),
    path("<slug:slug>/commitments/<int:number>/", views.commitment_detail, name="commitment"),
]
