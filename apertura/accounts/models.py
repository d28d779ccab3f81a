from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from apertura.institutions.models import Institution


class RoleKind(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Administrator")
    EDITOR = "editor", _("Institution editor")
    MONITOR = "monitor", _("Civil-society monitor")
    REVIEWER = "reviewer", _("Independent reviewer")


# Roles that act on behalf of one institution or organization.
INSTITUTIONAL_ROLES = {RoleKind.EDITOR, RoleKind.MONITOR}


class Role(models.Model):
    """A role a person holds; editors and monitors hold it for one institution or organization."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roles")
    kind = models.CharField(_("role"), max_length=20, choices=RoleKind.choices)
    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="roles",
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(_("granted"), auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "institution"], name="role_unique"),
            models.UniqueConstraint(fields=["user", "kind"], condition=models.Q(institution__isnull=True),
                                    name="role_unique_global"),
        ]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.institution or '—'}"

    def clean(self):
        if self.kind in INSTITUTIONAL_ROLES and self.institution_id is None:
            raise ValidationError({"institution": _("Editors and monitors act for an institution: choose one.")})
        if self.kind not in INSTITUTIONAL_ROLES and self.institution_id is not None:
            raise ValidationError({"institution": _("This role is not tied to an institution.")})
