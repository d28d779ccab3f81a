"""Moderation: reporting a contribution (anyone), the moderators' queue, their decisions and suspensions."""

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apertura.common.forms import form_status, submitted

from .. import selectors, services
from ..forms import DecisionForm, ReportForm, SuspensionForm
from ..limits import client_address
from .common import form_errors, form_for, found, found_for


def report(request, kind, pk):
    """Anyone, signed in or not, reports a contribution; a page of its own so that it works without JavaScript."""
    target = found(selectors.reportable_get, kind=kind, pk=pk)
    back = target.get_absolute_url()
    form = ReportForm(request.POST or None)
    done = submitted(request, form, lambda data: services.content_report(
        by=request.user, target=target, reason=data["reason"], address=client_address(request)))
    if done is not None:
        messages.success(request, _("Thank you. Moderators will review your report."))
        return redirect(back)
    return render(request, "participation/report.html", {"form": form, "back": back, "kind": kind},
                  status=form_status(form))


@login_required
def moderation_queue(request):
    if not rules.has_perm("participation.moderate", request.user):
        raise PermissionDenied(_("Only moderators see the moderation queue."))
    decided = request.GET.get("decided") == "1"
    cases = selectors.moderation_queue(decided=decided)
    for case in cases:
        case.decision_form = DecisionForm(auto_id=f"case{case.pk}-%s")
    return render(request, "participation/moderation_queue.html", {"cases": cases, "decided": decided})


@require_POST
@login_required
def moderation_decide(request, pk):
    case = found_for(request, "participation.moderate", selectors.moderation_case_get, pk=pk,
                     why=_("Only moderators see the moderation queue."))
    form = DecisionForm(request.POST)
    valid = form.is_valid()
    done = submitted(request, form, lambda data: services.moderation_decide(
        by=request.user, case=case, keep=data["decision"] == "keep", reason=data["reason"]))
    if done is not None:
        messages.success(request, _("The decision is recorded."))
    else:
        form_for(request, "participation.moderate", case, why=_("Only moderators see the moderation queue."))
        messages.error(request, form_errors(form) if valid else _("Choose a decision and write its reason."))
    return redirect("participation:moderation")


@require_POST
@login_required
def participant_suspend(request, user_id):
    user = found_for(request, "participation.moderate", selectors.participant_user_get, pk=user_id,
                     why=_("Only moderators see the moderation queue."))
    form = SuspensionForm(request.POST)
    valid = form.is_valid()
    done = submitted(request, form, lambda data: services.participant_suspend(
        by=request.user, user=user, suspended=data["suspend"], reason=data["reason"]))
    if done is not None:
        messages.success(request, _("The participant is suspended.") if form.cleaned_data["suspend"]
                         else _("The suspension is lifted."))
    else:
        form_for(request, "participation.moderate", user, why=_("Only moderators see the moderation queue."))
        messages.error(request, form_errors(form) if valid else _("Write the reason for the suspension."))
    return redirect("participation:moderation")
