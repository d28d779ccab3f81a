"""Plan versions compared field by field, and the change history of commitments and milestones."""

import rules
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from apertura.common.twins import json_twin, requested_format
from apertura.institutions.models import Institution

from .. import selectors, services
from ..formats.plan_export import plan_to_data
from ..models import Commitment, Milestone, Plan
from ..versions import diff_plans

CURRENT = "current"


def _version_data(plan: Plan, key: str):
    if key == CURRENT:
        return _("Current"), plan_to_data(plan)
    version = plan.versions.filter(pk=key if key.isdigit() else None).exclude(data=None).first()
    if version is None:
        raise Http404(_("This plan has no stored version «%(key)s».") % {"key": key})
    return version.label, version.data


def plan_versions(request, slug):
    plan = get_object_or_404(Plan, slug=slug)
    if request.method == "POST":
        try:
            services.plan_snapshot(plan=plan, by=request.user, label=request.POST.get("label", ""),
                                   note=request.POST.get("note", ""))
            messages.success(request, _("The plan as it stands now is kept as a version."))
            return redirect(request.path)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    versions = list(plan.versions.order_by("date", "id"))
    comparable = [v for v in versions if v.data]
    old = request.GET.get("from") or (str(comparable[-2].pk) if len(comparable) > 1 else "")
    new = request.GET.get("to") or (str(comparable[-1].pk) if comparable else CURRENT)
    diff = labels = None
    if old and new:
        (old_label, old_data), (new_label, new_data) = _version_data(plan, old), _version_data(plan, new)
        diff, labels = diff_plans(old_data, new_data), (old_label, new_label)
    if requested_format(request) == "json":
        return json_twin({"plan": plan.slug, "versions": [
            {"id": v.pk, "label": v.label, "date": v.date, "note": v.note, "comparable": bool(v.data)}
            for v in versions], "from": old, "to": new, "diff": diff.as_dict() if diff else None})
    commitments = {c.number: c for c in plan.commitments.prefetch_related("revision_notes")}
    return render(request, "plans/plan_versions.html", {
        "plan": plan, "versions": versions, "comparable": comparable, "old": old, "new": new, "diff": diff,
        "labels": labels, "commitments": commitments,
        "can_snapshot": rules.has_perm("plans.manage", request.user, plan),
    })


def commitment_history(request, slug, number):
    try:
        commitment = selectors.commitment_get(plan_slug=slug, number=number)
    except Commitment.DoesNotExist:
        raise Http404(_("This plan has no commitment %(number)s.") % {"number": number}) from None
    acronyms = dict(Institution.objects.values_list("pk", "acronym"))
    entries = _entries(commitment.history.select_related("history_user"), _("Commitment"), acronyms)
    for milestone in commitment.milestones.all():
        entries += _entries(Milestone.history.filter(id=milestone.pk).select_related("history_user"),
                            _("Milestone %(n)s") % {"n": milestone.number}, acronyms)
    entries.sort(key=lambda e: e["when"], reverse=True)
    if requested_format(request) == "json":
        return json_twin({"plan": slug, "commitment": number, "history": [
            {**{k: v for k, v in e.items() if k != "changes"},
             "changes": [{"field": c.field, "old": c.old, "new": c.new} for c in e["changes"]]} for e in entries]})
    return render(request, "plans/commitment_history.html", {
        "plan": commitment.plan, "commitment": commitment, "entries": entries})


def _entries(records, subject, acronyms) -> list[dict]:
    """One entry per saved revision, with the fields that changed from the revision before."""
    records = list(records.order_by("history_date", "history_id"))
    entries = []
    for previous, record in zip([None, *records], records, strict=False):
        changes = []
        if previous is not None:
            delta = record.diff_against(previous, excluded_fields=["search_text", "updated_at"])
            changes = [_FieldChange(c.field, _plain(c.old, acronyms), _plain(c.new, acronyms)) for c in delta.changes]
            if not changes:
                continue
        entries.append({"subject": str(subject), "when": record.history_date,
                        "who": record.history_user.get_username() if record.history_user else _("import"),
                        "why": record.history_change_reason or "", "kind": record.get_history_type_display(),
                        "changes": changes})
    return entries


class _FieldChange:
    def __init__(self, field, old, new):
        self.field, self.old, self.new = field, old, new


def _plain(value, acronyms):
    if isinstance(value, list):  # many-to-many rows: show the institutions' acronyms
        return ", ".join(sorted(acronyms.get(row.get("institution"), "?") for row in value))
    return value
