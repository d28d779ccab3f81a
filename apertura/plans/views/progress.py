"""Milestone progress: reporting with evidence, civil-society validation, answers; and the assessment.

The services decide who may write (and log every refusal); these views ask the rules only to decide which forms
to show."""

import rules
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apertura.accounts.roles import roles_of
from apertura.common.forms import submitted
from apertura.common.records import as_json
from apertura.common.twins import json_twin, requested_format
from apertura.common.uploads import stored_file_response
from apertura.institutions.selectors import institution_find

from .. import selectors, services
from ..forms import AssessmentForm, EvidenceForm, ProgressForm, ResponseForm, ValidationForm
from ..models import Commitment, Evidence, Milestone, ProgressReport, Validation
from ..schemas import MilestoneDetailOut
from ..tracking import track_milestone


def milestone_detail(request, slug, number):
    try:
        milestone = selectors.milestone_get(plan_slug=slug, number=number)
    except Milestone.DoesNotExist:
        raise Http404(_("This plan has no milestone %(number)s.") % {"number": number}) from None
    if requested_format(request) == "json":
        return json_twin(as_json(MilestoneDetailOut, milestone))
    track = track_milestone(milestone, timezone.localdate())
    user = request.user
    forms = {}
    if request.method == "POST":
        if not user.is_authenticated:
            return redirect(f"{reverse(settings.LOGIN_URL)}?next={request.path}")
        outcome = _handle_post(request, milestone, forms)
        if outcome is not None:
            return outcome
    if user.is_authenticated:
        _offer_forms(user, milestone, forms)
    return render(request, "plans/milestone_detail.html", {
        "plan": milestone.commitment.plan, "commitment": milestone.commitment, "milestone": milestone,
        "track": track, "reports": list(milestone.reports.all()), **forms,
        "respond_ids": _respondable(user, milestone),
    }, status=422 if any(getattr(f, "errors", None) for f in forms.values()) else 200)


def _respondable(user, milestone) -> set[int]:
    return {v.pk for r in milestone.reports.all() for v in r.validations.all()
            if rules.has_perm("plans.respond_to_validation", user, v)}


def _offer_forms(user, milestone, forms):
    if "progress_form" not in forms and rules.has_perm("plans.report_progress", user, milestone):
        latest = selectors.report_latest(milestone=milestone)
        forms["progress_form"] = ProgressForm(
            institutions=selectors.reporting_institutions(user=user, milestone=milestone), initial={
                "based_on": latest.pk if latest else None,
                **({"status": latest.status, "percent": latest.percent} if latest else {})})
    if "validation_form" not in forms and roles_of(user).monitors:
        forms["validation_form"] = ValidationForm(organizations=selectors.monitored_organizations(user=user))


def _report_or_404(milestone, pk) -> ProgressReport:
    try:
        return selectors.report_get(milestone=milestone, pk=pk)
    except ProgressReport.DoesNotExist:
        raise Http404 from None


def _handle_post(request, milestone, forms):
    action = request.POST.get("action")
    user = request.user
    try:
        if action == "report":
            return _post_report(request, milestone, forms)
        if action == "evidence":
            report = _report_or_404(milestone, request.POST.get("report"))
            form = EvidenceForm(request.POST, request.FILES)
            if form.is_valid():
                services.evidence_add(report=report, by=user, title=form.cleaned_data["title"],
                                      url=form.cleaned_data["url"], upload=form.cleaned_data["file"])
                messages.success(request, _("Evidence added."))
                return redirect(request.path)
            forms["evidence_form"], forms["evidence_report"] = form, report.pk
        elif action == "validate":
            report = _report_or_404(milestone, request.POST.get("report"))
            form = ValidationForm(request.POST, organizations=selectors.monitored_organizations(user=user))
            if form.is_valid():
                services.validation_submit(report=report, by=user, **form.cleaned_data)
                messages.success(request, _("Your verdict is published."))
                return redirect(request.path)
            forms["validation_form"], forms["validation_report"] = form, report.pk
        elif action == "respond":
            try:
                validation = selectors.validation_get(milestone=milestone, pk=request.POST.get("validation"))
            except Validation.DoesNotExist:
                raise Http404 from None
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
    posted = institution_find(pk=request.POST.get("institution"))
    if posted is not None:
        # Checked (and a refusal logged) before anything else: a forged post gets a 403, not a form error.
        services.progress_report_check(milestone=milestone, by=request.user, institution=posted)
    form = ProgressForm(request.POST, request.FILES,
                        institutions=selectors.reporting_institutions(user=request.user, milestone=milestone))
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
    try:
        evidence = selectors.evidence_file_get(pk=pk)
    except Evidence.DoesNotExist:
        raise Http404 from None
    return stored_file_response(evidence.file, content_type=evidence.content_type,
                                filename=evidence.original_name or "evidence")


@login_required
def assessment_edit(request, slug, number):
    try:
        commitment = selectors.commitment_lookup(plan_slug=slug, number=number)
    except Commitment.DoesNotExist:
        raise Http404(_("This plan has no commitment %(number)s.") % {"number": number}) from None
    form = AssessmentForm(request.POST or None, instance=selectors.assessment_get(commitment=commitment))
    # The service refuses (and logs) a sent assessment from anyone but a reviewer; the form is shown to reviewers.
    done = submitted(request, form, lambda data: services.assessment_save(
        commitment=commitment, by=request.user, values={name: data[name] for name in form.Meta.fields}))
    if done is not None:
        messages.success(request, _("Assessment saved."))
        return redirect(commitment.get_absolute_url() + "#assessment")
    if not rules.has_perm("plans.assess", request.user, commitment):
        raise PermissionDenied(_("Only independent reviewers assess commitments."))
    return render(request, "plans/assessment_form.html", {"plan": commitment.plan, "commitment": commitment,
                                                           "form": form})
