"""The action plans' JSON API. Each answer is a record of plans/schemas.py, the same the pages' twins write."""

from datetime import date

from django.utils import timezone
from ninja import Router
from ninja.errors import HttpError
from ninja.pagination import paginate

from apertura.institutions.models import Institution
from apertura.institutions.selectors import institution_get

from . import selectors
from .dashboard import build_dashboard
from .models import Commitment, Milestone, Plan
from .schemas import (
    CommitmentDetailOut, CommitmentOut, DashboardOut, HistoryEntryOut, MilestoneDetailOut, MilestoneOut, PlanOut,
    PlanVersionOut,
)

router = Router(tags=["plans"])


def _plan(slug: str) -> Plan:
    try:
        return selectors.plan_lookup(slug=slug)
    except Plan.DoesNotExist:
        raise HttpError(404, f"there is no plan {slug}") from None


def _commitment(slug: str, number: int) -> Commitment:
    try:
        return selectors.commitment_get(plan_slug=slug, number=number)
    except Commitment.DoesNotExist:
        raise HttpError(404, f"plan {slug} has no commitment {number}") from None


@router.get("/", response=list[PlanOut], summary="List action plans")
@paginate
def list_plans(request):
    return selectors.plan_list()


@router.get("/{slug}", response=PlanOut, summary="Get one action plan")
def get_plan(request, slug: str):
    return _plan(slug)


@router.get("/{slug}/commitments", response=list[CommitmentOut], summary="List a plan's commitments")
@paginate
def list_commitments(request, slug: str, theme: str = "", institution: str = "", value: str = "", q: str = ""):
    return selectors.commitment_list(plan=_plan(slug), theme=theme, institution=institution, value=value, q=q,
                                     partners=True)


@router.get("/{slug}/commitments/{number}", response=CommitmentDetailOut, summary="Get one commitment")
def get_commitment(request, slug: str, number: int):
    return _commitment(slug, number)


@router.get("/{slug}/commitments/{number}/history", response=list[HistoryEntryOut],
            summary="Every saved change to a commitment and its milestones, newest first")
def get_commitment_history(request, slug: str, number: int):
    return selectors.commitment_history(commitment=_commitment(slug, number))


@router.get("/{slug}/milestones", response=list[MilestoneOut], summary="List a plan's milestones")
@paginate
def list_milestones(request, slug: str, institution: str = "", due_before: date | None = None):
    plan = _plan(slug)
    try:
        inst = institution_get(slug=institution) if institution else None
    except Institution.DoesNotExist:
        raise HttpError(404, f"there is no institution {institution}") from None
    return selectors.milestone_list(plan=plan, institution=inst, due_before=due_before)


@router.get("/{slug}/milestones/{number}", response=MilestoneDetailOut,
            summary="Get one milestone with its progress reports, evidence, verdicts and answers")
def get_milestone(request, slug: str, number: str):
    try:
        return selectors.milestone_get(plan_slug=slug, number=number)
    except Milestone.DoesNotExist:
        raise HttpError(404, f"plan {slug} has no milestone {number}") from None


@router.get("/{slug}/versions", response=list[PlanVersionOut], summary="List a plan's versions, oldest first")
def list_versions(request, slug: str):
    return selectors.plan_version_list(plan=_plan(slug))


@router.get("/{slug}/dashboard", response=DashboardOut, summary="A plan's progress as of a date (default: today)")
def get_dashboard(request, slug: str, on: date | None = None):
    return build_dashboard(plan=_plan(slug), on=on or timezone.localdate())
