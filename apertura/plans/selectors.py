"""Every read that pages, feeds and the API share, with its prefetching, its order and its page size. Views do
not query the ORM themselves."""

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from apertura.accounts.models import Role, RoleKind
from apertura.accounts.roles import roles_of
from apertura.common.text import fold
from apertura.institutions.models import Institution

from .models import (
    OGP_VALUE_CODES, Assessment, Commitment, Contact, Evidence, Milestone, Plan, PlanVersion, ProgressReport,
    QualityFlag, Validation,
)
from .tracking import Flag, track_milestone

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

HISTORY_PAGE_SIZE = 50  # revisions on a page of a commitment's history, newest first
SEARCH_LIMIT = 50  # results of each kind the site search shows


def institution_involved_q(institution: Institution) -> Q:
    """Commitments an institution leads, supports, partners in, or holds a milestone of."""
    return (
        Q(lead=institution)
        | Q(supporting_institutions=institution)
        | Q(civil_society=institution)
        | Q(milestones__responsible=institution)
    )


def institutions_with_counts(*, kind: str | None = None) -> QuerySet[Institution]:
    """Institutions with the number of commitments each leads and of milestones it is responsible for."""
    qs = Institution.objects.annotate(
        led_count=Count("led_commitments", distinct=True),
        milestone_count=Count("milestones", distinct=True),
    )
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("acronym")


def plan_list() -> QuerySet[Plan]:
    return Plan.objects.annotate(commitment_count=Count("commitments", distinct=True)).order_by("-number")


def plan_get(*, slug: str) -> Plan:
    return Plan.objects.prefetch_related("themes", "versions").get(slug=slug)


def plan_lookup(*, slug: str) -> Plan:
    """The plan alone, for pages that read its themes and versions elsewhere or not at all."""
    return Plan.objects.get(slug=slug)


def plan_home() -> Plan | None:
    from django.conf import settings

    plans = Plan.objects.order_by("-number")
    if settings.APERTURA_HOME_PLAN:
        plans = plans.filter(slug=settings.APERTURA_HOME_PLAN)
    return plans.first()


def _milestones_prefetch() -> Prefetch:
    reports = ProgressReport.objects.select_related("institution").prefetch_related("validations")
    return Prefetch("milestones", queryset=Milestone.objects.prefetch_related(
        "responsible", Prefetch("reports", queryset=reports)).order_by("seq"))


def milestone_get(*, plan_slug: str, number: str) -> Milestone:
    """A milestone with its whole record: reports, evidence, validations and the answers to them."""
    reports = ProgressReport.objects.select_related("institution", "author").prefetch_related(
        "evidence",
        Prefetch("validations", queryset=Validation.objects.select_related("organization", "monitor")
                 .prefetch_related("responses__institution")),
    )
    return (Milestone.objects.select_related("commitment__plan", "commitment__lead")
            .prefetch_related("responsible", Prefetch("reports", queryset=reports))
            .get(commitment__plan__slug=plan_slug, number=number))


def commitment_list(
    *, plan: Plan, theme: str = "", institution: str = "", value: str = "", q: str = "", partners: bool = False,
) -> QuerySet[Commitment]:
    """A plan's commitments, filtered as the plan page and the API offer, with everything a row shows; with
    `partners`, their supporting institutions and civil-society partners too (the commitment record has them,
    the page's rows do not)."""
    qs = plan.commitments.select_related("lead").prefetch_related("themes", _milestones_prefetch())
    if partners:
        qs = qs.prefetch_related("supporting_institutions", "civil_society")
    if theme:
        qs = qs.filter(themes__code=theme)
    if institution:
        inst = Institution.objects.filter(slug=institution).first()
        qs = qs.filter(institution_involved_q(inst)) if inst else qs.none()
    if value:
        qs = qs.filter(**{f"value_{value}": True}) if value in OGP_VALUE_CODES else qs.none()
    if q:
        term = fold(q)
        qs = qs.filter(Q(search_text__contains=term) | Q(milestones__search_text__contains=term))
    return qs.distinct().order_by("number")


def commitment_get(*, plan_slug: str, number: int) -> Commitment:
    """A commitment with its whole record: partners, themes, notes, contacts, milestones with their progress,
    data-quality flags and its assessment (`commitment.assessment`, missing when not assessed)."""
    return (
        Commitment.objects.select_related("plan", "lead", "assessment")
        .prefetch_related(
            "supporting_institutions", "civil_society", "themes", "revision_notes",
            Prefetch("contacts", queryset=Contact.objects.select_related("institution")),
            _milestones_prefetch(),
            Prefetch("quality_flags", queryset=QualityFlag.objects.select_related("milestone")),
        )
        .get(plan__slug=plan_slug, number=number)
    )


def _milestone_records() -> QuerySet[Milestone]:
    """Milestones with what their record shows: plan, commitment, responsible institutions, progress."""
    return Milestone.objects.select_related("commitment__plan").prefetch_related(
        "responsible", Prefetch("reports", queryset=ProgressReport.objects.prefetch_related("validations")))


def milestone_list(*, plan: Plan | None = None, institution: Institution | None = None,
                   due_before: dt.date | None = None) -> QuerySet[Milestone]:
    qs = _milestone_records()
    if plan is not None:
        qs = qs.filter(commitment__plan=plan)
    if institution is not None:
        qs = qs.filter(responsible=institution)
    if due_before is not None:
        qs = qs.filter(end__lt=due_before)
    return qs.order_by("commitment__plan", "commitment__number", "seq")


def _commitment_records() -> QuerySet[Commitment]:
    """Commitments with what their record shows (schemas.CommitmentOut), in a fixed number of queries."""
    return Commitment.objects.select_related("plan", "lead").prefetch_related(
        "themes", "supporting_institutions", "civil_society", Prefetch("milestones", queryset=Milestone.objects.only(
            "pk", "commitment_id")))


def institution_commitments(*, institution: Institution) -> QuerySet[Commitment]:
    return (
        _commitment_records().filter(institution_involved_q(institution))
        .distinct().order_by("-plan__number", "number")
    )


def site_search(*, q: str, limit: int = SEARCH_LIMIT) -> dict[str, list[Any]]:
    term = fold(q.strip())
    if not term:
        return {"commitments": [], "milestones": [], "institutions": []}
    return {
        "commitments": list(_commitment_records().filter(search_text__contains=term)[:limit]),
        "milestones": list(_milestone_records().filter(search_text__contains=term)[:limit]),
        "institutions": list(Institution.objects.filter(search_text__contains=term)[:limit]),
    }


def activity(*, plan: Plan | None = None, commitment: Commitment | None = None,
             institution: Institution | None = None, limit: int = 50) -> list[dict]:
    """The latest progress reports and civil-society verdicts in a scope, newest first, for feeds and pages."""
    reports = ProgressReport.objects.select_related("milestone__commitment__plan", "institution")
    validations = Validation.objects.select_related("report__milestone__commitment__plan", "organization")
    if plan is not None:
        reports = reports.filter(milestone__commitment__plan=plan)
        validations = validations.filter(report__milestone__commitment__plan=plan)
    if commitment is not None:
        reports = reports.filter(milestone__commitment=commitment)
        validations = validations.filter(report__milestone__commitment=commitment)
    if institution is not None:
        reports = reports.filter(Q(institution=institution) | Q(milestone__responsible=institution)).distinct()
        validations = validations.filter(report__milestone__responsible=institution).distinct()
    items: list[dict[str, Any]] = [{
        "id": f"report-{r.pk}", "date": r.created_at, "milestone": r.milestone, "who": r.institution.acronym,
        "title": f"{r.milestone.number}: {r.get_status_display()} · {r.percent}% ({r.institution.acronym})",
        "text": r.narrative, "url": f"{r.milestone.get_absolute_url()}#report-{r.pk}",
    } for r in reports.order_by("-created_at")[:limit]]
    items += [{
        "id": f"validation-{v.pk}", "date": v.updated_at, "milestone": v.report.milestone,
        "who": v.organization.acronym,
        "title": f"{v.report.milestone.number}: {v.get_verdict_display()} — {v.organization.acronym}",
        "text": v.reason, "url": f"{v.report.milestone.get_absolute_url()}#report-{v.report_id}",
    } for v in validations.order_by("-updated_at")[:limit]]
    return sorted(items, key=lambda item: item["date"], reverse=True)[:limit]


def assessment_summary(*, plan: Plan) -> list[tuple[str, list[tuple[str, int]]]]:
    """For each IRM indicator, how many of the plan's commitments got each rating."""
    assessments = list(Assessment.objects.filter(commitment__plan=plan))
    if not assessments:
        return []
    not_assessed = plan.commitments.count() - len(assessments)
    counts: dict[str, dict[str, int]] = {}
    for assessment in assessments:
        for label, shown, _why in assessment.indicators():
            counts.setdefault(label, {}).setdefault(shown, 0)
            counts[label][shown] += 1
    if not_assessed:
        for ratings in counts.values():
            ratings[str(_("Not assessed"))] = ratings.get(str(_("Not assessed")), 0) + not_assessed
    return [(label, sorted(ratings.items(), key=lambda kv: -kv[1])) for label, ratings in counts.items()]


def deadline_digests(*, today: dt.date, days: int) -> "list[tuple[User, list[dict]]]":
    """(editor, rows) for every editor with milestones due within `days` days or overdue and unfinished."""
    horizon = today + dt.timedelta(days=days)
    milestones = (Milestone.objects.filter(end__isnull=False, end__lte=horizon)
                  .exclude(commitment__plan__status=Plan.Status.ENDED)  # an ended plan is assessed, not chased
                  .select_related("commitment__plan").prefetch_related(
                      "responsible", Prefetch("reports", queryset=ProgressReport.objects.prefetch_related(
                          "validations"))))
    by_institution: dict[int, list[dict]] = {}
    for milestone in milestones:
        end = milestone.end_date
        if end.last_day() > horizon:  # "July 2022" is due on 31 July
            continue
        track = track_milestone(milestone, today)
        if track.flag in (Flag.COMPLETED, Flag.CANCELLED):
            continue
        for institution in milestone.responsible.all():
            by_institution.setdefault(institution.pk, []).append({
                "number": milestone.number, "institution": institution.acronym, "end": end.isoformat(),
                "overdue": end.last_day() < today, "reported": track.reported,
                "url": milestone.get_absolute_url()})
    editors = (Role.objects.filter(kind=RoleKind.EDITOR, institution_id__in=by_institution)
               .select_related("user").order_by("user_id"))
    per_user: dict[int, tuple[User, list[dict]]] = {}
    for role in editors:
        user, rows = per_user.setdefault(role.user_id, (role.user, []))
        assert role.institution_id is not None  # filtered by institution above
        rows.extend(by_institution[role.institution_id])
    return [(user, rows) for user, rows in per_user.values() if user.is_active]


# The plan page ----------------------------------------------------------------------------------------------

def plan_institutions(*, plan: Plan) -> QuerySet[Institution]:
    """The institutions that lead a commitment of the plan or hold one of its milestones (the page's filter)."""
    return Institution.objects.filter(
        Q(led_commitments__plan=plan) | Q(milestones__commitment__plan=plan)).distinct().order_by("acronym")


def plan_flag_count(*, plan: Plan) -> int:
    return plan.quality_flags.count()


# Commitments -------------------------------------------------------------------------------------------------

def commitment_lookup(*, plan_slug: str, number: int) -> Commitment:
    """The commitment alone, with its plan (for feeds, following and the assessment form)."""
    return Commitment.objects.select_related("plan").get(plan__slug=plan_slug, number=number)


def commitment_neighbours(*, commitment: Commitment) -> dict[str, int | None]:
    """The numbers of the commitments before and after this one in its plan."""
    numbers = list(commitment.plan.commitments.values_list("number", flat=True).order_by("number"))
    index = numbers.index(commitment.number)
    return {
        "previous": numbers[index - 1] if index > 0 else None,
        "next": numbers[index + 1] if index + 1 < len(numbers) else None,
    }


def assessment_get(*, commitment: Commitment) -> Assessment | None:
    return Assessment.objects.filter(commitment=commitment).first()


# Progress ----------------------------------------------------------------------------------------------------

def reporting_institutions(*, user: "User | AnonymousUser", milestone: Milestone) -> QuerySet[Institution]:
    """The responsible institutions this person may report progress for: all of them for administrators, else
    those they edit for."""
    responsible = milestone.responsible.all()
    if roles_of(user).is_administrator:
        return responsible
    return responsible.filter(pk__in=roles_of(user).edits)


def monitored_organizations(*, user: "User | AnonymousUser") -> QuerySet[Institution]:
    """The organizations this person gives verdicts for, as a civil-society monitor."""
    return Institution.objects.filter(pk__in=roles_of(user).monitors)


def report_latest(*, milestone: Milestone) -> ProgressReport | None:
    """The report written last (what a new report must have seen, or it is a conflict)."""
    return milestone.reports.order_by("-created_at", "-id").first()


def _key(value: object) -> int:
    """A primary key from a form or a query string; 0 (which no row has) for anything else."""
    try:
        return int(str(value))
    except ValueError:
        return 0


def report_get(*, milestone: Milestone, pk: object) -> ProgressReport:
    """One of the milestone's reports (ProgressReport.DoesNotExist for any other key)."""
    return ProgressReport.objects.get(pk=_key(pk), milestone=milestone)


def validation_get(*, milestone: Milestone, pk: object) -> Validation:
    """A verdict on one of the milestone's reports (Validation.DoesNotExist for any other key)."""
    return Validation.objects.select_related("report").get(pk=_key(pk), report__milestone=milestone)


def evidence_file_get(*, pk: int) -> Evidence:
    """Evidence uploaded as a file (Evidence.DoesNotExist for a link, or for no evidence)."""
    return Evidence.objects.exclude(file="").get(pk=pk)


# Versions and history ----------------------------------------------------------------------------------------

def plan_version_list(*, plan: Plan) -> list[PlanVersion]:
    """The plan's versions, oldest first."""
    return list(plan.versions.order_by("date", "id"))


def plan_version_stored(*, plan: Plan, pk: str) -> PlanVersion | None:
    """A version whose whole plan is stored, so it can be compared; None for any other key."""
    return plan.versions.filter(pk=_key(pk)).exclude(data=None).first()


def plan_commitments_by_number(*, plan: Plan) -> dict[int, Commitment]:
    """The plan's commitments by number, with their revision notes (shown beside a comparison)."""
    return {c.number: c for c in plan.commitments.prefetch_related("revision_notes")}


COMMITMENT_M2M = ["supporting_institutions", "civil_society"]
MILESTONE_M2M = ["responsible"]
HISTORY_SKIPPED = ["search_text", "updated_at"]


class FieldChange:
    def __init__(self, field: str, old: Any, new: Any) -> None:
        self.field, self.old, self.new = field, old, new


def _history_rows(names: list[str], model: str) -> list[str]:
    # simple-history keeps each revision's many-to-many rows in a table reached by historical<model>_<field>_set.
    return [f"historical{model}_{name}_set" for name in names]


def _history_members(record: Any, model: str, name: str, acronyms: dict[int, str]) -> str:
    rows = getattr(record, _history_rows([name], model)[0]).all()
    return ", ".join(sorted(acronyms.get(row.institution_id, "?") for row in rows))


def commitment_history(*, commitment: Commitment) -> list[dict[str, Any]]:
    """Every saved revision of the commitment and its milestones, newest first, each with the fields that changed
    from the revision before (schemas.HistoryEntryOut); `commitment` comes from commitment_get.

    Many-to-many rows come prefetched and are compared here: asking simple-history to diff them costs two queries
    per revision."""
    acronyms = dict(Institution.objects.values_list("pk", "acronym"))
    milestones = list(commitment.milestones.all())
    subjects = {("c", commitment.pk): _("Commitment")}
    subjects |= {("m", m.pk): _("Milestone %(n)s") % {"n": m.number} for m in milestones}
    records: list[tuple[str, Any]] = [
        ("c", r) for r in commitment.history.select_related("history_user")
        .prefetch_related(*_history_rows(COMMITMENT_M2M, "commitment"))]
    records += [("m", r) for r in Milestone.history.filter(
        id__in=[m.pk for m in milestones]).select_related("history_user").prefetch_related(
        *_history_rows(MILESTONE_M2M, "milestone"))]
    records.sort(key=lambda kr: (kr[0], kr[1].id, kr[1].history_date, kr[1].history_id))
    entries: list[dict[str, Any]] = []
    previous: dict[tuple[str, int], Any] = {}
    for kind, record in records:
        m2m = COMMITMENT_M2M if kind == "c" else MILESTONE_M2M
        before = previous.get((kind, record.id))
        previous[(kind, record.id)] = record
        changes = []
        if before is not None:
            delta = record.diff_against(before, excluded_fields=HISTORY_SKIPPED + m2m)
            changes = [FieldChange(c.field, c.old, c.new) for c in delta.changes]
            model = "commitment" if kind == "c" else "milestone"
            for name in m2m:
                old = _history_members(before, model, name, acronyms)
                new = _history_members(record, model, name, acronyms)
                if old != new:
                    changes.append(FieldChange(name, old, new))
            if not changes:
                continue
        entries.append({"subject": str(subjects[(kind, record.id)]), "when": record.history_date,
                        "who": record.history_user.get_username() if record.history_user else _("import"),
                        "why": record.history_change_reason or "", "kind": str(record.get_history_type_display()),
                        "changes": changes})
    return sorted(entries, key=lambda e: e["when"], reverse=True)


def history_page(*, entries: list[dict[str, Any]], number: str | None) -> Page:
    """One page of a commitment's history (HISTORY_PAGE_SIZE revisions), the first for a number out of range."""
    return Paginator(entries, HISTORY_PAGE_SIZE).get_page(number)


# The dashboard -----------------------------------------------------------------------------------------------

def dashboard_commitments(*, plan: Plan, on: dt.date) -> QuerySet[Commitment]:
    """The plan with everything the dashboard shows, in a fixed number of queries whatever its size.

    Reports dated after `on` are left out, so the page shows what had been reported by then. Verdicts are
    all kept: each judges a report's claim as of the report's own date, whenever it was given.
    The texts are never shown here and can be long, so they stay in the database; the institutions are
    prefetched rather than joined because a handful of them is shared by thousands of rows."""
    validations = Validation.objects.defer("reason").prefetch_related("organization")
    reports = (ProgressReport.objects.filter(as_of__lte=on).defer("narrative")
               .prefetch_related("institution", Prefetch("validations", queryset=validations)))
    milestones = Milestone.objects.prefetch_related("responsible", Prefetch("reports", queryset=reports))
    return (plan.commitments.prefetch_related("themes", Prefetch("milestones", queryset=milestones.order_by("seq")))
            .order_by("number"))
