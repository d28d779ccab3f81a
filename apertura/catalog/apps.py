from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "apertura.catalog"
    label = "catalog"
    verbose_name = _("Open data catalog")

    def ready(self):
        # The datastore's tables are keyed by resource id: the catalog says who may read them and where.
        from apertura.datastore.access import register_owner

        from .datastore import CatalogTables

        register_owner(CatalogTables())
