from datetime import date

from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from apertura.common.partial_dates import partial
from apertura.institutions.models import Institution

from . import selectors
from .tracking import track_milestone
from .models import Commitment, Plan

router = Router(tags=["plans"])


def _partial(obj, name):
    value = partial(getattr(obj, name), getattr(obj, f"{name}_precision"))
    return value.isoformat() if value else None


class PlanOut(Schema):
    slug: str
    country: str
    number: int
    title: str
    title_es: str
    language: str
    status: str
    axis: str
    period_start: str
    period_end: str
    url: str

    @staticmethod
    def resolve_period_start(obj) -> str:
        return obj.start.isoformat()

    @staticmethod
    def resolve_period_end(obj) -> str:
        return obj.end.isoformat()

    @staticmethod
    def resolve_url(obj) -> str:
        return obj.get_absolute_url()


class ProgressOut(Schema):
    reported: int
    confirmed: int
    expected: int | None
    flag: str
    disputed: bool
    latest_report: date | None


class MilestoneOut(Schema):
    plan: str
    commitment: int
    number: str
    text: str
    responsible: list[str]
    responsible_note: str
    start: str | None = None
    end: str | None = None
    progress: ProgressOut

    @staticmethod
    def resolve_progress(obj) -> dict:
        track = track_milestone(obj, timezone.localdate())
        return {"reported": track.reported, "confirmed": track.confirmed, "expected": track.expected,
                "flag": track.flag, "disputed": track.disputed,
                "latest_report": track.latest.as_of if track.latest else None}

    @staticmethod
    def resolve_plan(obj) -> str:
        return obj.commitment.plan.slug

    @staticmethod
    def resolve_commitment(obj) -> int:
        return obj.commitment.number

    @staticmethod
    def resolve_responsible(obj) -> list[str]:
        return [i.acronym for i in obj.responsible.all()]

    @staticmethod
    def resolve_start(obj):
        return _partial(obj, "start")

    @staticmethod
    def resolve_end(obj):
        return _partial(obj, "end")


class CommitmentOut(Schema):
    plan: str
    number: int
    title: str
    start: str | None = None
    end: str | None = None
    lead: str
    themes: list[str]
    ogp_values: list[str]
    sdgs: list[int]
    milestone_count: int
    url: str

    @staticmethod
    def resolve_plan(obj) -> str:
        return obj.plan.slug

    @staticmethod
    def resolve_start(obj):
        return _partial(obj, "start")

    @staticmethod
    def resolve_end(obj):
        return _partial(obj, "end")

    @staticmethod
    def resolve_lead(obj) -> str:
        return obj.lead.acronym

    @staticmethod
    def resolve_themes(obj) -> list[str]:
        return [t.code for t in obj.themes.all()]

    @staticmethod
    def resolve_milestone_count(obj) -> int:
        return len(obj.milestones.all())

    @staticmethod
    def resolve_url(obj) -> str:
        return obj.get_absolute_url()


class ContactOut(Schema):
    name: str
    position: str
    institution: str
    emails: list[str]
    phones: list[str]

    @staticmethod
    def resolve_institution(obj) -> str:
        return obj.institution.acronym


class CommitmentDetailOut(CommitmentOut):
    supporting_institutions: list[str]
    civil_society: list[str]
    other_actors: list[str]
    problem: str
    description: str
    contribution: str
    relevance: str
    additional_info: str
    observations: str
    contacts: list[ContactOut]
    milestones: list[MilestoneOut]
    revision_notes: list[str]

    @staticmethod
    def resolve_supporting_institutions(obj) -> list[str]:
        return [i.acronym for i in obj.supporting_institutions.all()]

    @staticmethod
    def resolve_civil_society(obj) -> list[str]:
        return [i.acronym for i in obj.civil_society.all()]

    @staticmethod
    def resolve_revision_notes(obj) -> list[str]:
        return [n.text for n in obj.revision_notes.all()]

    @staticmethod
    def resolve_contacts(obj):
        return list(obj.contacts.all())

    @staticmethod
    def resolve_milestones(obj):
        return list(obj.milestones.all())


@router.get("/", response=list[PlanOut], summary="List action plans")
@paginate
def list_plans(request):
    return selectors.plan_list()


@router.get("/{slug}", response=PlanOut, summary="Get one action plan")
def get_plan(request, slug: str):
    return get_object_or_404(Plan, slug=slug)


@router.get("/{slug}/commitments", response=list[CommitmentOut], summary="List a plan's commitments")
@paginate
def list_commitments(request, slug: str, theme: str = "", institution: str = "", value: str = "", q: str = ""):
    plan = get_object_or_404(Plan, slug=slug)
    return selectors.commitment_list(plan=plan, theme=theme, institution=institution, value=value, q=q)


@router.get("/{slug}/commitments/{number}", response=CommitmentDetailOut, summary="Get one commitment")
def get_commitment(request, slug: str, number: int):
    try:
        return selectors.commitment_get(plan_slug=slug, number=number)
    except Commitment.DoesNotExist:
        raise HttpError(404, f"plan {slug} has no commitment {number}") from None


@router.get("/{slug}/milestones", response=list[MilestoneOut], summary="List a plan's milestones")
@paginate
def list_milestones(request, slug: str, institution: str = "", due_before: date | None = None):
    plan = get_object_or_404(Plan, slug=slug)
    inst = get_object_or_404(Institution, slug=institution) if institution else None
    qs = selectors.milestone_list(plan=plan, institution=inst)
    if due_before:
        qs = qs.filter(end__lt=due_before)
    return qs

