from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class SavedChart(models.Model):
    """A chart of a datastore table kept under a stable public address: the table's key and the chart builder's
    parameters, redrawn from the table's current version each time it is shown."""

    name = models.CharField(_("name"), max_length=200)
    resource_key = models.CharField(_("resource"), max_length=100, db_index=True)
    params = models.JSONField(_("chart parameters"), default=dict)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("saved chart")
        verbose_name_plural = _("saved charts")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("explore:saved_chart", args=[self.pk])
