import rules
from django.db.models import Q
from django.utils import timezone
from django.http import Http404, HttpResponse
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django.utils.translation import gettext as _

from apertura.common.twins import csv_twin, json_twin, requested_format
from apertura.institutions.models import Institution
from apertura.notifications.services import follow_set, followers

from .. import selectors
from ..formats.plan_export import (
    COMMITMENT_COLUMNS, MILESTONE_COLUMNS, commitment_rows, commitment_to_data, milestone_rows, plan_csv,
    plan_to_data, plan_xlsx,
)
from ..models import OGP_VALUES, Assessment, Commitment, Plan
from ..timeline import build_timeline
from ..tracking import roll_up, track_milestone


def _plan_or_404(slug: str) -> Plan:
    try:
        return selectors.plan_get(slug=slug)
    except Plan.DoesNotExist:
        raise Http404(_("There is no action plan «%(slug)s».") % {"slug": slug}) from None


def _plan_summary(plan: Plan) -> dict:
    return {
        "slug": plan.slug, "country": plan.country, "number": plan.number, "title": plan.title,
        "title_es": plan.title_es, "language": plan.language, "status": plan.status,
        "period_start": plan.start.isoformat(), "period_end": plan.end.isoformat(), "axis": plan.axis,
        "url": plan.get_absolute_url(),
    }


def home(request):
    plan = selectors.plan_home()
    commitments = list(selectors.commitment_list(plan=plan)) if plan else []
    if requested_format(request) == "json":
        return json_twin({"plan": _plan_summary(plan) if plan else None,
                          "commitments": [{"number": c.number, "title": c.title, "lead": c.lead.acronym,
                                           "url": c.get_absolute_url()} for c in commitments]})
    milestone_count = sum(len(c.milestones.all()) for c in commitments)
    institutions = {i.pk for c in commitments for m in c.milestones.all() for i in m.responsible.all()}
    return render(request, "plans/home.html", {
        "plan": plan, "commitments": commitments, "milestone_count": milestone_count,
        "institution_count": len(institutions | {c.lead_id for c in commitments}),
    })


def plan_list(request):
    plans = list(selectors.plan_list())
    fmt = requested_format(request)
    if fmt == "json":
        return json_twin({"plans": [_plan_summary(p) for p in plans]})
    if fmt == "csv":
        return csv_twin("plans.csv", ["slug", "country", "number", "title", "period_start", "period_end", "status"],
                        ([p.slug, p.country, p.number, p.title, p.start, p.end, p.status] for p in plans))
    return render(request, "plans/plan_list.html", {"plans": plans})


def plan_detail(request, slug):
    plan = _plan_or_404(slug)
    filters = {key: request.GET.get(key, "").strip() for key in ("theme", "institution", "value", "q")}
    commitments = list(selectors.commitment_list(plan=plan, **filters))
    today = timezone.localdate()
    for commitment in commitments:
        commitment.rollup = roll_up([track_milestone(m, today) for m in commitment.milestones.all()])
    fmt = requested_format(request)
    if fmt in ("json", "csv"):
        data = plan_to_data(plan)
        wanted = {c.number for c in commitments}
        data["commitments"] = [c for c in data["commitments"] if c["number"] in wanted]
        if fmt == "json":
            return json_twin({**data, "filters": {k: v for k, v in filters.items() if v}})
        return csv_twin(f"plan-{plan.slug}-commitments.csv", COMMITMENT_COLUMNS, commitment_rows(data))
    involved = Institution.objects.filter(
        Q(led_commitments__plan=plan) | Q(milestones__commitment__plan=plan)).distinct().order_by("acronym")
    context = {
        "plan": plan, "commitments": commitments, "filters": filters, "ogp_values": OGP_VALUES,
        "institutions": involved, "filtered": any(filters.values()),
        "flag_count": plan.quality_flags.count(),
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
    milestones = list(commitment.milestones.all())
    fmt = requested_format(request)
    if fmt in ("json", "csv"):
        flags = list(commitment.quality_flags.all())
        data = commitment_to_data(commitment, flags)
        if fmt == "json":
            return json_twin({"plan": commitment.plan.slug, **data})
        return csv_twin(f"plan-{slug}-commitment-{number}-milestones.csv", MILESTONE_COLUMNS,
                        milestone_rows({"plan": {"slug": slug},
                                        "commitments": [{**data, "lead": commitment.lead.acronym}]}))
    flags = list(commitment.quality_flags.all())
    tracks = [track_milestone(m, timezone.localdate()) for m in milestones]
    return render(request, "plans/commitment_detail.html", {
        "plan": commitment.plan, "commitment": commitment, "milestones": milestones,
        "tracks": tracks, "rollup": roll_up(tracks),
        "assessment": Assessment.objects.filter(commitment=commitment).first(),
        "following": request.user.is_authenticated and followers(commitment).filter(user=request.user).exists(),
        "can_assess": rules.has_perm("plans.assess", request.user, commitment),
        "timeline": build_timeline(milestones, commitment.start_date),
        "contacts": list(commitment.contacts.all()),
        "flags": flags, "milestone_flags": {f.milestone_id for f in flags if f.milestone_id},
        "neighbours": _neighbours(commitment),
    })


def _neighbours(commitment):
    numbers = list(commitment.plan.commitments.values_list("number", flat=True).order_by("number"))
    index = numbers.index(commitment.number)
    return {
        "previous": numbers[index - 1] if index > 0 else None,
        "next": numbers[index + 1] if index + 1 < len(numbers) else None,
    }


def search(request):
    q = request.GET.get("q", "")[:200]
    results = selectors.site_search(q=q)
    if requested_format(request) == "json":
        return json_twin({
            "q": q,
            "commitments": [{"plan": c.plan.slug, "number": c.number, "title": c.title,
                             "url": c.get_absolute_url()} for c in results["commitments"]],
            "milestones": [{"plan": m.commitment.plan.slug, "number": m.number, "text": m.text,
                            "url": m.get_absolute_url()} for m in results["milestones"]],
            "institutions": [{"acronym": i.acronym, "name": i.name, "url": i.get_absolute_url()}
                             for i in results["institutions"]],
        })
    total = sum(len(v) for v in results.values())
    return render(request, "plans/search.html", {"q": q, "results": results, "total": total})


@login_required
@require_POST
def commitment_follow(request, slug, number):
    commitment = get_object_or_404(Commitment, plan__slug=slug, number=number)
    follow_set(user=request.user, target=commitment, following=request.POST.get("follow") == "1")
    return redirect(commitment.get_absolute_url())
