"""A participant's own account: their public display name, their private affiliation, deleting their data."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _

from apertura.audit.services import audit_record
from apertura.notifications.models import Follow, Notification

from ..models import Participant, Support

if TYPE_CHECKING:
    from django.contrib.auth.models import User as AuthUser


def participant_profile_update(*, user: AuthUser, display_name: str, affiliation: str = "") -> None:
    """Change the public display name and the private affiliation."""
    display_name, affiliation = (display_name or "").strip(), (affiliation or "").strip()
    problems = {}
    if not display_name or len(display_name) > 150:
        problems["display_name"] = [_("Write the name other people will see (up to 150 characters).")]
    if len(affiliation) > 200:
        problems["affiliation"] = [_("Keep the affiliation under 200 characters.")]
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        before = user.first_name
        user.first_name = display_name
        user.save(update_fields=["first_name"])
        Participant.objects.update_or_create(user=user, defaults={"affiliation": affiliation})
        audit_record(action="participant.update", obj_type="user", obj_id=user.pk, actor=user,
                     summary=f"{user.get_username()} updated their profile",
                     data={"display_name_before": before, "display_name": display_name})


def participant_delete(*, user: AuthUser) -> None:
    """Delete a person's personal data. Their public contributions stay, shown without a name.

    The account row itself stays (the audit log points at it) but keeps nothing personal and cannot sign in."""
    if user.roles.exists() or user.is_superuser:
        raise ValidationError(_("Accounts that hold a role (administrators, editors, monitors, reviewers) are "
                                "closed by an administrator, who first hands the role over."))
    with transaction.atomic():
        locked = get_user_model().objects.select_for_update().get(pk=user.pk)
        old_username = locked.get_username()
        audit_record(action="participant.delete", obj_type="user", obj_id=locked.pk, actor=locked,
                     summary=f"{old_username} deleted their personal data")
        locked.username = f"deleted-{locked.pk}-{get_random_string(8)}"
        locked.first_name = locked.last_name = locked.email = ""
        locked.is_active = False
        locked.set_unusable_password()
        locked.save()
        Follow.objects.filter(user=locked).delete()
        Notification.objects.filter(user=locked).delete()
        Support.objects.filter(user=locked).delete()
        Participant.objects.update_or_create(user=locked, defaults={"affiliation": "",
                                                                    "deleted_at": timezone.now()})
