"""The participation JSON API: read-only, public content only. Hidden (moderated) contributions are left out,
and people appear only by their display name."""

import datetime as dt

from django.db.models import Count
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from apertura.plans.models import Plan

from . import selectors
from .models import Consultation, ConsultationComment, Proposal
from .scorecard import plan_scorecard

router = Router(tags=["participation"])


class ProposalStepOut(Schema):
    status: str
    response: str
    date: dt.datetime

    @staticmethod
    def resolve_date(obj) -> dt.datetime:
        return obj.created_at


class ProposalOut(Schema):
    id: int
    plan: str
    title: str
    problem: str
    proposal: str
    author: str
    theme: str | None
    institution: str | None
    department: str | None
    status: str
    supports: int
    response: str
    responded_at: dt.datetime | None
    commitment: int | None
    milestone: str | None
    merged_into: int | None
    submitted: dt.datetime
    url: str

    @staticmethod
    def resolve_plan(obj) -> str:
        return obj.plan.slug

    @staticmethod
    def resolve_author(obj) -> str:
        return obj.author_name

    @staticmethod
    def resolve_theme(obj):
        return obj.theme.code if obj.theme else None

    @staticmethod
    def resolve_institution(obj):
        return obj.institution.acronym if obj.institution else None

    @staticmethod
    def resolve_department(obj):
        return obj.department or None

    @staticmethod
    def resolve_supports(obj) -> int:
        return obj.support_count

    @staticmethod
    def resolve_commitment(obj):
        return obj.commitment.number if obj.commitment else None

    @staticmethod
    def resolve_milestone(obj):
        return obj.milestone.number if obj.milestone else None

    @staticmethod
    def resolve_merged_into(obj):
        return obj.merged_into_id

    @staticmethod
    def resolve_submitted(obj) -> dt.datetime:
        return obj.created_at

    @staticmethod
    def resolve_url(obj) -> str:
        return obj.get_absolute_url()


class ProposalDetailOut(ProposalOut):
    history: list[ProposalStepOut]

    @staticmethod
    def resolve_history(obj):
        return list(obj.events.all())


class ConsultationOut(Schema):
    slug: str
    title: str
    purpose: str
    plan: str | None
    opens_at: dt.datetime
    closes_at: dt.datetime
    phase: str
    comment_count: int
    summary: str
    summary_published_at: dt.datetime | None
    url: str

    @staticmethod
    def resolve_plan(obj):
        return obj.plan.slug if obj.plan else None

    @staticmethod
    def resolve_phase(obj) -> str:
        return obj.phase(timezone.now())

    @staticmethod
    def resolve_url(obj) -> str:
        return obj.get_absolute_url()


class SectionOut(Schema):
    order: int
    title: str
    text: str
    comment_count: int


class ConsultationDetailOut(ConsultationOut):
    sections: list[SectionOut]

    @staticmethod
    def resolve_sections(obj):
        return list(obj.sections.annotate(comment_count=Count("comments")).order_by("order"))


class CommentOut(Schema):
    id: int
    section: int
    author: str
    text: str
    submitted: dt.datetime
    response: str | None
    url: str

    @staticmethod
    def resolve_section(obj) -> int:
        return obj.section.order

    @staticmethod
    def resolve_author(obj) -> str:
        return obj.author_name

    @staticmethod
    def resolve_submitted(obj) -> dt.datetime:
        return obj.created_at

    @staticmethod
    def resolve_response(obj):
        return obj.response.text if obj.response else None

    @staticmethod
    def resolve_url(obj) -> str:
        return obj.get_absolute_url()


class AttendeeOut(Schema):
    name: str
    institution: str
    alternate: bool

    @staticmethod
    def resolve_institution(obj) -> str:
        return obj.institution.acronym

    @staticmethod
    def resolve_alternate(obj) -> bool:
        return obj.alternate_of_id is not None


class DecisionOut(Schema):
    text: str
    owner: str


class DocumentOut(Schema):
    title: str
    url: str


class MeetingOut(Schema):
    id: int
    date: dt.date
    kind: str
    plan: str | None
    place: str
    link: str
    agenda: str
    minutes: str
    attendees: list[AttendeeOut]
    decisions: list[DecisionOut]
    documents: list[DocumentOut]
    url: str

    @staticmethod
    def resolve_plan(obj):
        return obj.plan.slug if obj.plan else None

    @staticmethod
    def resolve_attendees(obj):
        return list(obj.attendees.all())

    @staticmethod
    def resolve_decisions(obj):
        return list(obj.decisions.all())

    @staticmethod
    def resolve_documents(obj):
        return [{"title": d.title, "url": d.public_url} for d in obj.documents.all()]

    @staticmethod
    def resolve_url(obj) -> str:
        return obj.get_absolute_url()


class EvidenceOut(Schema):
    date: dt.date | None
    label: str
    url: str


class CheckOut(Schema):
    code: str
    title: str
    met: bool | None
    detail: str
    evidence: list[EvidenceOut]


class PeriodOut(Schema):
    start: dt.date
    end: dt.date


class ScorecardOut(Schema):
    plan: str
    as_of: dt.date
    period: PeriodOut
    checks: list[CheckOut]


@router.get("/plans/{slug}/proposals", response=list[ProposalOut], summary="List a plan's proposals")
@paginate
def list_proposals(request, slug: str, status: str = "", theme: str = "", department: str = ""):
    plan = get_object_or_404(Plan, slug=slug)
    return selectors.proposal_list(plan=plan, status=status, theme=theme, department=department).filter(
        hidden=False)


@router.get("/proposals/{pk}", response=ProposalDetailOut, summary="Get one proposal with its history")
def get_proposal(request, pk: int):
    try:
        proposal = selectors.proposal_get(pk=pk)
    except Proposal.DoesNotExist:
        raise HttpError(404, f"there is no proposal {pk}") from None
    if proposal.hidden:
        raise HttpError(404, f"proposal {pk} is hidden by moderation")
    return proposal


def _consultations():
    return selectors.consultation_list().select_related("plan")


@router.get("/consultations", response=list[ConsultationOut], summary="List consultations")
@paginate
def list_consultations(request):
    return _consultations()


@router.get("/consultations/{slug}", response=ConsultationDetailOut, summary="Get one consultation")
def get_consultation(request, slug: str):
    return get_object_or_404(_consultations(), slug=slug)


@router.get("/consultations/{slug}/comments", response=list[CommentOut],
            summary="List a consultation's comments, with their responses")
@paginate
def list_comments(request, slug: str, section: int | None = None):
    consultation = get_object_or_404(Consultation, slug=slug)
    comments = (ConsultationComment.objects.filter(section__consultation=consultation, hidden=False)
                .select_related("section__consultation", "author", "response")
                .order_by("section__order", "created_at", "id"))
    return comments.filter(section__order=section) if section is not None else comments


@router.get("/forum/meetings", response=list[MeetingOut], summary="List the forum's meetings")
@paginate
def list_meetings(request, plan: str = ""):
    meetings = selectors.meeting_list().prefetch_related("decisions", "documents")
    return meetings.filter(plan__slug=plan) if plan else meetings


@router.get("/plans/{slug}/scorecard", response=ScorecardOut,
            summary="The OGP minimum requirements of the forum and the repository, checked against the records")
def get_scorecard(request, slug: str):
    plan = get_object_or_404(Plan, slug=slug)
    return plan_scorecard(plan=plan, today=timezone.localdate())

