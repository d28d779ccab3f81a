from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


def unread_count(user: "User | AnonymousUser") -> int:
    return user.notifications.filter(read_at=None).count() if user.is_authenticated else 0
