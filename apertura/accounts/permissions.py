"""The one way a service checks a permission: `require(perm, by=…, obj=…)`.

Permissions are named predicates registered by each app's `rules.py`. A refusal is written to the audit log, so a
forged request for another institution's records leaves a trace; it is written at once, which is why services call
`require` before they open their transaction (a refusal inside it would be rolled back with it). Views and templates
ask `rules.has_perm` only to decide what to show; the service's `require` is what enforces.
"""

from __future__ import annotations

import rules
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext as _

from apertura.audit.services import audit_record


def _subject(obj) -> tuple[str, str]:
    """What the refusal was about, for the audit log: the object's model and key, or the permission itself."""
    if isinstance(obj, tuple | list) and obj:
        obj = obj[0]
    if isinstance(obj, models.Model):
        return obj._meta.label_lower, str(obj.pk)
    return "permission", ""


def require(perm: str, *, by, obj=None, why: str | None = None, system: bool = False) -> None:
    """Raise PermissionDenied (with `why`, or a plain default) unless `by` has `perm` on `obj`; audit the refusal.

    `system=True` is the platform acting on its own — a command run on the server, a scheduled task, the
    harvester — with no person behind it: `by` must then be None, nothing is checked, and the service's own audit
    event names the system by its actor label. Without it, `by=None` is nobody in particular and is checked as an
    anonymous visitor (so refused and audited): a caller that forgets to say who acts is never waved through."""
    if system:
        if by is not None:
            raise TypeError(f"{perm}: a system call acts for no person; pass by=None with system=True")
        return
    if rules.has_perm(perm, by, obj):
        return
    obj_type, obj_id = _subject(obj)
    message = why or _("You may not do this.")
    audit_record(action="permission.refused", obj_type=obj_type, obj_id=obj_id or perm, actor=by,
                 summary=message, data={"permission": perm})
    raise PermissionDenied(message)
