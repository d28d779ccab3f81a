"""Plan versions compared field by field, and the change history of commitments and milestones."""

import rules
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from apertura.common.records import as_json, as_json_list
from apertura.common.twins import json_twin, requested_format

from .. import selectors, services
from ..formats.plan_export import plan_to_data
from ..models import Commitment, Plan
from ..schemas import HistoryEntryOut, PlanDiffOut, PlanVersionOut
from ..versions import diff_plans

CURRENT = "current"


def _compared(plan: Plan, key: str):
    """The label and the `apertura-plan/1` document of a version, or of the plan as it stands now."""
    if key == CURRENT:
        return _("Current"), plan_to_data(plan)
    version = selectors.plan_version_stored(plan=plan, pk=key)
    if version is None:
        raise Http404(_("This plan has no stored version «%(key)s».") % {"key": key})
    return version.label, version.data


def plan_versions(request, slug):
    try:
        plan = selectors.plan_lookup(slug=slug)
    except Plan.DoesNotExist:
        raise Http404(_("There is no action plan «%(slug)s».") % {"slug": slug}) from None
    if request.method == "POST":
        try:
            services.plan_snapshot(plan=plan, by=request.user, label=request.POST.get("label", ""),
                                   note=request.POST.get("note", ""))
            messages.success(request, _("The plan as it stands now is kept as a version."))
            return redirect(request.path)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    versions = selectors.plan_version_list(plan=plan)
    comparable = [v for v in versions if v.data]
    old = request.GET.get("from") or (str(comparable[-2].pk) if len(comparable) > 1 else "")
    new = request.GET.get("to") or (str(comparable[-1].pk) if comparable else CURRENT)
    diff = labels = None
    if old and new:
        (old_label, old_data), (new_label, new_data) = _compared(plan, old), _compared(plan, new)
        diff, labels = diff_plans(old_data, new_data), (old_label, new_label)
    if requested_format(request) == "json":
        return json_twin({"plan": plan.slug, "versions": as_json_list(PlanVersionOut, versions), "from": old,
                          "to": new, "diff": as_json(PlanDiffOut, diff) if diff else None})
    return render(request, "plans/plan_versions.html", {
        "plan": plan, "versions": versions, "comparable": comparable, "old": old, "new": new, "diff": diff,
        "labels": labels, "commitments": selectors.plan_commitments_by_number(plan=plan),
        "can_snapshot": rules.has_perm("plans.manage", request.user, plan),
    })


def commitment_history(request, slug, number):
    try:
        commitment = selectors.commitment_get(plan_slug=slug, number=number)
    except Commitment.DoesNotExist:
        raise Http404(_("This plan has no commitment %(number)s.") % {"number": number}) from None
    entries = selectors.commitment_history(commitment=commitment)
    if requested_format(request) == "json":
        return json_twin({"plan": slug, "commitment": number, "history": as_json_list(HistoryEntryOut, entries)})
    page = selectors.history_page(entries=entries, number=request.GET.get("page"))
    return render(request, "plans/commitment_history.html", {
        "plan": commitment.plan, "commitment": commitment, "entries": page, "page": page})
