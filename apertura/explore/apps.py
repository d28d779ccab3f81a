from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExploreConfig(AppConfig):
    name = "apertura.explore"
    verbose_name = _("Data exploration")
    default_auto_field = "django.db.models.BigAutoField"
