"""Participation pages: thin — parse, check permission, call a service or selector, render."""

import smtplib

import rules
from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from apertura.common.uploads import stored_file_response
from apertura.common.twins import csv_stream_twin, csv_twin, json_twin, requested_format
from apertura.plans import selectors as plan_selectors
from apertura.plans.models import Commitment, Milestone, Plan

from . import selectors, services
from .forms import (
    CommentForm, ConsultationForm, ConsultationResponseForm, DecisionForm, DeleteAccountForm, DocumentRemoveForm,
    ForumMemberForm, MeetingDocumentForm, MeetingForm, PageFeedbackForm, PlanCommentForm, ProfileForm, ProposalForm,
    RegistrationForm, ReportForm, ResponseForm, SummaryForm, SuspensionForm,
)
from apertura.geo.regions import DEPARTMENTS
from .limits import client_address, rate_limit_check
from .models import (
    Consultation, ConsultationComment, ForumMember, Meeting, MeetingDocument, ModerationCase, PlanComment, Proposal,
    ProposalStatus, public_name,
)
from .scorecard import plan_scorecard


def _plan_or_404(slug: str) -> Plan:
    try:
        return plan_selectors.plan_get(slug=slug)
    except Plan.DoesNotExist:
        raise Http404(_("There is no action plan «%(slug)s».") % {"slug": slug}) from None


def _proposal_or_404(pk: int) -> Proposal:
    try:
        return selectors.proposal_get(pk=pk)
    except Proposal.DoesNotExist:
        raise Http404(_("There is no proposal number %(pk)s.") % {"pk": pk}) from None


def _proposal_data(p: Proposal) -> dict:
    return {
        "id": p.pk, "plan": p.plan.slug, "hidden": p.hidden, "title": None if p.hidden else p.title,
        "problem": None if p.hidden else p.problem, "proposal": None if p.hidden else p.proposal,
        "author": p.author_name,
        "theme": p.theme.code if p.theme else None, "institution": p.institution.acronym if p.institution else None,
        "department": p.department or None, "department_name": p.department_name or None,
        "status": p.status, "supports": getattr(p, "support_count", None), "response": p.response or None,
        "responded_at": p.responded_at, "commitment": p.commitment.number if p.commitment else None,
        "milestone": p.milestone.number if p.milestone else None,
        "merged_into": p.merged_into_id, "submitted": p.created_at, "url": p.get_absolute_url(),
    }


def index(request):
    plans = list(plan_selectors.plan_list())
    if requested_format(request) == "json":
        return json_twin({"plans": [{"slug": p.slug, "title": p.title,
                                     "proposals": f"/participate/plans/{p.slug}/proposals/",
                                     "inputs": f"/participate/plans/{p.slug}/inputs/"} for p in plans]})
    return render(request, "participation/index.html", {"plans": plans})


# Proposals -----------------------------------------------------------------------------------------------

PROPOSAL_COLUMNS = ["id", "hidden", "title", "author", "theme", "institution", "department", "status", "supports",
                    "response", "commitment", "milestone", "merged_into", "submitted", "url"]


PAGE_SIZE = 50


def proposal_list(request, slug):
    plan = _plan_or_404(slug)
    filters = {key: request.GET.get(key, "").strip() for key in ("status", "theme", "department")}
    sort = "supports" if request.GET.get("sort") == "supports" else "newest"
    queryset = selectors.proposal_list(plan=plan, **filters)
    if sort == "supports":
        queryset = queryset.order_by("-support_count", "-created_at", "-id")
    fmt = requested_format(request)
    if fmt == "csv":  # every proposal, streamed
        return csv_stream_twin(f"proposals-{plan.slug}.csv", PROPOSAL_COLUMNS, _proposal_csv_rows(queryset))
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    if fmt == "json":  # the same page as the HTML
        return json_twin({"plan": plan.slug, "filters": {k: v for k, v in filters.items() if v},
                          "count": page.paginator.count, "page": page.number, "pages": page.paginator.num_pages,
                          "proposals": [_proposal_data(p) for p in page.object_list]})
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "participation/proposal_list.html", {
        "plan": plan, "proposals": page.object_list, "page": page, "filters": filters, "sort": sort,
        "page_query": query.urlencode() + "&" if query else "",
        "statuses": ProposalStatus.choices, "themes": plan.themes.all(), "departments": DEPARTMENTS,
    })


def _proposal_csv_rows(queryset):
    """The CSV rows of _proposal_data, read as plain values: building seven model instances a row is what made
    the export of 10,000 proposals slow."""
    url = reverse("participation:proposal", args=[0])[:-2] + "{}/"  # .../proposals/0/ → .../proposals/{}/
    former = public_name(None)
    for (pk, hidden, title, author, theme, institution, department, status, supports, response, commitment,
         milestone, merged_into, submitted) in queryset.values_list(
            "pk", "hidden", "title", "author__first_name", "theme__code", "institution__acronym", "department",
            "status", "support_count", "response", "commitment__number", "milestone__number", "merged_into_id",
            "created_at").iterator(chunk_size=2000):
        yield [pk, hidden, None if hidden else title, author or former, theme, institution, department or None,
               status, supports, response or None, commitment, milestone, merged_into, submitted, url.format(pk)]


@login_required
def proposal_new(request, slug):
    plan = _plan_or_404(slug)
    if not rules.has_perm("participation.submit", request.user):
        raise PermissionDenied(_("Your account may not submit proposals."))
    form = ProposalForm(request.POST or None, plan=plan)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            proposal = services.proposal_submit(
                by=request.user, plan=plan, title=data["title"], problem=data["problem"],
                proposal=data["proposal"], theme=data["theme"], institution=data["institution"],
                department=data["department"], address=client_address(request))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Thank you. Your proposal was received; you will be notified when it "
                                        "is answered."))
            return redirect(proposal)
    status = 429 if any(e.code == "rate_limited" for e in form.errors.as_data().get("__all__", [])) else 400
    return render(request, "participation/proposal_form.html", {"plan": plan, "form": form},
                  status=status if form.errors else 200)


def proposal_detail(request, pk):
    proposal = _proposal_or_404(pk)
    if requested_format(request) == "json":
        return json_twin({**_proposal_data(proposal), "history": [
            {"status": e.status, "response": e.response or None, "date": e.created_at}
            for e in proposal.events.all()]})
    user = request.user
    return render(request, "participation/proposal_detail.html", {
        "proposal": proposal, "plan": proposal.plan,
        "supported": selectors.proposal_supported_by(proposal=proposal, user=user),
        "may_support": rules.has_perm("participation.support", user, proposal),
        "may_answer": rules.has_perm("participation.answer", user, proposal),
        "following": selectors.is_following(user=user, target=proposal),
        "response_form": ResponseForm(proposal=proposal, initial={"status": proposal.status}),
    })


@require_POST
@login_required
def proposal_support(request, pk):
    proposal = get_object_or_404(Proposal, pk=pk)
    supporting = request.POST.get("support", "1") == "1"
    try:
        services.proposal_support(by=request.user, proposal=proposal, supporting=supporting)
    except PermissionDenied as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("You support this proposal.") if supporting
                         else _("You no longer support this proposal."))
    return redirect(proposal)


FOLLOWABLE = {"proposal": Proposal, "consultation": Consultation}


@require_POST
@login_required
def follow(request, kind, pk):
    """Follow a proposal or a consultation: its answers and changes arrive as notifications."""
    from apertura.notifications.services import follow_set

    model = FOLLOWABLE.get(kind)
    if model is None:
        raise Http404
    target = get_object_or_404(model, pk=pk)
    following = follow_set(user=request.user, target=target, following=request.POST.get("follow") == "1")
    messages.success(request, _("You are following it: answers and changes will be notified to you.") if following
                     else _("You no longer follow it."))
    return redirect(target)


@login_required
def proposal_respond(request, pk):
    proposal = _proposal_or_404(pk)
    if not rules.has_perm("participation.answer", request.user, proposal):
        raise PermissionDenied(_("Only administrators answer proposals."))
    form = ResponseForm(request.POST or None, proposal=proposal, initial={"status": proposal.status})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.proposal_respond(by=request.user, proposal=proposal, status=data["status"],
                                      response=data["response"], commitment=data["commitment"],
                                      milestone=data["milestone"], merged_into=data["merged_into"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The response is published."))
            return redirect(proposal)
    return render(request, "participation/proposal_respond.html", {"proposal": proposal, "form": form},
                  status=400 if form.errors else 200)


def inputs_dashboard(request, slug):
    plan = _plan_or_404(slug)
    board = selectors.inputs_dashboard(plan=plan)
    fmt = requested_format(request)
    if fmt == "json":
        return json_twin({"plan": plan.slug, **board})
    if fmt == "csv":
        header = ["group", "key", "name", "received", "answered", "adopted", "closed"]
        rows = [["total", "", "", *board["totals"].values()]]
        rows += [["theme", r["theme"], r["title"], r["received"], r["answered"], r["adopted"], r["closed"]]
                 for r in board["by_theme"]]
        rows += [["department", r["department"], r["name"], r["received"], r["answered"], r["adopted"],
                  r["closed"]] for r in board["by_department"]]
        return csv_twin(f"inputs-{plan.slug}.csv", header, rows)
    return render(request, "participation/inputs_dashboard.html", {"plan": plan, "board": board})


# Self-registration (under /accounts/, in the accounts namespace: see apertura/urls.py) --------------------

@never_cache
@sensitive_post_parameters("password", "password_again")
def register(request):
    if request.user.is_authenticated:
        return redirect("participation:account")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rate_limit_check(action="register", address=client_address(request))
            services.participant_register(
                email=form.cleaned_data["email"], username=form.cleaned_data["username"],
                display_name=form.cleaned_data["display_name"], password=form.cleaned_data["password"],
                affiliation=form.cleaned_data["affiliation"], site_url=request.build_absolute_uri("/"))
        except ValidationError as error:
            form.add_error(None, error)
        except (smtplib.SMTPException, OSError) as error:
            form.add_error(None, _("The confirmation e-mail could not be sent (%(error)s). Try again later.")
                           % {"error": error})
        else:
            return render(request, "accounts/register_sent.html", {"email": form.cleaned_data["email"]})
    return render(request, "accounts/register.html", {"form": form}, status=400 if form.errors else 200)


@never_cache
def register_confirm(request, token):
    try:
        services.participant_confirm(token=token)
    except ValidationError as error:
        return render(request, "accounts/register_invalid.html", {"message": error.messages[0]},
                      status=410 if error.code == "expired" else 404)
    messages.success(request, _("Your e-mail address is confirmed. Sign in with your user name and password."))
    return redirect("accounts:login")


# The participant's own account ----------------------------------------------------------------------------

@login_required
def account(request):
    data = selectors.participant_data(user=request.user)
    form = ProfileForm(request.POST or None, initial={"display_name": data["account"]["display_name"],
                                                      "affiliation": data["account"]["affiliation"]})
    if request.method == "POST" and form.is_valid():
        try:
            services.participant_profile_update(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your profile is updated."))
            return redirect("participation:account")
    return render(request, "participation/account.html", {"data": data, "form": form},
                  status=400 if form.errors else 200)


@login_required
def account_data(request):
    response = json_twin(selectors.participant_data(user=request.user), filename="my-data.json")
    response["Content-Disposition"] = 'attachment; filename="my-data.json"'
    del response["Access-Control-Allow-Origin"]
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def account_delete(request):
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.participant_delete(user=request.user)
        except ValidationError as error:
            form.add_error(None, error)
            return render(request, "participation/account_delete.html", {"form": form}, status=400)
        logout(request)
        messages.success(request, _("Your personal data was deleted. Your public contributions remain, "
                                    "without your name."))
        return redirect("participation:index")
    return render(request, "participation/account_delete.html", {"form": form},
                  status=400 if form.errors else 200)


# Consultations -------------------------------------------------------------------------------------------

def _consultation_or_404(slug: str) -> Consultation:
    try:
        return selectors.consultation_get(slug=slug)
    except Consultation.DoesNotExist:
        raise Http404(_("There is no consultation «%(slug)s».") % {"slug": slug}) from None


def _consultation_summary(c: Consultation, now) -> dict:
    return {"slug": c.slug, "title": c.title, "purpose": c.purpose, "plan": c.plan.slug if c.plan else None,
            "opens_at": c.opens_at, "closes_at": c.closes_at, "phase": c.phase(now), "url": c.get_absolute_url(),
            "report": reverse("participation:consultation_report", args=[c.slug])}


def consultation_list(request):
    now = timezone.now()
    consultations = list(selectors.consultation_list())
    if requested_format(request) == "json":
        return json_twin({"consultations": [_consultation_summary(c, now) for c in consultations]})
    for consultation in consultations:
        consultation.current_phase = consultation.phase(now)
    return render(request, "participation/consultation_list.html", {"consultations": consultations})


@login_required
def consultation_new(request):
    if not rules.has_perm("participation.organize", request.user):
        raise PermissionDenied(_("Only administrators organize consultations."))
    form = ConsultationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            consultation = services.consultation_create(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The consultation is published."))
            return redirect(consultation)
    return render(request, "participation/consultation_form.html", {"form": form},
                  status=400 if form.errors else 200)


def _comment_data(c) -> dict:
    return {"id": c.pk, "section": c.section_id, "author": c.author_name, "hidden": c.hidden,
            "text": None if c.hidden else c.text,
            "submitted": c.created_at, "response": c.response_id}


def _page_number(request) -> int:
    try:
        return max(1, int(request.GET.get("page", 1)))
    except ValueError:
        return 1


def _section_number(request) -> int | None:
    try:
        return int(request.GET["section"])
    except (KeyError, ValueError):
        return None


def consultation_detail(request, slug, *, bound_form=None, bound_order=None, status=200):
    """The document with each section's comment count and one page of its comments (`?section=<order>&page=N`
    pages one section; the others show their first page)."""
    consultation = _consultation_or_404(slug)
    now = timezone.now()
    chosen = bound_order or _section_number(request)
    sections = selectors.consultation_sections(consultation=consultation, section=chosen,
                                               page=_page_number(request))
    if requested_format(request) == "json":
        return json_twin({
            **_consultation_summary(consultation, now),
            "sections": [{"order": s.order, "title": s.title, "text": s.text, "comment_count": s.comment_count,
                          "page": s.page_number, "pages": s.page_count,
                          "comments": [_comment_data(c) for c in s.page_comments]} for s in sections],
            "responses": [{"id": r.pk, "text": r.text, "answered": r.created_at}
                          for r in consultation.responses.all()],
        })
    may_comment = rules.has_perm("participation.comment_consultation", request.user, consultation)
    for section in sections:
        section.form = (bound_form if section.order == bound_order
                        else CommentForm(prefix=f"s{section.order}")) if may_comment else None
    if request.headers.get("HX-Request") and chosen is not None and bound_form is None:
        section = next((s for s in sections if s.order == chosen), None)
        if section is not None:  # htmx swaps this section's list of comments in place
            response = render(request, "participation/_section_comments.html",
                              {"consultation": consultation, "section": section})
            patch_vary_headers(response, ["HX-Request"])  # a cache must not serve the fragment as the page
            return response
    may_organize = rules.has_perm("participation.organize", request.user)
    phase = consultation.phase(now)
    shown = [c.pk for s in sections for c in s.page_comments]
    response = render(request, "participation/consultation_detail.html", {
        "consultation": consultation, "sections": sections, "phase": phase, "may_comment": may_comment,
        "following": selectors.is_following(user=request.user, target=consultation),
        "response_form": (ConsultationResponseForm(consultation=consultation, among=shown)
                          if may_organize and phase == "closed" else None),
    }, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def consultation_comment_link(request, slug, pk):
    """A comment's permalink: the page of its section that shows it."""
    comment = get_object_or_404(ConsultationComment.objects.select_related("section__consultation"),
                                pk=pk, section__consultation__slug=slug)
    page = selectors.consultation_comment_page(comment=comment)
    return redirect(f"{comment.section.consultation.get_absolute_url()}?section={comment.section.order}"
                    f"&page={page}#comment-{comment.pk}")


@require_POST
@login_required
def consultation_comment(request, slug, order):
    consultation = _consultation_or_404(slug)
    section = get_object_or_404(consultation.sections.all(), order=order)
    if not rules.has_perm("participation.comment_consultation", request.user, consultation):
        raise PermissionDenied(_("Comments are taken only while the consultation is open, from signed-in "
                                 "participants."))
    form = CommentForm(request.POST, prefix=f"s{order}")
    if form.is_valid():
        try:
            comment = services.consultation_comment(by=request.user, section=section,
                                                    text=form.cleaned_data["text"], address=client_address(request))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Thank you. Your comment was received."))
            return redirect(comment)
    return consultation_detail(request, slug, bound_form=form, bound_order=order, status=400)


@require_POST
@login_required
def consultation_respond(request, slug):
    consultation = _consultation_or_404(slug)
    if not rules.has_perm("participation.organize", request.user):
        raise PermissionDenied(_("Only administrators answer consultations."))
    # Offer back only the comments that were ticked: a closed consultation may have thousands unanswered.
    ticked = [pk for pk in request.POST.getlist("comments") if pk.isdigit()]
    form = ConsultationResponseForm(request.POST, consultation=consultation, among=ticked)
    if form.is_valid():
        try:
            services.consultation_respond(by=request.user, consultation=consultation,
                                          comments=form.cleaned_data["comments"], text=form.cleaned_data["text"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The response is published."))
            return redirect(consultation)
    return render(request, "participation/consultation_respond.html",
                  {"consultation": consultation, "form": form}, status=400)


REPORT_COLUMNS = ["comment", "section_order", "section", "author", "comment_text", "submitted", "response_id",
                  "response"]


REPORT_PAGE_SIZE = 100


def _report_rows(comments):
    """The rows of REPORT_COLUMNS, read as plain values (no model instances: the CSV holds every comment)."""
    former = public_name(None)
    for pk, order, title, author, hidden, text, submitted, response_id, response in comments.values_list(
            "pk", "section__order", "section__title", "author__first_name", "hidden", "text", "created_at",
            "response_id", "response__text").iterator(chunk_size=2000):
        yield [pk, order, title, author or former, "" if hidden else text, submitted, response_id, response or ""]


def consultation_report(request, slug):
    """The summary report with every comment and its response: paginated in HTML and JSON, complete (and
    streamed) in CSV."""
    consultation = _consultation_or_404(slug)
    comments = selectors.consultation_comments(consultation=consultation)
    fmt = requested_format(request)
    if fmt == "csv":
        return csv_stream_twin(f"consultation-{consultation.slug}.csv", REPORT_COLUMNS,
                               _report_rows(comments))
    counts = selectors.consultation_comment_counts(consultation=consultation)
    paginator = Paginator(comments, REPORT_PAGE_SIZE)
    paginator.count = counts["total"]  # counted above, with the answered ones: not twice
    page = paginator.get_page(request.GET.get("page"))
    if fmt == "json":
        return json_twin({**_consultation_summary(consultation, timezone.now()), "summary": consultation.summary,
                          "summary_published_at": consultation.summary_published_at,
                          "comment_count": counts["total"], "answered": counts["answered"],
                          "page": page.number, "pages": page.paginator.num_pages,
                          "csv": f"{request.path}?format=csv",
                          "comments": [dict(zip(REPORT_COLUMNS, row, strict=True))
                                       for row in _report_rows(page.object_list)]})
    may_organize = rules.has_perm("participation.organize", request.user)
    phase = consultation.phase(timezone.now())
    form = SummaryForm(request.POST or None, initial={"summary": consultation.summary})
    if request.method == "POST":
        if not may_organize:
            raise PermissionDenied(_("Only administrators answer consultations."))
        if form.is_valid():
            try:
                services.consultation_publish_summary(by=request.user, consultation=consultation,
                                                      summary=form.cleaned_data["summary"])
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The summary report is published."))
                return redirect("participation:consultation_report", slug=consultation.slug)
    return render(request, "participation/consultation_report.html", {
        "consultation": consultation, "comments": page.object_list, "page": page, "counts": counts,
        "phase": phase, "summary_form": form if may_organize and phase == "closed" else None,
    }, status=400 if form.errors else 200)


# Moderation ----------------------------------------------------------------------------------------------

REPORTABLE = {"proposal": Proposal, "comment": ConsultationComment, "plan-comment": PlanComment}


def report(request, kind, pk):
    """Anyone, signed in or not, reports a contribution; a page of its own so that it works without JavaScript."""
    model = REPORTABLE.get(kind)
    if model is None:
        raise Http404
    target = get_object_or_404(model, pk=pk)
    back = target.get_absolute_url()
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.content_report(by=request.user, target=target, reason=form.cleaned_data["reason"],
                                    address=client_address(request))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Thank you. Moderators will review your report."))
            return redirect(back)
    return render(request, "participation/report.html", {"form": form, "back": back, "kind": kind},
                  status=400 if form.errors else 200)


def _require_moderator(request) -> None:
    if not rules.has_perm("participation.moderate", request.user):
        raise PermissionDenied(_("Only moderators see the moderation queue."))


@login_required
def moderation_queue(request):
    _require_moderator(request)
    decided = request.GET.get("decided") == "1"
    cases = selectors.moderation_queue(decided=decided)
    for case in cases:
        case.decision_form = DecisionForm(auto_id=f"case{case.pk}-%s")
    return render(request, "participation/moderation_queue.html", {"cases": cases, "decided": decided})


@require_POST
@login_required
def moderation_decide(request, pk):
    _require_moderator(request)
    case = get_object_or_404(ModerationCase, pk=pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            services.moderation_decide(by=request.user, case=case, keep=form.cleaned_data["decision"] == "keep",
                                       reason=form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The decision is recorded."))
    else:
        messages.error(request, _("Choose a decision and write its reason."))
    return redirect("participation:moderation")


@require_POST
@login_required
def participant_suspend(request, user_id):
    _require_moderator(request)
    user = get_object_or_404(get_user_model(), pk=user_id)
    form = SuspensionForm(request.POST)
    if form.is_valid():
        try:
            services.participant_suspend(by=request.user, user=user, suspended=form.cleaned_data["suspend"],
                                         reason=form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The participant is suspended.") if form.cleaned_data["suspend"]
                             else _("The suspension is lifted."))
    else:
        messages.error(request, _("Write the reason for the suspension."))
    return redirect("participation:moderation")


# The multi-stakeholder forum -----------------------------------------------------------------------------

def _meeting_data(m) -> dict:
    return {"id": m.pk, "date": m.date, "kind": m.kind, "plan": m.plan.slug if m.plan else None,
            "place": m.place, "link": m.link, "agenda": m.agenda, "url": m.get_absolute_url(),
            "attendees": [{"name": a.name, "institution": a.institution.acronym, "alternate": a.alternate_of_id
                           is not None} for a in m.attendees.all()]}


MEETING_COLUMNS = ["id", "date", "kind", "plan", "place", "link", "attendees", "civil_society_attendees", "url"]


def forum(request):
    members = list(selectors.forum_members())
    meetings = list(selectors.meeting_list())
    fmt = requested_format(request)
    if fmt == "json":
        return json_twin({
            "members": [{"id": m.pk, "name": m.name, "institution": m.institution.acronym,
                         "alternate_of": m.alternate_of_id, "since": m.since, "until": m.until}
                        for m in members],
            "meetings": [_meeting_data(m) for m in meetings]})
    if fmt == "csv":
        return csv_twin("forum-meetings.csv", MEETING_COLUMNS, (
            [m.pk, m.date, m.kind, m.plan.slug if m.plan else "", m.place, m.link, len(m.attendees.all()),
             sum(1 for a in m.attendees.all() if a.is_civil_society), m.get_absolute_url()] for m in meetings))
    return render(request, "participation/forum.html", {
        "members": members, "meetings": meetings, "plans": list(plan_selectors.plan_list())})


def meeting_detail(request, pk):
    try:
        meeting = selectors.meeting_get(pk=pk)
    except Meeting.DoesNotExist:
        raise Http404(_("There is no forum meeting number %(pk)s.") % {"pk": pk}) from None
    if requested_format(request) == "json":
        return json_twin({**_meeting_data(meeting), "minutes": meeting.minutes,
                          "decisions": [{"text": d.text, "owner": d.owner} for d in meeting.decisions.all()],
                          "documents": [_document_data(d) for d in meeting.documents.all()]})
    manager = rules.has_perm("participation.manage_forum", request.user)
    return render(request, "participation/meeting_detail.html", {
        "meeting": meeting, "document_form": MeetingDocumentForm() if manager else None,
        "remove_form": DocumentRemoveForm() if manager else None})


def _document_data(d) -> dict:
    return {"title": d.title, "url": d.public_url, "file_name": d.original_name or None,
            "content_type": d.content_type or None, "size": d.size, "sha256": d.sha256 or None}


def _require_forum_manager(request) -> None:
    if not rules.has_perm("participation.manage_forum", request.user):
        raise PermissionDenied(_("Only administrators keep the forum's records."))


@login_required
def forum_member_new(request):
    _require_forum_manager(request)
    form = ForumMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.forum_member_add(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The member is added."))
            return redirect("participation:forum")
    return render(request, "participation/forum_form.html", {"form": form, "title": _("Add a forum member")},
                  status=400 if form.errors else 200)


@login_required
def forum_member_edit(request, pk):
    """Correct a seat, change its alternate, or end the membership (its last day)."""
    _require_forum_manager(request)
    member = get_object_or_404(ForumMember.objects.select_related("institution"), pk=pk)
    initial = {"name": member.name, "institution": member.institution_id, "alternate_of": member.alternate_of_id,
               "since": member.since, "until": member.until}
    form = ForumMemberForm(request.POST or None, initial=initial, member=member)
    if request.method == "POST" and form.is_valid():
        try:
            services.forum_member_update(by=request.user, member=member, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The membership is updated."))
            return redirect(f"{reverse('participation:forum')}#members")
    return render(request, "participation/forum_form.html", {
        "form": form, "title": _("Forum seat of %(name)s") % {"name": member.name}},
        status=400 if form.errors else 200)


@require_POST
@login_required
def meeting_document_add(request, pk):
    _require_forum_manager(request)
    meeting = get_object_or_404(Meeting, pk=pk)
    form = MeetingDocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.meeting_document_add(by=request.user, meeting=meeting, title=form.cleaned_data["title"],
                                          url=form.cleaned_data["url"], upload=form.cleaned_data["file"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The document is added."))
            return redirect(f"{meeting.get_absolute_url()}#documents")
    return render(request, "participation/meeting_detail.html", {
        "meeting": selectors.meeting_get(pk=meeting.pk), "document_form": form, "remove_form": DocumentRemoveForm()},
        status=400)


@require_POST
@login_required
def meeting_document_remove(request, pk):
    _require_forum_manager(request)
    document = get_object_or_404(MeetingDocument.objects.select_related("meeting"), pk=pk)
    form = DocumentRemoveForm(request.POST)
    meeting_url = document.meeting.get_absolute_url()
    if form.is_valid():
        try:
            services.meeting_document_remove(by=request.user, document=document,
                                             reason=form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The document is removed; the log keeps what it was."))
    else:
        messages.error(request, _("Say why the document is removed."))
    return redirect(f"{meeting_url}#documents")


def meeting_document(request, pk):
    """An uploaded meeting document, served so that it can never run as a page of this site."""
    document = get_object_or_404(MeetingDocument.objects.exclude(file=""), pk=pk)
    return stored_file_response(document.file, content_type=document.content_type,
                                filename=document.original_name or "document")


@login_required
def meeting_new(request):
    _require_forum_manager(request)
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_record(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The meeting is recorded."))
            return redirect(meeting)
    return render(request, "participation/forum_form.html", {"form": form, "title": _("Record a forum meeting")},
                  status=400 if form.errors else 200)


@login_required
def meeting_edit(request, pk):
    _require_forum_manager(request)
    meeting = get_object_or_404(Meeting.objects.prefetch_related("attendees", "decisions", "documents"), pk=pk)
    initial = {
        "plan": meeting.plan_id, "date": meeting.date, "kind": meeting.kind, "place": meeting.place,
        "link": meeting.link, "agenda": meeting.agenda, "minutes": meeting.minutes,
        "attendees": list(meeting.attendees.all()),
        "decisions": "\n".join(f"{d.text} | {d.owner}" if d.owner else d.text for d in meeting.decisions.all()),
        "documents": "\n".join(f"{d.title} | {d.url}" for d in meeting.documents.all() if d.url),
    }
    form = MeetingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_record(by=request.user, meeting=meeting, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The meeting is updated."))
            return redirect(meeting)
    return render(request, "participation/forum_form.html", {"form": form, "title": _("Update the meeting record")},
                  status=400 if form.errors else 200)


def scorecard(request, slug):
    plan = _plan_or_404(slug)
    card = plan_scorecard(plan=plan, today=timezone.localdate())
    fmt = requested_format(request)
    if fmt == "json":
        return json_twin(card)
    if fmt == "csv":
        return csv_twin(f"ogp-scorecard-{plan.slug}.csv", ["code", "title", "met", "detail", "evidence"], (
            [c["code"], c["title"], "" if c["met"] is None else c["met"], c["detail"],
             " ".join(str(e["date"] or e["url"]) for e in c["evidence"])] for c in card["checks"]))
    return render(request, "participation/scorecard.html", {"plan": plan, "card": card})


# Feedback on the plan ------------------------------------------------------------------------------------

def _commitment_or_404(slug, number):
    plan = _plan_or_404(slug)
    return get_object_or_404(Commitment.objects.select_related("plan"), plan=plan, number=number)


def _comment_thread_data(comments) -> list[dict]:
    def one(c):
        return {"id": c.pk, "author": c.author_name, "hidden": c.hidden, "text": None if c.hidden else c.text,
                "submitted": c.created_at}
    return [{**one(c), "replies": [one(r) for r in c.replies.all()]} for c in comments]


def _plan_comments_page(request, commitment, milestone=None):
    here = (reverse("participation:milestone_comments", args=[commitment.plan.slug, milestone.number]) if milestone
            else reverse("participation:commitment_comments", args=[commitment.plan.slug, commitment.number]))
    may_comment = rules.has_perm("participation.comment_plan", request.user)
    bound = None
    if request.method == "POST":
        if not may_comment:
            raise PermissionDenied(_("Sign in with a participant account to comment."))
        parent_id = request.POST.get("parent") or None
        bound = PlanCommentForm(request.POST, auto_id=f"reply{parent_id}-%s" if parent_id else "id_%s")
        if bound.is_valid():
            parent = None
            if bound.cleaned_data["parent"]:
                parent = get_object_or_404(PlanComment, pk=bound.cleaned_data["parent"])
            try:
                comment = services.plan_comment_add(by=request.user, commitment=commitment, milestone=milestone,
                                                    parent=parent, text=bound.cleaned_data["text"],
                                                    address=client_address(request))
            except ValidationError as error:
                bound.add_error(None, error)
            else:
                messages.success(request, _("Thank you. Your comment is published."))
                return redirect(selectors.plan_comment_url(comment=comment))
    page = Paginator(selectors.plan_comments(commitment=commitment, milestone=milestone),
                     selectors.PLAN_COMMENTS_PER_PAGE).get_page(request.GET.get("page"))
    comments = list(page.object_list)
    if requested_format(request) == "json":
        return json_twin({"plan": commitment.plan.slug, "commitment": commitment.number,
                          "milestone": milestone.number if milestone else None, "count": page.paginator.count,
                          "page": page.number, "pages": page.paginator.num_pages,
                          "comments": _comment_thread_data(comments)})
    bound_parent = str(bound.data.get("parent") or "") if bound is not None else None
    if may_comment:
        for comment in comments:
            comment.reply_form = (bound if bound_parent == str(comment.pk)
                                  else PlanCommentForm(auto_id=f"reply{comment.pk}-%s", initial={"parent": comment.pk}))
    counts = selectors.comment_counts(commitment=commitment) if milestone is None else {}
    return render(request, "participation/plan_comments.html", {
        "commitment": commitment, "milestone": milestone, "plan": commitment.plan, "comments": comments,
        "form": (bound if bound is not None and not bound_parent else PlanCommentForm()) if may_comment else None,
        "here": here, "milestones": commitment.milestones.order_by("seq") if milestone is None else None,
        "counts": counts, "page": page,
    }, status=400 if bound is not None and bound.errors else 200)


def plan_comment_link(request, slug, pk):
    """A plan comment's permalink: the page of its commitment's (or milestone's) comments that shows it."""
    comment = get_object_or_404(PlanComment.objects.select_related("commitment__plan", "milestone", "parent"),
                                pk=pk, commitment__plan__slug=slug)
    return redirect(selectors.plan_comment_url(comment=comment))


def commitment_comments(request, slug, number):
    return _plan_comments_page(request, _commitment_or_404(slug, number))


def milestone_comments(request, slug, number):
    plan = _plan_or_404(slug)
    milestone = get_object_or_404(Milestone.objects.select_related("commitment__plan"),
                                  commitment__plan=plan, number=number)
    return _plan_comments_page(request, milestone.commitment, milestone)


@require_POST
def page_feedback(request):
    form = PageFeedbackForm(request.POST)
    target = request.POST.get("path", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts=None) or not target.startswith("/"):
        target = reverse("participation:index")
    if form.is_valid():
        try:
            services.page_feedback_record(path=form.cleaned_data["path"], useful=form.cleaned_data["useful"],
                                          comment=form.cleaned_data["comment"], user=request.user,
                                          address=client_address(request))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Thank you for your feedback."))
    else:
        messages.error(request, _("Choose «Yes» or «No» to send your feedback."))
    return redirect(target)


@login_required
def page_feedback_results(request):
    if not rules.has_perm("participation.see_feedback", request.user):
        raise PermissionDenied(_("Only administrators see the feedback."))
    return render(request, "participation/feedback_results.html", {"summary": selectors.page_feedback_summary()})
