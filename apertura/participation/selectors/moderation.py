"""Reads of moderation: the contributions one may report or follow, and the moderators' queue."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType

from ..models import (
    Consultation, ConsultationComment, ModerationCase, ModerationStatus, Participant, PlanComment, Proposal,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MODERATION_QUEUE_SIZE = 200
# What may be reported, and followed, by the name the URLs give it.
REPORTABLE: dict[str, type[Proposal | ConsultationComment | PlanComment]] = {
    "proposal": Proposal, "comment": ConsultationComment, "plan-comment": PlanComment}
FOLLOWABLE: dict[str, type[Proposal | Consultation]] = {"proposal": Proposal, "consultation": Consultation}


def reportable_get(*, kind: str, pk: int) -> Proposal | ConsultationComment | PlanComment:
    """The contribution of that kind and number (LookupError for a kind that cannot be reported)."""
    model = REPORTABLE.get(kind)
    if model is None:
        raise LookupError(kind)
    return model.objects.get(pk=pk)


def followable_get(*, kind: str, pk: int) -> Proposal | Consultation:
    """The proposal or consultation of that number (LookupError for a kind that cannot be followed)."""
    model = FOLLOWABLE.get(kind)
    if model is None:
        raise LookupError(kind)
    return model.objects.get(pk=pk)


def moderation_case_get(*, pk: int) -> ModerationCase:
    return ModerationCase.objects.get(pk=pk)


def participant_user_get(*, pk: int) -> User:
    """The account of a participant a moderator suspends (or lets contribute again)."""
    return get_user_model().objects.get(pk=pk)


def _in_place_url(item: Proposal | ConsultationComment | PlanComment | None) -> str:
    return "" if item is None else item.get_absolute_url()


def moderation_queue(*, decided: bool = False) -> list[ModerationCase]:
    """The cases waiting for a decision, most reported first; or (`decided`) those decided, latest first. Each
    with its `item` (the contribution), `author_suspended` and `url` (the contribution in place)."""
    statuses = ([ModerationStatus.KEPT, ModerationStatus.REMOVED] if decided
                else [ModerationStatus.OPEN, ModerationStatus.HIDDEN])
    cases: list[Any]  # ModerationCases, given `item`, `author_suspended` and `url` below
    cases = list(ModerationCase.objects.filter(status__in=statuses).select_related("content_type", "decided_by")
                 .prefetch_related("flags").order_by("-decided_at" if decided else "-report_count", "id")
                 [:MODERATION_QUEUE_SIZE])
    # The reported contributions, one query per kind.
    by_type: dict[int, set[int]] = {}
    for case in cases:
        by_type.setdefault(case.content_type_id, set()).add(case.object_id)
    targets: dict[tuple[int, int], Proposal | ConsultationComment | PlanComment] = {}
    for model, related in ((Proposal, ["author"]), (ConsultationComment, ["author", "section__consultation"]),
                           (PlanComment, ["author", "commitment__plan", "milestone"])):
        content_type = ContentType.objects.get_for_model(model)
        for obj in model.objects.filter(pk__in=by_type.get(content_type.pk, ())).select_related(*related):
            targets[(content_type.pk, obj.pk)] = obj
    suspended = set(Participant.objects.filter(
        user__in={t.author_id for t in targets.values() if t.author_id}, suspended_at__isnull=False,
    ).values_list("user_id", flat=True))
    for case in cases:
        case.item = targets.get((case.content_type_id, case.object_id))
        case.author_suspended = case.item is not None and case.item.author_id in suspended
        case.url = _in_place_url(case.item)
    return cases
