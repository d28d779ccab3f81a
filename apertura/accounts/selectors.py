from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from apertura.institutions.models import Institution

from .models import Invitation, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def user_list() -> QuerySet:
    """Everyone with an account, their roles, and whether they use two-factor authentication."""
    return (get_user_model().objects.order_by("username")
            .annotate(has_two_factor=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)))
            .prefetch_related(Prefetch("roles", Role.objects.select_related("institution").order_by("kind"))))


def invitation_pending_list() -> QuerySet:
    return (Invitation.objects.filter(accepted_at__isnull=True, expires_at__gt=timezone.now())
            .select_related("institution", "invited_by").order_by("-created_at"))


def institution_choices() -> QuerySet:
    return Institution.objects.order_by("acronym").only("pk", "acronym", "name_es", "name_en")


def totp_device_confirmed(*, user: "User") -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def role_find(*, pk: int) -> Role | None:
    return Role.objects.select_related("user", "institution").filter(pk=pk).first()


def user_find(*, pk: int) -> "User | None":
    return get_user_model().objects.filter(pk=pk).first()
