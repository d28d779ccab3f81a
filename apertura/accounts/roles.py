"""What a person may do, read from their roles. The rules modules build their predicates on these."""

import contextlib
from functools import cached_property

from .models import RoleKind


class UserRoles:
    """The roles of one user, read once per request."""

    def __init__(self, user):
        self.user = user

    @cached_property
    def _roles(self) -> list[tuple[str, int | None]]:
        if not getattr(self.user, "is_authenticated", False) or not self.user.is_active:
            return []
        return list(self.user.roles.values_list("kind", "institution_id"))

    @property
    def is_administrator(self) -> bool:
        return bool(getattr(self.user, "is_superuser", False)) or any(
            kind == RoleKind.ADMINISTRATOR for kind, _inst in self._roles)

    @property
    def is_reviewer(self) -> bool:
        return any(kind == RoleKind.REVIEWER for kind, _inst in self._roles)

    def institutions(self, kind: str) -> set[int]:
        return {inst for role, inst in self._roles if role == kind and inst is not None}

    @property
    def edits(self) -> set[int]:
        return self.institutions(RoleKind.EDITOR)

    @property
    def monitors(self) -> set[int]:
        return self.institutions(RoleKind.MONITOR)

    @property
    def is_staff_role(self) -> bool:
        """Administrators and editors must use two-factor authentication."""
        return self.is_administrator or bool(self.edits)


def roles_of(user) -> UserRoles:
    cached = getattr(user, "_apertura_roles", None)
    if cached is None:
        cached = UserRoles(user)
        with contextlib.suppress(AttributeError):  # AnonymousUser takes no attributes
            user._apertura_roles = cached
    return cached
