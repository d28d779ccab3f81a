"""Proposals for a plan: the list and its twins, one proposal, submitting, supporting, answering; the inputs
dashboard; the participation index."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

import rules
from apertura.common.forms import form_status, submitted
from apertura.common.records import as_json, as_json_list, csv_row
from apertura.common.twins import csv_stream_twin, csv_twin, json_twin, requested_format
from apertura.geo.regions import DEPARTMENTS
from apertura.notifications.selectors import is_following
from apertura.plans import selectors as plan_selectors

from .. import selectors, services
from ..forms import ProposalForm, ResponseForm, SupportForm
from ..limits import client_address
from ..models import ProposalStatus
from ..schemas import (
    INPUT_COUNTS, INPUTS_COLUMNS, PROPOSAL_COLUMNS, InputsDashboardOut, PlanLinksOut, ProposalDetailOut, ProposalOut,
)
from .common import form_errors, form_for, plan_or_404, proposal_or_404

FILTERS = ("status", "theme", "department")


def index(request):
    plans = list(plan_selectors.plan_list())
    if requested_format(request) == "json":
        return json_twin({"plans": as_json_list(PlanLinksOut, plans)})
    return render(request, "participation/index.html", {"plans": plans})


def proposal_list(request, slug):
    plan = plan_or_404(slug)
    filters = {key: request.GET.get(key, "").strip() for key in FILTERS}
    sort = selectors.proposal_order(request.GET.get("sort", ""))
    fmt = requested_format(request)
    if fmt == "csv":  # every proposal, streamed
        records = selectors.proposal_csv_records(plan=plan, sort=sort, **filters)
        return csv_stream_twin(f"proposals-{plan.slug}.csv", PROPOSAL_COLUMNS,
                               (csv_row(record, PROPOSAL_COLUMNS) for record in records))
    page = selectors.proposal_page(plan=plan, page=request.GET.get("page"), sort=sort, **filters)
    if fmt == "json":  # the same page as the HTML
        return json_twin({"plan": plan.slug, "filters": {k: v for k, v in filters.items() if v},
                          "count": page.paginator.count, "page": page.number, "pages": page.paginator.num_pages,
                          "proposals": as_json_list(ProposalOut, page.object_list)})
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "participation/proposal_list.html", {
        "plan": plan, "proposals": page.object_list, "page": page, "filters": filters, "sort": sort,
        "page_query": query.urlencode() + "&" if query else "",
        "statuses": ProposalStatus.choices, "themes": selectors.plan_themes(plan=plan), "departments": DEPARTMENTS,
    })


@login_required
def proposal_new(request, slug):
    plan = plan_or_404(slug)
    form = ProposalForm(request.POST or None, plan=plan)
    done = submitted(request, form, lambda data: services.proposal_submit(
        by=request.user, plan=plan, title=data["title"], problem=data["problem"], proposal=data["proposal"],
        theme=data["theme"], institution=data["institution"], department=data["department"],
        address=client_address(request)))
    if done is not None:
        messages.success(request, _("Thank you. Your proposal was received; you will be notified when it is "
                                    "answered."))
        return redirect(done.value)
    form_for(request, "participation.submit", why=_("Your account may not submit proposals."))
    return render(request, "participation/proposal_form.html", {"plan": plan, "form": form},
                  status=form_status(form))


def proposal_detail(request, pk):
    proposal = proposal_or_404(pk)
    if requested_format(request) == "json":
        return json_twin(as_json(ProposalDetailOut, proposal))
    user = request.user
    return render(request, "participation/proposal_detail.html", {
        "proposal": proposal, "plan": proposal.plan,
        "supported": selectors.proposal_supported_by(proposal=proposal, user=user),
        "may_support": rules.has_perm("participation.support", user, proposal),
        "may_answer": rules.has_perm("participation.answer", user, proposal),
        "following": is_following(user=user, target=proposal),
        "response_form": ResponseForm(proposal=proposal, initial={"status": proposal.status}),
    })


@require_POST
@login_required
def proposal_support(request, pk):
    """Support a proposal (`support=1`) or withdraw the support (`support=0`); the answer is a message on the
    proposal's page."""
    proposal = proposal_or_404(pk)
    form = SupportForm(request.POST)
    try:
        done = submitted(request, form, lambda data: services.proposal_support(
            by=request.user, proposal=proposal, supporting=data["support"], address=client_address(request)))
    except PermissionDenied as error:
        messages.error(request, str(error))
    else:
        if done is None:
            messages.error(request, form_errors(form))
        else:
            messages.success(request, _("You support this proposal.") if done.value
                             else _("You no longer support this proposal."))
    return redirect(proposal)


@login_required
def proposal_respond(request, pk):
    proposal = proposal_or_404(pk)
    form = ResponseForm(request.POST or None, proposal=proposal, initial={"status": proposal.status})
    done = submitted(request, form, lambda data: services.proposal_respond(by=request.user, proposal=proposal,
                                                                           **data))
    if done is not None:
        messages.success(request, _("The response is published."))
        return redirect(proposal)
    form_for(request, "participation.answer", proposal, why=_("Only administrators answer proposals."))
    return render(request, "participation/proposal_respond.html", {"proposal": proposal, "form": form},
                  status=form_status(form))


def inputs_dashboard(request, slug):
    plan = plan_or_404(slug)
    board = selectors.inputs_dashboard(plan=plan)
    fmt = requested_format(request)
    if fmt == "json":
        return json_twin(as_json(InputsDashboardOut, board))
    if fmt == "csv":
        data = as_json(InputsDashboardOut, board)
        rows = [["total", "", "", *csv_row(data["totals"], INPUT_COUNTS)]]
        rows += [["theme", *csv_row(r, ["theme", "title", *INPUT_COUNTS])] for r in data["by_theme"]]
        rows += [["department", *csv_row(r, ["department", "name", *INPUT_COUNTS])] for r in data["by_department"]]
        return csv_twin(f"inputs-{plan.slug}.csv", INPUTS_COLUMNS, rows)
    return render(request, "participation/inputs_dashboard.html", {"plan": plan, "board": board})
