"""The institutions' pages: each one's commitments and milestones across the plans."""

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from apertura.common.twins import csv_twin, json_twin, requested_format
from apertura.institutions.models import Institution
from apertura.institutions.selectors import institution_get

from ..selectors import institution_commitments, institutions_with_counts, milestone_list


def _institution_data(inst: Institution) -> dict:
    return {"acronym": inst.acronym, "slug": inst.slug, "name_es": inst.name_es, "name_en": inst.name_en,
            "kind": inst.kind, "url": inst.get_absolute_url()}


def institution_list(request):
    kind = request.GET.get("kind", "")
    institutions = list(institutions_with_counts(kind=kind if kind in Institution.Kind.values else None))
    fmt = requested_format(request)
    if fmt == "json":
        return json_twin({"institutions": [
            {**_institution_data(i), "commitments_led": i.led_count, "milestones": i.milestone_count}
            for i in institutions]})
    if fmt == "csv":
        return csv_twin("institutions.csv", ["acronym", "name_es", "name_en", "kind", "commitments_led", "milestones"],
                        ([i.acronym, i.name_es, i.name_en, i.kind, i.led_count, i.milestone_count]
                         for i in institutions))
    return render(request, "institutions/institution_list.html", {
        "institutions": institutions, "kinds": Institution.Kind.choices, "kind": kind})


def institution_detail(request, slug):
    try:
        institution = institution_get(slug=slug)
    except Institution.DoesNotExist:
        raise Http404(_("There is no institution «%(slug)s».") % {"slug": slug}) from None
    commitments = list(institution_commitments(institution=institution))
    milestones = list(milestone_list(institution=institution))
    fmt = requested_format(request)
    if fmt == "json":
        return json_twin({
            **_institution_data(institution),
            "commitments": [{"plan": c.plan.slug, "number": c.number, "title": c.title,
                             "role": "lead" if c.lead_id == institution.pk else "partner",
                             "url": c.get_absolute_url()} for c in commitments],
            "milestones": [{"plan": m.commitment.plan.slug, "number": m.number, "text": m.text,
                            "start": m.start_date.isoformat() if m.start_date else None,
                            "end": m.end_date.isoformat() if m.end_date else None,
                            "url": m.get_absolute_url()} for m in milestones],
        })
    if fmt == "csv":
        return csv_twin(f"institution-{institution.slug}-milestones.csv",
                        ["plan", "milestone", "text", "start", "end"],
                        ([m.commitment.plan.slug, m.number, m.text, m.start_date or "", m.end_date or ""]
                         for m in milestones))
    return render(request, "institutions/institution_detail.html", {
        "institution": institution, "commitments": commitments, "milestones": milestones})
