import rules
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apertura.common.records import as_json, as_json_list, csv_row
from apertura.common.twins import csv_twin, json_twin, requested_format
from apertura.institutions.schemas import InstitutionOut
from apertura.notifications.selectors import is_following
from apertura.notifications.services import follow_set

from .. import selectors
from ..formats.plan_export import plan_csv, plan_to_data, plan_xlsx
from ..models import OGP_VALUES, Commitment, Plan
from ..schemas import (
    COMMITMENT_COLUMNS, MILESTONE_COLUMNS, PLAN_COLUMNS, CommitmentDetailOut, CommitmentOut, MilestoneOut, PlanOut,
)
from ..timeline import build_timeline
from ..tracking import roll_up, track_milestone


def _plan_or_404(slug: str) -> Plan:
    try:
        return selectors.plan_get(slug=slug)
    except Plan.DoesNotExist:
        raise Http404(_("There is no action plan «%(slug)s».") % {"slug": slug}) from None


def home(request):
    plan = selectors.plan_home()
    if requested_format(request) == "json":
        commitments = selectors.commitment_list(plan=plan, partners=True) if plan else []
        return json_twin({"plan": as_json(PlanOut, plan) if plan else None,
                          "commitments": as_json_list(CommitmentOut, commitments)})
    commitments = list(selectors.commitment_list(plan=plan)) if plan else []
    milestone_count = sum(len(c.milestones.all()) for c in commitments)
    institutions = {i.pk for c in commitments for m in c.milestones.all() for i in m.responsible.all()}
    return render(request, "plans/home.html", {
        "plan": plan, "commitments": commitments, "milestone_count": milestone_count,
        "institution_count": len(institutions | {c.lead_id for c in commitments}),
    })


def plan_list(request):
    plans = list(selectors.plan_list())
    fmt = requested_format(request)
    if fmt in ("json", "csv"):
        records = as_json_list(PlanOut, plans)
        if fmt == "json":
            return json_twin({"plans": records})
        return csv_twin("plans.csv", PLAN_COLUMNS, (csv_row(r, PLAN_COLUMNS) for r in records))
    return render(request, "plans/plan_list.html", {"plans": plans})


def plan_detail(request, slug):
    plan = _plan_or_404(slug)
    filters = {key: request.GET.get(key, "").strip() for key in ("theme", "institution", "value", "q")}
    fmt = requested_format(request)
    if fmt in ("json", "csv"):
        records = as_json_list(CommitmentOut, selectors.commitment_list(plan=plan, **filters, partners=True))
        if fmt == "json":
            return json_twin({"plan": as_json(PlanOut, plan), "filters": {k: v for k, v in filters.items() if v},
                              "commitments": records})
        return csv_twin(f"plan-{plan.slug}-commitments.csv", COMMITMENT_COLUMNS,
                        (csv_row(r, COMMITMENT_COLUMNS) for r in records))
    commitments = list(selectors.commitment_list(plan=plan, **filters))
    today = timezone.localdate()
    for commitment in commitments:
        commitment.rollup = roll_up([track_milestone(m, today) for m in commitment.milestones.all()])
    context = {
        "plan": plan, "commitments": commitments, "filters": filters, "ogp_values": OGP_VALUES,
        "institutions": selectors.plan_institutions(plan=plan), "filtered": any(filters.values()),
        "flag_count": selectors.plan_flag_count(plan=plan),
        "assessment_summary": selectors.assessment_summary(plan=plan),
    }
    template = "plans/_commitment_rows.html" if request.headers.get("HX-Request") else "plans/plan_detail.html"
    return render(request, template, context)


def plan_download(request, slug, fmt):
    plan = _plan_or_404(slug)
    if fmt == "json":
        return json_twin(plan_to_data(plan), filename=f"plan-{plan.slug}.json")
    if fmt == "csv":
        response = HttpResponse(plan_csv(plan), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="plan-{plan.slug}-milestones.csv"'
        return response
    response = HttpResponse(
        plan_xlsx(plan), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="plan-{plan.slug}.xlsx"'
    return response


def commitment_detail(request, slug, number):
    try:
        commitment = selectors.commitment_get(plan_slug=slug, number=number)
    except Commitment.DoesNotExist:
        raise Http404(_("This plan has no commitment %(number)s.") % {"number": number}) from None
    fmt = requested_format(request)
    if fmt in ("json", "csv"):
        data = as_json(CommitmentDetailOut, commitment)
        if fmt == "json":
            return json_twin(data)
        return csv_twin(f"plan-{slug}-commitment-{number}-milestones.csv", MILESTONE_COLUMNS,
                        (csv_row(m, MILESTONE_COLUMNS) for m in data["milestones"]))
    milestones = list(commitment.milestones.all())
    flags = list(commitment.quality_flags.all())
    tracks = [track_milestone(m, timezone.localdate()) for m in milestones]
    return render(request, "plans/commitment_detail.html", {
        "plan": commitment.plan, "commitment": commitment, "milestones": milestones,
        "tracks": tracks, "rollup": roll_up(tracks),
        "assessment": getattr(commitment, "assessment", None),  # selected with the commitment; None if not assessed
        "following": is_following(user=request.user, target=commitment),
        "can_assess": rules.has_perm("plans.assess", request.user, commitment),
        "timeline": build_timeline(milestones, commitment.start_date),
        "contacts": list(commitment.contacts.all()),
        "flags": flags, "milestone_flags": {f.milestone_id for f in flags if f.milestone_id},
        "neighbours": selectors.commitment_neighbours(commitment=commitment),
    })


def search(request):
    q = request.GET.get("q", "")[:200]
    results = selectors.site_search(q=q)
    if requested_format(request) == "json":
        return json_twin({
            "q": q,
            "commitments": as_json_list(CommitmentOut, results["commitments"]),
            "milestones": as_json_list(MilestoneOut, results["milestones"]),
            "institutions": as_json_list(InstitutionOut, results["institutions"]),
        })
    total = sum(len(v) for v in results.values())
    return render(request, "plans/search.html", {"q": q, "results": results, "total": total})


@login_required
@require_POST
def commitment_follow(request, slug, number):
    try:
        commitment = selectors.commitment_lookup(plan_slug=slug, number=number)
    except Commitment.DoesNotExist:
        raise Http404(_("This plan has no commitment %(number)s.") % {"number": number}) from None
    follow_set(user=request.user, target=commitment, following=request.POST.get("follow") == "1")
    return redirect(commitment.get_absolute_url())
