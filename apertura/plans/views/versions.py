"""Plan versions compared field by field, and the change history of commitments and milestones."""

import rules
from django.contrib import messages
from django.core.paginator import Paginator
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


HISTORY_PAGE = 50


def commitment_history(request, slug, number):
    try:
        commitment = selectors.commitment_get(plan_slug=slug, number=number)
    except Commitment.DoesNotExist:
        raise Http404(_("This plan has no commitment %(number)s.") % {"number": number}) from None
    acronyms = dict(Institution.objects.values_list("pk", "acronym"))
    subjects = {("c", commitment.pk): _("Commitment")}
    subjects |= {("m", m.pk): _("Milestone %(n)s") % {"n": m.number} for m in commitment.milestones.all()}
    records = [("c", r) for r in commitment.history.select_related("history_user")
               .prefetch_related(*_rows(COMMITMENT_M2M, "commitment"))]
    records += [("m", r) for r in Milestone.history.filter(id__in=[m.pk for m in commitment.milestones.all()])
                .select_related("history_user").prefetch_related(*_rows(MILESTONE_M2M, "milestone"))]
    entries = _entries(records, subjects, acronyms)
    if requested_format(request) == "json":
        return json_twin({"plan": slug, "commitment": number, "history": [
            {**{k: v for k, v in e.items() if k != "changes"},
             "changes": [{"field": c.field, "old": c.old, "new": c.new} for c in e["changes"]]} for e in entries]})
    page = Paginator(entries, HISTORY_PAGE).get_page(request.GET.get("page"))
    return render(request, "plans/commitment_history.html", {
        "plan": commitment.plan, "commitment": commitment, "entries": page, "page": page})


COMMITMENT_M2M = ["supporting_institutions", "civil_society"]
MILESTONE_M2M = ["responsible"]
SKIPPED = ["search_text", "updated_at"]


def _entries(records, subjects, acronyms) -> list[dict]:
    """One entry per saved revision, newest first, with the fields that changed from the revision before.

    Many-to-many rows come prefetched and are compared here: asking simple-history to diff them costs two
    queries per revision."""
    records.sort(key=lambda kr: (kr[0], kr[1].id, kr[1].history_date, kr[1].history_id))
    entries, previous = [], {}
    for kind, record in records:
        m2m = COMMITMENT_M2M if kind == "c" else MILESTONE_M2M
        before = previous.get((kind, record.id))
        previous[(kind, record.id)] = record
        changes = []
        if before is not None:
            delta = record.diff_against(before, excluded_fields=SKIPPED + m2m)
            changes = [_FieldChange(c.field, c.old, c.new) for c in delta.changes]
            model = "commitment" if kind == "c" else "milestone"
            for name in m2m:
                old, new = _members(before, model, name, acronyms), _members(record, model, name, acronyms)
                if old != new:
                    changes.append(_FieldChange(name, old, new))
            if not changes:
                continue
        entries.append({"subject": str(subjects[(kind, record.id)]), "when": record.history_date,
                        "who": record.history_user.get_username() if record.history_user else _("import"),
                        "why": record.history_change_reason or "", "kind": record.get_history_type_display(),
                        "changes": changes})
    return sorted(entries, key=lambda e: e["when"], reverse=True)


def _rows(names, model) -> list[str]:
    # simple-history keeps each revision's many-to-many rows in a table reached by historical<model>_<field>_set.
    return [f"historical{model}_{name}_set" for name in names]


def _members(record, model, name, acronyms) -> str:
    rows = getattr(record, _rows([name], model)[0]).all()
    return ", ".join(sorted(acronyms.get(row.institution_id, "?") for row in rows))


class _FieldChange:
    def __init__(self, field, old, new):
        self.field, self.old, self.new = field, old, new
