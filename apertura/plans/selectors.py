import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from apertura.accounts.models import Role, RoleKind
from apertura.common.text import fold
from apertura.institutions.models import Institution

from .models import (
    OGP_VALUE_CODES, Commitment, Contact, Milestone, Plan, ProgressReport, QualityFlag, Validation,
)
from .tracking import Flag, track_milestone

if TYPE_CHECKING:
    from django.contrib.auth.models import User


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
    *, plan: Plan, theme: str = "", institution: str = "", value: str = "", q: str = ""
) -> QuerySet[Commitment]:
    """A plan's commitments, filtered as the plan page and the API offer, with everything a row shows."""
    qs = plan.commitments.select_related("lead").prefetch_related("themes", _milestones_prefetch())
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
    return (
        Commitment.objects.select_related("plan", "lead")
        .prefetch_related(
            "supporting_institutions", "civil_society", "themes", "revision_notes",
            Prefetch("contacts", queryset=Contact.objects.select_related("institution")),
            _milestones_prefetch(),
            Prefetch("quality_flags", queryset=QualityFlag.objects.select_related("milestone")),
        )
        .get(plan__slug=plan_slug, number=number)
    )


def milestone_list(*, plan: Plan | None = None, institution: Institution | None = None) -> QuerySet[Milestone]:
    qs = Milestone.objects.select_related("commitment__plan").prefetch_related(
        "responsible", Prefetch("reports", queryset=ProgressReport.objects.prefetch_related("validations")))
    if plan is not None:
        qs = qs.filter(commitment__plan=plan)
    if institution is not None:
        qs = qs.filter(responsible=institution)
    return qs.order_by("commitment__plan", "commitment__number", "seq")


def institution_commitments(*, institution: Institution) -> QuerySet[Commitment]:
    return (
        Commitment.objects.filter(institution_involved_q(institution))
        .select_related("plan", "lead").distinct().order_by("-plan__number", "number")
    )


def site_search(*, q: str, limit: int = 50) -> dict:
    term = fold(q.strip())
    if not term:
        return {"commitments": [], "milestones": [], "institutions": []}
    return {
        "commitments": list(Commitment.objects.filter(search_text__contains=term).select_related("plan")[:limit]),
        "milestones": list(Milestone.objects.filter(search_text__contains=term)
                           .select_related("commitment__plan")[:limit]),
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
    from .models import Assessment

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
