"""One schema per plans record (apertura/common/records.py): what the JSON API answers, what each page's
`?format=json` twin shows, and where its `?format=csv` columns come from.

Only what the public pages show goes out: who wrote a report, who gave a verdict, who assessed a commitment and
who recorded a version are people with accounts, and stay inside; so do the stored snapshots of past versions
(compared on the versions page, never served whole).
"""

import datetime as dt
from typing import Any

from django.utils import timezone
from ninja import Schema

from apertura.common.partial_dates import partial
from apertura.institutions.schemas import InstitutionOut

from .tracking import track_milestone

# ?format=csv columns: dotted paths into the records below.
PLAN_COLUMNS = ["slug", "country", "number", "title", "period_start", "period_end", "status"]
COMMITMENT_COLUMNS = ["plan", "number", "title", "start", "end", "lead", "supporting_institutions", "civil_society",
                      "themes", "ogp_values", "sdgs", "milestone_count"]
MILESTONE_COLUMNS = ["plan", "commitment", "number", "text", "responsible", "responsible_note", "start", "end",
                     "progress.reported", "progress.confirmed", "progress.expected", "progress.flag"]
INSTITUTION_COLUMNS = ["acronym", "name_es", "name_en", "kind", "commitments_led", "milestones"]
DASHBOARD_COLUMNS = ["plan", "commitment", "milestone", "responsible", "start", "end", "reported", "confirmed",
                     "expected", "flag", "latest_report", "validation"]


def _partial(obj, name: str) -> str | None:
    """A date as precise as the plan gives it: 2022, 2022-06 or 2022-06-15."""
    value = partial(getattr(obj, name), getattr(obj, f"{name}_precision"))
    return value.isoformat() if value else None


def _acronyms(manager) -> list[str]:
    return [institution.acronym for institution in manager.all()]


# Plans and their versions ------------------------------------------------------------------------------------

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


class PlanVersionOut(Schema):
    id: int
    label: str
    date: dt.date
    note: str
    comparable: bool  # whether the plan as it was is stored, so that it can be compared

    @staticmethod
    def resolve_comparable(obj) -> bool:
        return bool(obj.data)


class ChangeOut(Schema):
    field: str
    old: Any = None
    new: Any = None


class MilestoneDiffOut(Schema):
    number: str
    status: str  # added, removed, changed, renumbered
    changes: list[ChangeOut]


class CommitmentDiffOut(Schema):
    number: int
    title: str
    status: str  # added, removed, changed
    changes: list[ChangeOut]
    milestones: list[MilestoneDiffOut]


class PlanDiffOut(Schema):
    """Two versions of a plan compared field by field (plans.versions.PlanDiff)."""

    counts: dict[str, int]
    commitments: list[CommitmentDiffOut]


# Milestones and their progress -------------------------------------------------------------------------------

class ProgressOut(Schema):
    reported: int
    confirmed: int
    expected: int | None
    flag: str
    disputed: bool
    latest_report: dt.date | None


class EvidenceOut(Schema):
    title: str
    url: str | None  # a link given as evidence
    download: str | None  # a file uploaded as evidence, served here
    content_type: str | None
    size: int | None
    sha256: str | None

    @staticmethod
    def resolve_url(obj) -> str | None:
        return obj.url or None

    @staticmethod
    def resolve_download(obj) -> str | None:
        return f"/evidence/{obj.pk}/" if obj.file else None

    @staticmethod
    def resolve_content_type(obj) -> str | None:
        return obj.content_type or None

    @staticmethod
    def resolve_sha256(obj) -> str | None:
        return obj.sha256 or None


class ValidationResponseOut(Schema):
    institution: str
    text: str
    date: dt.datetime

    @staticmethod
    def resolve_institution(obj) -> str:
        return obj.institution.acronym

    @staticmethod
    def resolve_date(obj) -> dt.datetime:
        return obj.created_at


class ValidationOut(Schema):
    """A civil-society organization's verdict on a report, and the institution's answers to it."""

    organization: str
    verdict: str
    reason: str
    date: dt.datetime
    answers: list[ValidationResponseOut]

    @staticmethod
    def resolve_organization(obj) -> str:
        return obj.organization.acronym

    @staticmethod
    def resolve_date(obj) -> dt.datetime:
        return obj.updated_at

    @staticmethod
    def resolve_answers(obj) -> list:
        return list(obj.responses.all())


class ProgressReportOut(Schema):
    id: int
    status: str
    percent: int
    as_of: dt.date
    completed_on: dt.date | None
    institution: str
    narrative: str
    submitted: dt.datetime
    evidence: list[EvidenceOut]
    validations: list[ValidationOut]

    @staticmethod
    def resolve_institution(obj) -> str:
        return obj.institution.acronym

    @staticmethod
    def resolve_submitted(obj) -> dt.datetime:
        return obj.created_at


class MilestoneOut(Schema):
    plan: str
    commitment: int
    number: str
    text: str
    responsible: list[str]
    responsible_note: str
    start: str | None = None
    end: str | None = None
    url: str
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
        return _acronyms(obj.responsible)

    @staticmethod
    def resolve_start(obj) -> str | None:
        return _partial(obj, "start")

    @staticmethod
    def resolve_end(obj) -> str | None:
        return _partial(obj, "end")

    @staticmethod
    def resolve_url(obj) -> str:
        return obj.get_absolute_url()


class MilestoneDetailOut(MilestoneOut):
    """A milestone with its whole public record: every report, its evidence, the verdicts and the answers."""

    reports: list[ProgressReportOut]

    @staticmethod
    def resolve_reports(obj) -> list:
        return list(obj.reports.all())


# Commitments -------------------------------------------------------------------------------------------------

class CommitmentOut(Schema):
    plan: str
    number: int
    title: str
    start: str | None = None
    end: str | None = None
    lead: str
    supporting_institutions: list[str]
    civil_society: list[str]
    themes: list[str]
    ogp_values: list[str]
    sdgs: list[int]
    milestone_count: int
    url: str

    @staticmethod
    def resolve_plan(obj) -> str:
        return obj.plan.slug

    @staticmethod
    def resolve_start(obj) -> str | None:
        return _partial(obj, "start")

    @staticmethod
    def resolve_end(obj) -> str | None:
        return _partial(obj, "end")

    @staticmethod
    def resolve_lead(obj) -> str:
        return obj.lead.acronym

    @staticmethod
    def resolve_supporting_institutions(obj) -> list[str]:
        return _acronyms(obj.supporting_institutions)

    @staticmethod
    def resolve_civil_society(obj) -> list[str]:
        return _acronyms(obj.civil_society)

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


class QualityFlagOut(Schema):
    """A visible note that the source plan is inconsistent or incomplete at this place."""

    milestone: str | None  # the milestone's number, or None for the commitment itself
    field: str
    code: str
    message: str
    source: str  # curated (recorded by the editors) or computed (found by the platform)

    @staticmethod
    def resolve_milestone(obj) -> str | None:
        return obj.milestone.number if obj.milestone_id else None


class AssessmentOut(Schema):
    """The independent, IRM-style assessment of a commitment (None for an indicator not assessed)."""

    verifiable: bool | None
    verifiable_why: str
    open_gov_lens: bool | None
    open_gov_lens_why: str
    potential_for_results: str | None
    potential_for_results_why: str
    completion: str | None
    completion_why: str
    early_results: str | None
    early_results_why: str
    updated: dt.datetime

    @staticmethod
    def resolve_potential_for_results(obj) -> str | None:
        return obj.potential_for_results or None

    @staticmethod
    def resolve_completion(obj) -> str | None:
        return obj.completion or None

    @staticmethod
    def resolve_early_results(obj) -> str | None:
        return obj.early_results or None

    @staticmethod
    def resolve_updated(obj) -> dt.datetime:
        return obj.updated_at


class CommitmentDetailOut(CommitmentOut):
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
    flags: list[QualityFlagOut]
    assessment: AssessmentOut | None

    @staticmethod
    def resolve_revision_notes(obj) -> list[str]:
        return [n.text for n in obj.revision_notes.all()]

    @staticmethod
    def resolve_contacts(obj) -> list:
        return list(obj.contacts.all())

    @staticmethod
    def resolve_milestones(obj) -> list:
        return list(obj.milestones.all())

    @staticmethod
    def resolve_flags(obj) -> list:
        return list(obj.quality_flags.all())

    @staticmethod
    def resolve_assessment(obj):
        # Reached through select_related: None when the commitment has not been assessed, without a query.
        return getattr(obj, "assessment", None)


# Institutions, as the plans see them -------------------------------------------------------------------------

class InstitutionSummaryOut(InstitutionOut):
    """An institution with the number of commitments it leads and of milestones it is responsible for."""

    commitments_led: int
    milestones: int

    @staticmethod
    def resolve_commitments_led(obj) -> int:
        return obj.led_count

    @staticmethod
    def resolve_milestones(obj) -> int:
        return obj.milestone_count


class InstitutionCommitmentOut(CommitmentOut):
    """A commitment as one institution takes part in it (the institution is in the context)."""

    role: str  # lead or partner

    @staticmethod
    def resolve_role(obj, context) -> str:
        return "lead" if obj.lead_id == context["institution"].pk else "partner"


# The change history of a commitment and its milestones -------------------------------------------------------

class FieldChangeOut(Schema):
    field: str
    old: Any = None
    new: Any = None


class HistoryEntryOut(Schema):
    """One saved revision of a commitment or of one of its milestones, with the fields it changed."""

    subject: str  # "Commitment" or "Milestone 4.3"
    when: dt.datetime
    who: str
    why: str
    kind: str  # created, changed, deleted
    changes: list[FieldChangeOut]


# The dashboard -----------------------------------------------------------------------------------------------

class RollupOut(Schema):
    reported: int
    confirmed: int
    expected: int | None
    milestones: int
    flags: dict[str, int]


class GroupOut(Schema):
    """One line of a dashboard chart: a commitment, an institution or a theme, and its roll-up."""

    key: str
    label: str
    url: str
    reported: int
    confirmed: int
    expected: int | None
    milestones: int
    flags: dict[str, int]

    @staticmethod
    def resolve_reported(obj) -> int:
        return obj.rollup.reported

    @staticmethod
    def resolve_confirmed(obj) -> int:
        return obj.rollup.confirmed

    @staticmethod
    def resolve_expected(obj) -> int | None:
        return obj.rollup.expected

    @staticmethod
    def resolve_milestones(obj) -> int:
        return obj.rollup.milestones

    @staticmethod
    def resolve_flags(obj) -> dict[str, int]:
        return obj.rollup.flags


class DashboardMilestoneOut(Schema):
    """One milestone on the dashboard's date (a plans.tracking.MilestoneTrack): the rows of its CSV."""

    plan: str
    commitment: int
    milestone: str
    url: str
    responsible: list[str]
    start: str | None
    end: str | None
    reported: int
    confirmed: int
    expected: int | None
    flag: str
    latest_report: dt.date | None
    validation: str  # none, confirmed, disputed or mixed

    @staticmethod
    def resolve_plan(obj) -> str:
        return obj.milestone.commitment.plan.slug

    @staticmethod
    def resolve_commitment(obj) -> int:
        return obj.milestone.commitment.number

    @staticmethod
    def resolve_milestone(obj) -> str:
        return obj.milestone.number

    @staticmethod
    def resolve_url(obj) -> str:
        return obj.milestone.get_absolute_url()

    @staticmethod
    def resolve_responsible(obj) -> list[str]:
        return _acronyms(obj.milestone.responsible)

    @staticmethod
    def resolve_start(obj) -> str | None:
        return _partial(obj.milestone, "start")

    @staticmethod
    def resolve_end(obj) -> str | None:
        return _partial(obj.milestone, "end")

    @staticmethod
    def resolve_latest_report(obj) -> dt.date | None:
        return obj.latest.as_of if obj.latest else None

    @staticmethod
    def resolve_validation(obj) -> str:
        from .dashboard import validation_status

        return validation_status(obj.validations)


class OverdueOut(Schema):
    milestone: str
    url: str
    responsible: list[str]
    end: str | None
    reported: int

    @staticmethod
    def resolve_milestone(obj) -> str:
        return obj.milestone.number

    @staticmethod
    def resolve_url(obj) -> str:
        return obj.milestone.get_absolute_url()

    @staticmethod
    def resolve_responsible(obj) -> list[str]:
        return _acronyms(obj.milestone.responsible)

    @staticmethod
    def resolve_end(obj) -> str | None:
        return _partial(obj.milestone, "end")


class DisputedReportOut(Schema):
    percent: int
    as_of: dt.date
    institution: str

    @staticmethod
    def resolve_institution(obj) -> str:
        return obj.institution.acronym


class DisputedOut(Schema):
    """A milestone whose latest report stands disputed, and by whom."""

    milestone: str
    url: str
    report: DisputedReportOut
    disputed_by: list[str]

    @staticmethod
    def resolve_milestone(obj) -> str:
        return obj.milestone.number

    @staticmethod
    def resolve_url(obj) -> str:
        return obj.milestone.get_absolute_url()

    @staticmethod
    def resolve_report(obj):
        return obj.latest

    @staticmethod
    def resolve_disputed_by(obj) -> list[str]:
        from .models import Validation

        return [v.organization.acronym for v in obj.validations if v.verdict == Validation.Verdict.DISPUTE]


class ValidationSummaryOut(Schema):
    reports: dict[str, int]  # how many reports stand confirmed, disputed, both (mixed) or not validated (none)
    disputed: list[DisputedOut]


class DashboardOut(Schema):
    """A plan's progress as of a date: every figure of the dashboard page, and its milestone rows."""

    plan: str
    on: dt.date
    overall: RollupOut
    by_commitment: list[GroupOut]
    by_institution: list[GroupOut]
    by_theme: list[GroupOut]
    overdue: list[OverdueOut]
    validation: ValidationSummaryOut
    milestones: list[DashboardMilestoneOut]

    @staticmethod
    def resolve_plan(obj) -> str:
        return obj.plan.slug

    @staticmethod
    def resolve_validation(obj) -> dict:
        return {"reports": obj.report_counts, "disputed": obj.disputed}

    @staticmethod
    def resolve_milestones(obj) -> list:
        return obj.tracks
