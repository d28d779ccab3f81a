from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "apertura.notifications"
    label = "notifications"
    verbose_name = _("Following and notifications")
