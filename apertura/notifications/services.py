"""Following records, and delivering notifications in the app and by e-mail."""

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mass_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apertura.accounts.permissions import require
from apertura.audit.services import audit_record

from .models import Follow, Notification

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User
    from django.db.models import Model


def follow_set(*, user: "User", target: "Model", following: bool) -> bool:
    """Start or stop following; returns whether the user now follows the target."""
    require("notifications.follow", by=user, obj=target, why=_("Sign in to follow what changes here."))
    content_type = ContentType.objects.get_for_model(target)
    created: int  # whether a follow was created, or how many were removed
    with transaction.atomic():
        if following:
            _follow, created = Follow.objects.get_or_create(user=user, content_type=content_type,
                                                            object_id=target.pk)
        else:
            created = Follow.objects.filter(user=user, content_type=content_type, object_id=target.pk).delete()[0]
        if created:
            audit_record(action="follow.start" if following else "follow.stop", obj_type=content_type.model,
                         obj_id=target.pk, actor=user)
    return following


def notify(*, users: "Iterable[User]", kind: str, title: str, body: str = "", url: str = "") -> list[Notification]:
    """Put a notification in each person's inbox and e-mail those with an address, in one batch."""
    users = [u for u in users if u.is_active]
    created = Notification.objects.bulk_create(
        Notification(user=u, kind=kind, title=title[:300], body=body, url=url) for u in users)
    link = f"{settings.SITE_URL.rstrip('/')}{url}" if url else ""
    messages = [(title, f"{body}\n\n{link}".strip(), None, [u.email]) for u in users if u.email]
    if messages:
        send_mass_mail(messages, fail_silently=False)
    return created


def notification_mark_read(*, user: "User", ids: Iterable[int] | None = None) -> int:
    """Mark the person's own notifications read (all of them, or those with these ids)."""
    require("notifications.read", by=user, why=_("Sign in to read your notifications."))
    unread = Notification.objects.filter(user=user, read_at=None)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


def announce_change(*, target: "Model", title: str, body: str = "", url: str = "",
                    actor: "User | AnonymousUser | None" = None) -> None:
    """Tell the target's followers, once the change is committed, through the task queue."""
    from .tasks import notify_followers

    content_type = ContentType.objects.get_for_model(target)
    transaction.on_commit(lambda: notify_followers.enqueue(
        content_type.app_label, content_type.model, target.pk, title, body, url,
        actor.pk if actor is not None and actor.is_authenticated else None))
