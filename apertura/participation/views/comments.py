"""Feedback on the plan: the comments of a commitment and of each milestone, with one level of replies, and «was
this page useful?»."""

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apertura.common.forms import form_status, submitted
from apertura.common.records import as_json_list
from apertura.common.twins import json_twin, requested_format

from .. import selectors, services
from ..forms import PageFeedbackForm, PlanCommentForm
from ..limits import client_address
from ..schemas import PlanCommentOut
from .common import form_errors, form_for, found, plan_or_404


def _plan_comments_page(request, commitment, milestone=None):
    here = selectors.plan_comments_url(commitment=commitment, milestone=milestone)
    bound = None
    if request.method == "POST":
        parent_id = request.POST.get("parent") or None
        bound = PlanCommentForm(request.POST, auto_id=f"reply{parent_id}-%s" if parent_id else "id_%s")
        done = submitted(request, bound, lambda data: services.plan_comment_add(
            by=request.user, commitment=commitment, milestone=milestone, text=data["text"],
            parent=found(selectors.plan_comment_get, pk=data["parent"]) if data["parent"] else None,
            address=client_address(request)))
        if done is not None:
            messages.success(request, _("Thank you. Your comment is published."))
            return redirect(selectors.plan_comment_url(comment=done.value))
        form_for(request, "participation.comment_plan", milestone or commitment,
                 why=_("Sign in with a participant account to comment."))
    may_comment = rules.has_perm("participation.comment_plan", request.user, milestone or commitment)
    page = selectors.plan_comments_page(commitment=commitment, milestone=milestone, page=request.GET.get("page"))
    comments = list(page.object_list)
    if requested_format(request) == "json":
        return json_twin({"plan": commitment.plan.slug, "commitment": commitment.number,
                          "milestone": milestone.number if milestone else None, "count": page.paginator.count,
                          "page": page.number, "pages": page.paginator.num_pages,
                          "comments": as_json_list(PlanCommentOut, comments)})
    bound_parent = str(bound.data.get("parent") or "") if bound is not None else None
    if may_comment:
        for comment in comments:
            comment.reply_form = (bound if bound_parent == str(comment.pk)
                                  else PlanCommentForm(auto_id=f"reply{comment.pk}-%s", initial={"parent": comment.pk}))
    return render(request, "participation/plan_comments.html", {
        "commitment": commitment, "milestone": milestone, "plan": commitment.plan, "comments": comments,
        "form": (bound if bound is not None and not bound_parent else PlanCommentForm()) if may_comment else None,
        "here": here, "page": page,
        "milestones": selectors.commitment_milestones(commitment=commitment) if milestone is None else None,
        "counts": selectors.comment_counts(commitment=commitment) if milestone is None else {},
    }, status=form_status(bound) if bound is not None else 200)


def commitment_comments(request, slug, number):
    commitment = found(selectors.commitment_get, plan=plan_or_404(slug), number=number)
    return _plan_comments_page(request, commitment)


def milestone_comments(request, slug, number):
    milestone = found(selectors.milestone_get, plan=plan_or_404(slug), number=number)
    return _plan_comments_page(request, milestone.commitment, milestone)


def plan_comment_link(request, slug, pk):
    """A plan comment's permalink: the page of its commitment's (or milestone's) comments that shows it."""
    comment = found(selectors.plan_comment_get, pk=pk, plan_slug=slug)
    return redirect(selectors.plan_comment_url(comment=comment))


@require_POST
def page_feedback(request):
    """A «was this useful?» answer, from the form at the foot of many pages: back to that page, with a message."""
    form = PageFeedbackForm(request.POST)
    target = request.POST.get("path", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts=None) or not target.startswith("/"):
        target = reverse("participation:index")
    valid = form.is_valid()
    done = submitted(request, form, lambda data: services.page_feedback_record(
        path=data["path"], useful=data["useful"], comment=data["comment"], user=request.user,
        address=client_address(request)))
    if done is not None:
        messages.success(request, _("Thank you for your feedback."))
    elif valid:  # the service refused it
        messages.error(request, form_errors(form))
    else:
        messages.error(request, _("Choose «Yes» or «No» to send your feedback."))
    return redirect(target)


@login_required
def page_feedback_results(request):
    if not rules.has_perm("participation.see_feedback", request.user):
        raise PermissionDenied(_("Only administrators see the feedback."))
    return render(request, "participation/feedback_results.html", {"summary": selectors.page_feedback_summary()})
