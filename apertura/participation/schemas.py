"""One Ninja schema per participation record. Each is what participation/api.py answers, what the pages'
`?format=json` twins show, and where their `?format=csv` columns come from (apertura/common/records.py), so the
three cannot drift apart.

The shape, decided once for all three:
- A contribution hidden by moderation keeps its place and its public facts (number, author's display name,
  status, the organizers' response) with `hidden: true`; its own texts are null. That holds for everyone who
  reads a record: what moderators see of a hidden contribution is the moderation queue's, never a record's.
- Something that is not there yet is null, not an empty string: a response not given, a department not named.
- People appear by their display name only.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from ninja import Field, Schema

HIDDEN = "null when the contribution is hidden by moderation (`hidden`)"


def _hidden_or(obj, text: str) -> str | None:
    return None if obj.hidden else text


# Proposals -----------------------------------------------------------------------------------------------

class ProposalStepOut(Schema):
    """A step of a proposal's public history: the status it took, with the response published then."""

    status: str
    response: str | None
    date: dt.datetime

    @staticmethod
    def resolve_response(obj) -> str | None:
        return obj.response or None

    @staticmethod
    def resolve_date(obj) -> dt.datetime:
        return obj.created_at


class ProposalOut(Schema):
    id: int
    plan: str = Field(description="the action plan's slug")
    hidden: bool = Field(description="hidden by moderation: its texts are not shown")
    title: str | None = Field(description=HIDDEN)
    problem: str | None = Field(description=f"Markdown; {HIDDEN}")
    proposal: str | None = Field(description=f"Markdown; {HIDDEN}")
    author: str = Field(description="the author's display name")
    theme: str | None = Field(description="the plan theme's code")
    institution: str | None = Field(description="the acronym of the institution addressed")
    department: str | None = Field(description="INE code of the department; null for the whole country")
    department_name: str | None
    status: str
    supports: int
    response: str | None = Field(description="the public, reasoned response (Markdown); null until answered")
    responded_at: dt.datetime | None
    commitment: int | None = Field(description="the commitment it was incorporated into")
    milestone: str | None = Field(description="the milestone it was incorporated into")
    merged_into: int | None = Field(description="the proposal it was merged into")
    submitted: dt.datetime
    url: str

    @staticmethod
    def resolve_plan(obj) -> str:
        return obj.plan.slug

    @staticmethod
    def resolve_title(obj) -> str | None:
        return _hidden_or(obj, obj.title)

    @staticmethod
    def resolve_problem(obj) -> str | None:
        return _hidden_or(obj, obj.problem)

    @staticmethod
    def resolve_proposal(obj) -> str | None:
        return _hidden_or(obj, obj.proposal)

    @staticmethod
    def resolve_author(obj) -> str:
        return obj.author_name

    @staticmethod
    def resolve_theme(obj) -> str | None:
        return obj.theme.code if obj.theme else None

    @staticmethod
    def resolve_institution(obj) -> str | None:
        return obj.institution.acronym if obj.institution else None

    @staticmethod
    def resolve_department(obj) -> str | None:
        return obj.department or None

    @staticmethod
    def resolve_department_name(obj) -> str | None:
        return obj.department_name or None

    @staticmethod
    def resolve_supports(obj) -> int:
        return obj.support_count

    @staticmethod
    def resolve_response(obj) -> str | None:
        return obj.response or None

    @staticmethod
    def resolve_commitment(obj) -> int | None:
        return obj.commitment.number if obj.commitment else None

    @staticmethod
    def resolve_milestone(obj) -> str | None:
        return obj.milestone.number if obj.milestone else None

    @staticmethod
    def resolve_merged_into(obj) -> int | None:
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
    def resolve_history(obj) -> list:
        return list(obj.events.all())


PROPOSAL_COLUMNS = ["id", "hidden", "title", "author", "theme", "institution", "department", "status", "supports",
                    "response", "commitment", "milestone", "merged_into", "submitted", "url"]


class InputCountsOut(Schema):
    """How many inputs were received, answered (a published response), adopted and closed."""

    received: int
    answered: int
    adopted: int
    closed: int


class InputsByThemeOut(InputCountsOut):
    theme: str = Field(description="the theme's code; empty for proposals without a theme")
    title: str


class InputsByDepartmentOut(InputCountsOut):
    department: str = Field(description="INE code; empty for the whole country")
    name: str


class InputsDashboardOut(Schema):
    plan: str
    totals: InputCountsOut
    by_theme: list[InputsByThemeOut]
    by_department: list[InputsByDepartmentOut]


INPUT_COUNTS = list(InputCountsOut.model_fields)
INPUTS_COLUMNS = ["group", "key", "name", *INPUT_COUNTS]


class PlanLinksOut(Schema):
    """Where to take part in a plan (the participation index)."""

    slug: str
    title: str
    proposals: str
    inputs: str

    @staticmethod
    def resolve_proposals(obj) -> str:
        return reverse("participation:proposals", args=[obj.slug])

    @staticmethod
    def resolve_inputs(obj) -> str:
        return reverse("participation:inputs", args=[obj.slug])


# Consultations -------------------------------------------------------------------------------------------

class ConsultationOut(Schema):
    slug: str
    title: str
    purpose: str = Field(description="Markdown")
    plan: str | None
    opens_at: dt.datetime
    closes_at: dt.datetime
    phase: str = Field(description="upcoming, open or closed")
    comment_count: int
    summary: str | None = Field(description="the summary report (Markdown); null until published")
    summary_published_at: dt.datetime | None
    url: str
    report: str = Field(description="the summary report with every comment and its response")

    @staticmethod
    def resolve_plan(obj) -> str | None:
        return obj.plan.slug if obj.plan else None

    @staticmethod
    def resolve_phase(obj) -> str:
        return obj.phase(timezone.now())

    @staticmethod
    def resolve_summary(obj) -> str | None:
        return obj.summary or None

    @staticmethod
    def resolve_url(obj) -> str:
        return obj.get_absolute_url()

    @staticmethod
    def resolve_report(obj) -> str:
        return reverse("participation:consultation_report", args=[obj.slug])


class ResponseOut(Schema):
    """The organizers' public answer to one comment or a group of comments."""

    id: int
    text: str = Field(description="Markdown")
    answered: dt.datetime

    @staticmethod
    def resolve_answered(obj) -> dt.datetime:
        return obj.created_at


class CommentOut(Schema):
    """A comment on a section of a consultation."""

    id: int
    section: int = Field(description="the section's order in the document")
    section_title: str
    author: str = Field(description="the author's display name")
    hidden: bool = Field(description="hidden by moderation: its text is not shown")
    text: str | None = Field(description=f"Markdown; {HIDDEN}")
    submitted: dt.datetime
    response: ResponseOut | None = Field(description="null until answered")
    url: str

    @staticmethod
    def resolve_section(obj) -> int:
        return obj.section.order

    @staticmethod
    def resolve_section_title(obj) -> str:
        return obj.section.title

    @staticmethod
    def resolve_author(obj) -> str:
        return obj.author_name

    @staticmethod
    def resolve_text(obj) -> str | None:
        return _hidden_or(obj, obj.text)

    @staticmethod
    def resolve_submitted(obj) -> dt.datetime:
        return obj.created_at

    @staticmethod
    def resolve_url(obj) -> str:
        return obj.get_absolute_url()


COMMENT_COLUMNS = ["id", "section", "section_title", "author", "hidden", "text", "submitted", "response.id",
                   "response.text", "url"]


class SectionOut(Schema):
    order: int
    title: str
    text: str = Field(description="Markdown")
    comment_count: int


class SectionPageOut(SectionOut):
    """A section as its consultation's page shows it: with one page of its comments."""

    page: int
    pages: int
    comments: list[CommentOut]

    @staticmethod
    def resolve_page(obj) -> int:
        return obj.page_number

    @staticmethod
    def resolve_pages(obj) -> int:
        return obj.page_count

    @staticmethod
    def resolve_comments(obj) -> list:
        return obj.page_comments


class ConsultationDetailOut(ConsultationOut):
    """A consultation with its sections (`section_list`, as the selectors give it) and its responses."""

    sections: list[SectionOut]
    responses: list[ResponseOut]

    @staticmethod
    def resolve_sections(obj) -> list:
        return obj.section_list

    @staticmethod
    def resolve_responses(obj) -> list:
        return list(obj.responses.all())


class ConsultationPageOut(ConsultationDetailOut):
    sections: list[SectionPageOut]  # type: ignore[assignment]


# Feedback on the plan ------------------------------------------------------------------------------------

class PlanReplyOut(Schema):
    id: int
    author: str = Field(description="the author's display name")
    hidden: bool = Field(description="hidden by moderation: its text is not shown")
    text: str | None = Field(description=f"Markdown; {HIDDEN}")
    submitted: dt.datetime

    @staticmethod
    def resolve_author(obj) -> str:
        return obj.author_name

    @staticmethod
    def resolve_text(obj) -> str | None:
        return _hidden_or(obj, obj.text)

    @staticmethod
    def resolve_submitted(obj) -> dt.datetime:
        return obj.created_at


class PlanCommentOut(PlanReplyOut):
    """A comment on a commitment or a milestone, with its replies (one level)."""

    replies: list[PlanReplyOut]

    @staticmethod
    def resolve_replies(obj) -> list:
        return list(obj.replies.all())


# The multi-stakeholder forum -----------------------------------------------------------------------------

class ForumMemberOut(Schema):
    """A seat of the forum."""

    id: int
    name: str
    institution: str = Field(description="the institution's or organization's acronym")
    alternate_of: int | None = Field(description="the member this alternate stands in for")
    since: dt.date
    until: dt.date | None = Field(description="the membership's last day; null while it lasts")
    meetings_attended: int

    @staticmethod
    def resolve_institution(obj) -> str:
        return obj.institution.acronym

    @staticmethod
    def resolve_alternate_of(obj) -> int | None:
        return obj.alternate_of_id

    @staticmethod
    def resolve_meetings_attended(obj) -> int:
        return obj.attended


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
    owner: str | None = Field(description="who carries it out")

    @staticmethod
    def resolve_owner(obj) -> str | None:
        return obj.owner or None


class DocumentOut(Schema):
    """A document of a meeting: a link, or a file uploaded here (then with its name, type, size and SHA-256)."""

    title: str
    url: str
    file_name: str | None
    content_type: str | None
    size: int | None
    sha256: str | None

    @staticmethod
    def resolve_url(obj) -> str:
        return obj.public_url

    @staticmethod
    def resolve_file_name(obj) -> str | None:
        return obj.original_name or None

    @staticmethod
    def resolve_content_type(obj) -> str | None:
        return obj.content_type or None

    @staticmethod
    def resolve_sha256(obj) -> str | None:
        return obj.sha256 or None


class MeetingOut(Schema):
    id: int
    date: dt.date
    kind: str
    plan: str | None
    place: str | None
    link: str | None
    agenda: str = Field(description="Markdown")
    minutes: str | None = Field(description="Markdown; null until published")
    attendee_count: int
    civil_society_attendees: int
    attendees: list[AttendeeOut]
    decisions: list[DecisionOut]
    documents: list[DocumentOut]
    url: str

    @staticmethod
    def resolve_plan(obj) -> str | None:
        return obj.plan.slug if obj.plan else None

    @staticmethod
    def resolve_place(obj) -> str | None:
        return obj.place or None

    @staticmethod
    def resolve_link(obj) -> str | None:
        return obj.link or None

    @staticmethod
    def resolve_minutes(obj) -> str | None:
        return obj.minutes or None

    @staticmethod
    def resolve_attendee_count(obj) -> int:
        return len(obj.attendees.all())

    @staticmethod
    def resolve_civil_society_attendees(obj) -> int:
        return sum(1 for a in obj.attendees.all() if a.is_civil_society)

    @staticmethod
    def resolve_attendees(obj) -> list:
        return list(obj.attendees.all())

    @staticmethod
    def resolve_decisions(obj) -> list:
        return list(obj.decisions.all())

    @staticmethod
    def resolve_documents(obj) -> list:
        return list(obj.documents.all())

    @staticmethod
    def resolve_url(obj) -> str:
        return obj.get_absolute_url()


MEETING_COLUMNS = ["id", "date", "kind", "plan", "place", "link", "attendee_count", "civil_society_attendees",
                   "attendees", "url"]


class ForumOut(Schema):
    members: list[ForumMemberOut]
    meetings: list[MeetingOut]


# The OGP minimum requirements ----------------------------------------------------------------------------

class EvidenceOut(Schema):
    date: dt.date | None
    label: str
    url: str


class CheckOut(Schema):
    code: str
    title: str
    met: bool | None = Field(description="null while it cannot be measured yet")
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


CHECK_COLUMNS = ["code", "title", "met", "detail", "evidence.date", "evidence.url"]
