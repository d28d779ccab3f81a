"""The participation JSON API: read-only and public. Its records are the pages' JSON twins, schema for schema
(participation/schemas.py): a contribution hidden by moderation is listed in its placeholder state (`hidden`,
its texts null), and people appear only by their display name."""

from django.utils import timezone
from ninja import Router
from ninja.errors import HttpError
from ninja.pagination import paginate

from apertura.plans import selectors as plan_selectors
from apertura.plans.models import Plan

from . import selectors
from .models import Consultation, Proposal
from .schemas import (
    CommentOut, ConsultationDetailOut, ConsultationOut, ForumMemberOut, InputsDashboardOut, MeetingOut,
    ProposalDetailOut, ProposalOut, ScorecardOut,
)
from .scorecard import plan_scorecard

router = Router(tags=["participation"])


def _plan(slug: str) -> Plan:
    try:
        return plan_selectors.plan_get(slug=slug)
    except Plan.DoesNotExist:
        raise HttpError(404, f"there is no plan {slug}") from None


def _consultation(slug: str) -> Consultation:
    try:
        return selectors.consultation_get(slug=slug)
    except Consultation.DoesNotExist:
        raise HttpError(404, f"there is no consultation {slug}") from None


@router.get("/plans/{slug}/proposals", response=list[ProposalOut], summary="List a plan's proposals")
@paginate
def list_proposals(request, slug: str, status: str = "", theme: str = "", department: str = "",
                   sort: str = "newest"):
    return selectors.proposal_list(plan=_plan(slug), status=status, theme=theme, department=department, sort=sort)


@router.get("/proposals/{pk}", response=ProposalDetailOut, summary="Get one proposal with its history")
def get_proposal(request, pk: int):
    try:
        return selectors.proposal_get(pk=pk)
    except Proposal.DoesNotExist:
        raise HttpError(404, f"there is no proposal {pk}") from None


@router.get("/plans/{slug}/inputs", response=InputsDashboardOut,
            summary="How many of a plan's inputs were received, answered and adopted, by theme and department")
def get_inputs(request, slug: str):
    return selectors.inputs_dashboard(plan=_plan(slug))


@router.get("/consultations", response=list[ConsultationOut], summary="List consultations")
@paginate
def list_consultations(request):
    return selectors.consultation_list()


@router.get("/consultations/{slug}", response=ConsultationDetailOut, summary="Get one consultation")
def get_consultation(request, slug: str):
    try:
        return selectors.consultation_detail(slug=slug)
    except Consultation.DoesNotExist:
        raise HttpError(404, f"there is no consultation {slug}") from None


@router.get("/consultations/{slug}/comments", response=list[CommentOut],
            summary="List a consultation's comments, with their responses")
@paginate
def list_comments(request, slug: str, section: int | None = None):
    return selectors.consultation_comments(consultation=_consultation(slug), section=section)


@router.get("/forum/members", response=list[ForumMemberOut], summary="List the forum's seats")
@paginate
def list_forum_members(request):
    return selectors.forum_members()


@router.get("/forum/meetings", response=list[MeetingOut], summary="List the forum's meetings")
@paginate
def list_meetings(request, plan: str = ""):
    return selectors.meeting_list(plan_slug=plan, records=True)


@router.get("/plans/{slug}/scorecard", response=ScorecardOut,
            summary="The OGP minimum requirements of the forum and the repository, checked against the records")
def get_scorecard(request, slug: str):
    return plan_scorecard(plan=_plan(slug), today=timezone.localdate())
