from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Page, Paginator

from .models import Follow

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User
    from django.db.models import Model, QuerySet

INBOX_PAGE_SIZE = 30  # notifications on a page of the inbox, newest first


def unread_count(user: "User | AnonymousUser") -> int:
    return user.notifications.filter(read_at=None).count() if user.is_authenticated else 0


def inbox_page(*, user: "User", number: str | None) -> Page:
    """One page of the person's notifications, newest first (the first page for a number out of range)."""
    return Paginator(user.notifications.order_by("-created_at", "-id"), INBOX_PAGE_SIZE).get_page(number)


def followers(target: "Model") -> "QuerySet[Follow]":
    content_type = ContentType.objects.get_for_model(target)
    return Follow.objects.filter(content_type=content_type, object_id=target.pk).select_related("user")


def is_following(*, user: "User | AnonymousUser", target: "Model") -> bool:
    return user.is_authenticated and followers(target).filter(user=user).exists()
