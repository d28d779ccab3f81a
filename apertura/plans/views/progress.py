"""Milestone progress: reporting with evidence, civil-society validation, answers; and the assessment."""

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from apertura.accounts.roles import roles_of
from apertura.common.twins import json_twin, requested_format
from apertura.common.uploads import stored_file_response
from apertura.institutions.models import Institution

from .. import selectors, services
from ..forms import AssessmentForm, EvidenceForm, ProgressForm, ResponseForm, ValidationForm
from ..models import Assessment, Commitment, Evidence, Milestone, ProgressReport, Validation
from ..tracking import track_milestone


def _reporting_institutions(user, milestone):
    responsible = milestone.responsible.all()
    if roles_of(user).is_administrator:
        return responsible
    return responsible.filter(pk__in=roles_of(user).edits)


def _report_data(report: ProgressReport) -> dict:
    return {
        "id": report.pk, "status": report.status, "percent": report.percent, "as_of": report.as_of,
        "completed_on": report.completed_on, "institution": report.institution.acronym,
        "narrative": report.narrative, "submitted": report.created_at,
        "evidence": [{"title": e.title, "url": e.url or None, "sha256": e.sha256 or None,
                      "download": f"/evidence/{e.pk}/" if e.file else None} for e in report.evidence.all()],
        "validations": [{"organization": v.organization.acronym, "verdict": v.verdict, "reason": v.reason,
                         "date": v.updated_at,
                         "answers": [{"institution": r.institution.acronym, "text": r.text, "date": r.created_at}
                                     for r in v.responses.all()]} for v in report.validations.all()],
    }


def milestone_detail(request, slug, number):
    try:
        milestone = selectors.milestone_get(plan_slug=slug, number=number)
    except Milestone.DoesNotExist:
        raise Http404(_("This plan has no milestone %(number)s.") % {"number": number}) from None
    track = track_milestone(milestone, _today())
    if requested_format(request) == "json":
        return json_twin({"plan": slug, "milestone": milestone.number, "text": milestone.text,
                          "reported": track.reported, "confirmed": track.confirmed, "expected": track.expected,
                          "flag": track.flag, "reports": [_report_data(r) for r in milestone.reports.all()]})
    user = request.user
    forms = {}
    if request.method == "POST":
        if not user.is_authenticated:
            return redirect(f"{_login_url()}?next={request.path}")
        outcome = _handle_post(request, milestone, forms)
        if outcome is not None:
            return outcome
    if user.is_authenticated:
        _offer_forms(user, milestone, forms)
    return render(request, "plans/milestone_detail.html", {
        "plan": milestone.commitment.plan, "commitment": milestone.commitment, "milestone": milestone,
        "track": track, "reports": list(milestone.reports.all()), **forms,
        "can_validate": rules.has_perm("plans.validate", user, milestone.reports.first()) if
        milestone.reports.all() else False,
        "respond_ids": _respondable(user, milestone),
    }, status=422 if any(getattr(f, "errors", None) for f in forms.values()) else 200)


def _today():
    from django.utils import timezone

    return timezone.localdate()


def _login_url():
    from django.conf import settings
    from django.urls import reverse

    return reverse(settings.LOGIN_URL)


def _respondable(user, milestone) -> set[int]:
    return {v.pk for r in milestone.reports.all() for v in r.validations.all()
            if rules.has_perm("plans.respond_to_validation", user, v)}


def _offer_forms(user, milestone, forms):
    institutions = _reporting_institutions(user, milestone)
    if "progress_form" not in forms and institutions.exists():
        latest = milestone.reports.order_by("-created_at", "-id").first()
        forms["progress_form"] = ProgressForm(institutions=institutions, initial={
            "based_on": latest.pk if latest else None,
            **({"status": latest.status, "percent": latest.percent} if latest else {})})
    if "validation_form" not in forms and roles_of(user).monitors:
        forms["validation_form"] = ValidationForm(
            organizations=Institution.objects.filter(pk__in=roles_of(user).monitors))


def _handle_post(request, milestone, forms):
    action = request.POST.get("action")
    user = request.user
    try:
        if action == "report":
            return _post_report(request, milestone, forms)
        if action == "evidence":
            report = get_object_or_404(ProgressReport, pk=request.POST.get("report"), milestone=milestone)
            form = EvidenceForm(request.POST, request.FILES)
            if form.is_valid():
                services.evidence_add(report=report, by=user, title=form.cleaned_data["title"],
                                      url=form.cleaned_data["url"], upload=form.cleaned_data["file"])
                messages.success(request, _("Evidence added."))
                return redirect(request.path)
            forms["evidence_form"], forms["evidence_report"] = form, report.pk
        elif action == "validate":
            report = get_object_or_404(ProgressReport, pk=request.POST.get("report"), milestone=milestone)
            form = ValidationForm(request.POST, organizations=Institution.objects.filter(
                pk__in=roles_of(user).monitors))
            if form.is_valid():
                services.validation_submit(report=report, by=user, **form.cleaned_data)
                messages.success(request, _("Your verdict is published."))
                return redirect(request.path)
            forms["validation_form"], forms["validation_report"] = form, report.pk
        elif action == "respond":
            validation = get_object_or_404(Validation, pk=request.POST.get("validation"),
                                           report__milestone=milestone)
            form = ResponseForm(request.POST)
            if form.is_valid():
                services.validation_respond(validation=validation, by=user, text=form.cleaned_data["text"])
                messages.success(request, _("Your answer is published."))
                return redirect(request.path)
            forms["response_form"], forms["response_validation"] = form, validation.pk
        else:
            raise PermissionDenied(_("Unknown action."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return None


def _post_report(request, milestone, forms):
    posted = Institution.objects.filter(pk=request.POST.get("institution") or None).first()
    if posted is not None:
        # Checked (and a refusal logged) before anything else: a forged post gets a 403, not a form error.
        services.progress_report_check(milestone=milestone, by=request.user, institution=posted)
    form = ProgressForm(request.POST, request.FILES, institutions=_reporting_institutions(request.user, milestone))
    forms["progress_form"] = form
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        with transaction.atomic():
            report = services.milestone_report_progress(
                milestone=milestone, by=request.user, institution=data["institution"], status=data["status"],
                percent=data["percent"], narrative=data["narrative"], as_of=data["as_of"],
                completed_on=data["completed_on"], based_on=data["based_on"])
            if data["evidence_file"] or data["evidence_url"]:
                services.evidence_add(report=report, by=request.user,
                                      title=data["evidence_title"] or "", url=data["evidence_url"] or "",
                                      upload=data["evidence_file"])
    except services.ProgressConflict as conflict:
        latest = conflict.latest
        form.add_error(None, _(
            "%(who)s reported progress on this milestone (%(percent)s%%, %(status)s) while you were editing. "
            "Nothing was saved: review their report below; your text is still here, send it again to add it "
            "after theirs.") % {"who": latest.institution.acronym, "percent": latest.percent,
                                "status": latest.get_status_display()})
        form.data = form.data.copy()
        form.data["based_on"] = latest.pk
        return None
    except ValidationError as error:
        for field, errors in getattr(error, "message_dict", {None: error.messages}).items():
            form.add_error(field if field in form.fields else None, errors)
        return None
    messages.success(request, _("Progress reported."))
    return redirect(request.path)


def evidence_download(request, pk):
    evidence = get_object_or_404(Evidence.objects.exclude(file=""), pk=pk)
    return stored_file_response(evidence.file, content_type=evidence.content_type,
                                filename=evidence.original_name or "evidence")


@login_required
def assessment_edit(request, slug, number):
    commitment = get_object_or_404(Commitment.objects.select_related("plan"), plan__slug=slug, number=number)
    if not rules.has_perm("plans.assess", request.user, commitment):
        raise PermissionDenied(_("Only independent reviewers assess commitments."))
    instance = Assessment.objects.filter(commitment=commitment).first()
    form = AssessmentForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        services.assessment_save(commitment=commitment, by=request.user, values={
            name: form.cleaned_data[name] for name in form.Meta.fields})
        messages.success(request, _("Assessment saved."))
        return redirect(commitment.get_absolute_url() + "#assessment")
    return render(request, "plans/assessment_form.html", {"plan": commitment.plan, "commitment": commitment,
                                                           "form": form})
