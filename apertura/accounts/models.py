from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apertura.institutions.models import Institution


class RoleKind(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Administrator")
    EDITOR = "editor", _("Institution editor")
    MONITOR = "monitor", _("Civil-society monitor")
    REVIEWER = "reviewer", _("Independent reviewer")


# Roles that act on behalf of one institution or organization.
INSTITUTIONAL_ROLES = {RoleKind.EDITOR, RoleKind.MONITOR}


def check_role_institution(kind: str, institution_id: int | None) -> None:
    """Editors and monitors hold their role for one institution; the other roles for none."""
    if kind in INSTITUTIONAL_ROLES and institution_id is None:
        raise ValidationError({"institution": _("Editors and monitors act for an institution: choose one.")})
    if kind not in INSTITUTIONAL_ROLES and institution_id is not None:
        raise ValidationError({"institution": _("This role is not tied to an institution.")})


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
        check_role_institution(self.kind, self.institution_id)

    @property
    def label(self) -> str:
        kind = str(self.get_kind_display())
        return f"{kind} · {self.institution.acronym}" if self.institution_id else kind


class Invitation(models.Model):
    """An offer of a role to an e-mail address. Only the token's hash is kept: the link is the secret."""

    email = models.EmailField(_("e-mail address"))
    kind = models.CharField(_("role"), max_length=20, choices=RoleKind.choices)
    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="invitations",
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("invited by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    created_at = models.DateTimeField(_("invited"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.email} · {self.get_kind_display()}"

    def clean(self):
        check_role_institution(self.kind, self.institution_id)

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and not self.is_expired
