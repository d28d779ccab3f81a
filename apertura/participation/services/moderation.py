"""Moderation: anyone reports a contribution; enough reports hide it pending review; moderators decide, with a
reason, and suspend participants who keep breaking the rules."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apertura.accounts.permissions import require
from apertura.audit.services import audit_record

from ..limits import limit, rate_limit_check
from ..models import (
    ConsultationComment, Flag, ModerationCase, ModerationStatus, Participant, PlanComment, Proposal,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.auth.models import User as AuthUser
    from django.db.models import Model


MODERATED = (Proposal, ConsultationComment, PlanComment)


def _reporter_key(by: AuthUser | AnonymousUser | None, address: str | None) -> str:
    if by is not None and by.is_authenticated:
        return f"user:{by.pk}"
    return "ip:" + hashlib.sha256((address or "unknown").encode()).hexdigest()[:40]


def _set_hidden(target: Proposal | ConsultationComment | PlanComment, hidden: bool) -> None:
    type(target).objects.filter(pk=target.pk).update(hidden=hidden)
    target.hidden = hidden


def content_report(*, by: AuthUser | AnonymousUser | None, target: Model, reason: str,
                   address: str | None = None) -> ModerationCase:
    """Anyone reports a contribution. After APERTURA_PARTICIPATION_REPORTS_TO_HIDE reports by different people it
    is hidden pending review, unless a moderator already decided to keep it. A second report by the same person
    (account, or else network address) changes nothing."""
    require("participation.report", by=by, obj=target)
    if not isinstance(target, MODERATED):
        raise ValidationError(_("This cannot be reported."))
    reason = (reason or "").strip()
    if not 3 <= len(reason) <= 1000:
        raise ValidationError({"reason": [_("Say briefly what is wrong (up to 1,000 characters).")]})
    rate_limit_check(action="report", user=by, address=address)
    content_type = ContentType.objects.get_for_model(target)
    key = _reporter_key(by, address)
    with transaction.atomic():
        case, _created = ModerationCase.objects.select_for_update().get_or_create(
            content_type=content_type, object_id=target.pk)
        if Flag.objects.filter(case=case, reporter_key=key).exists():
            return case
        Flag.objects.create(case=case, reporter=by if by is not None and by.is_authenticated else None,
                            reporter_key=key, reason=reason)
        case.report_count = case.flags.count()
        hide = (case.status == ModerationStatus.OPEN
                and case.report_count >= limit("APERTURA_PARTICIPATION_REPORTS_TO_HIDE"))
        if hide:
            case.status = ModerationStatus.HIDDEN
            _set_hidden(target, True)
        case.save()
        audit_record(action="moderation.report", obj_type=content_type.model, obj_id=target.pk, actor=by,
                     actor_label="" if by is not None and by.is_authenticated else "anonymous",
                     summary=f"{content_type.model} {target.pk} reported ({case.report_count})"
                             + (", hidden pending review" if hide else ""),
                     data={"reason": reason, "reports": case.report_count, "hidden": hide})
    return case


def moderation_decide(*, by: AuthUser, case: ModerationCase, keep: bool, reason: str) -> ModerationCase:
    """A moderator keeps the contribution visible or hides it; the reason is kept, and the placeholder says so."""
    require("participation.moderate", by=by, obj=case, why=_("Only moderators decide on reports."))
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationError({"reason": [_("Write the reason for the decision; it is kept in the log.")]})
    with transaction.atomic():
        case = ModerationCase.objects.select_for_update().get(pk=case.pk)
        target = case.target
        case.status = ModerationStatus.KEPT if keep else ModerationStatus.REMOVED
        case.decided_by, case.decided_at, case.reason = by, timezone.now(), reason
        case.save()
        if target is not None:
            _set_hidden(target, not keep)
        audit_record(action="moderation.decide", obj_type=case.content_type.model, obj_id=case.object_id,
                     actor=by, summary=f"{case.content_type.model} {case.object_id}: {case.status}",
                     data={"decision": case.status, "reason": reason, "reports": case.report_count})
    return case


def participant_suspend(*, by: AuthUser, user: AuthUser, suspended: bool, reason: str = "") -> Participant:
    """Suspend a participant (they can read but not contribute) or lift the suspension; always with a reason."""
    require("participation.moderate", by=by, obj=user, why=_("Only moderators suspend participants."))
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationError({"reason": [_("Write the reason; it is kept in the log.")]})
    if user.pk == by.pk:
        raise ValidationError(_("You cannot suspend yourself."))
    with transaction.atomic():
        participant, _created = Participant.objects.select_for_update().get_or_create(user=user)
        participant.suspended_at = timezone.now() if suspended else None
        participant.suspended_reason = reason
        participant.save()
        audit_record(action="participant.suspend" if suspended else "participant.unsuspend", obj_type="user",
                     obj_id=user.pk, actor=by,
                     summary=f"{user.get_username()} {'suspended' if suspended else 'no longer suspended'}",
                     data={"reason": reason})
    return participant
