"""The institutions' pages: each one's commitments and milestones across the plans."""

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from apertura.common.records import as_json, as_json_list, csv_row
from apertura.common.twins import csv_twin, json_twin, requested_format
from apertura.institutions.models import Institution
from apertura.institutions.schemas import InstitutionOut
from apertura.institutions.selectors import institution_get

from ..schemas import (
    INSTITUTION_COLUMNS, MILESTONE_COLUMNS, InstitutionCommitmentOut, InstitutionSummaryOut, MilestoneOut,
)
from ..selectors import institution_commitments, institutions_with_counts, milestone_list


def institution_list(request):
    kind = request.GET.get("kind", "")
    institutions = list(institutions_with_counts(kind=kind if kind in Institution.Kind.values else None))
    fmt = requested_format(request)
    if fmt in ("json", "csv"):
        records = as_json_list(InstitutionSummaryOut, institutions)
        if fmt == "json":
            return json_twin({"institutions": records})
        return csv_twin("institutions.csv", INSTITUTION_COLUMNS, (csv_row(r, INSTITUTION_COLUMNS) for r in records))
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
            **as_json(InstitutionOut, institution),
            "commitments": as_json_list(InstitutionCommitmentOut, commitments, institution=institution),
            "milestones": as_json_list(MilestoneOut, milestones),
        })
    if fmt == "csv":
        return csv_twin(f"institution-{institution.slug}-milestones.csv", MILESTONE_COLUMNS,
                        (csv_row(as_json(MilestoneOut, m), MILESTONE_COLUMNS) for m in milestones))
    return render(request, "institutions/institution_detail.html", {
        "institution": institution, "commitments": commitments, "milestones": milestones})
