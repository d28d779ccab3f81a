"""Consultations: the list, a document with a page of comments per section, commenting, the organizers'
responses and the summary report with every comment."""

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apertura.common.forms import form_status, submitted
from apertura.common.records import as_json, as_json_list, csv_row
from apertura.common.twins import csv_stream_twin, json_twin, requested_format
from apertura.notifications.selectors import is_following

from .. import selectors, services
from ..forms import CommentForm, ConsultationForm, ConsultationResponseForm, SummaryForm
from ..limits import client_address
from ..schemas import COMMENT_COLUMNS, CommentOut, ConsultationOut, ConsultationPageOut
from .common import consultation_or_404, form_for, found, page_number, section_number

def consultation_list(request):
    consultations = list(selectors.consultation_list())
    if requested_format(request) == "json":
        return json_twin({"consultations": as_json_list(ConsultationOut, consultations)})
    now = timezone.now()
    for consultation in consultations:
        consultation.current_phase = consultation.phase(now)
    return render(request, "participation/consultation_list.html", {"consultations": consultations})


@login_required
def consultation_new(request):
    form = ConsultationForm(request.POST or None)
    done = submitted(request, form, lambda data: services.consultation_create(by=request.user, **data))
    if done is not None:
        messages.success(request, _("The consultation is published."))
        return redirect(done.value)
    form_for(request, "participation.organize", why=_("Only administrators organize consultations."))
    return render(request, "participation/consultation_form.html", {"form": form}, status=form_status(form))


def consultation_detail(request, slug, *, bound_form=None, bound_order=None):
    """The document with each section's comment count and one page of its comments (`?section=<order>&page=N`
    pages one section; the others show their first page). With `bound_form`, the comment form of section
    `bound_order` as it was sent, with its errors."""
    chosen = bound_order or section_number(request)
    consultation = consultation_or_404(slug, section=chosen, page=page_number(request))
    sections = consultation.section_list
    if requested_format(request) == "json":
        return json_twin(as_json(ConsultationPageOut, consultation))
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
    may_organize = rules.has_perm("participation.organize", request.user, consultation)
    phase = consultation.phase(timezone.now())
    shown = [c.pk for s in sections for c in s.page_comments]
    response = render(request, "participation/consultation_detail.html", {
        "consultation": consultation, "sections": sections, "phase": phase, "may_comment": may_comment,
        "following": is_following(user=request.user, target=consultation),
        "response_form": (ConsultationResponseForm(consultation=consultation, among=shown)
                          if may_organize and phase == "closed" else None),
    }, status=form_status(bound_form) if bound_form is not None else 200)
    patch_vary_headers(response, ["HX-Request"])
    return response


def consultation_comment_link(request, slug, pk):
    """A comment's permalink: the page of its section that shows it."""
    comment = found(selectors.consultation_comment_get, slug=slug, pk=pk)
    page = selectors.consultation_comment_page(comment=comment)
    return redirect(f"{comment.section.consultation.get_absolute_url()}?section={comment.section.order}"
                    f"&page={page}#comment-{comment.pk}")


@require_POST
@login_required
def consultation_comment(request, slug, order):
    consultation = consultation_or_404(slug)
    section = found(selectors.consultation_section_get, consultation=consultation, order=order)
    form = CommentForm(request.POST, prefix=f"s{order}")
    done = submitted(request, form, lambda data: services.consultation_comment(
        by=request.user, section=section, text=data["text"], address=client_address(request)))
    if done is not None:
        messages.success(request, _("Thank you. Your comment was received."))
        return redirect(done.value)
    form_for(request, "participation.comment_consultation", consultation,
             why=_("Comments are taken only while the consultation is open, from signed-in participants."))
    return consultation_detail(request, slug, bound_form=form, bound_order=order)


@require_POST
@login_required
def consultation_respond(request, slug):
    consultation = consultation_or_404(slug)
    # Offer back only the comments that were ticked: a closed consultation may have thousands unanswered.
    ticked = [pk for pk in request.POST.getlist("comments") if pk.isdigit()]
    form = ConsultationResponseForm(request.POST, consultation=consultation, among=ticked)
    done = submitted(request, form, lambda data: services.consultation_respond(
        by=request.user, consultation=consultation, comments=data["comments"], text=data["text"]))
    if done is not None:
        messages.success(request, _("The response is published."))
        return redirect(consultation)
    form_for(request, "participation.organize", consultation, why=_("Only administrators answer consultations."))
    return render(request, "participation/consultation_respond.html",
                  {"consultation": consultation, "form": form}, status=form_status(form))


def consultation_report(request, slug):
    """The summary report with every comment and its response: paginated in HTML and JSON, complete (and
    streamed) in CSV."""
    consultation = consultation_or_404(slug)
    fmt = requested_format(request)
    if fmt == "csv":
        records = selectors.consultation_comment_csv_records(consultation=consultation)
        return csv_stream_twin(f"consultation-{consultation.slug}.csv", COMMENT_COLUMNS,
                               (csv_row(record, COMMENT_COLUMNS) for record in records))
    page, counts = selectors.consultation_report_page(consultation=consultation, page=request.GET.get("page"))
    if fmt == "json":
        return json_twin({**as_json(ConsultationOut, consultation), "answered": counts["answered"],
                          "page": page.number, "pages": page.paginator.num_pages,
                          "csv": f"{request.path}?format=csv",
                          "comments": as_json_list(CommentOut, page.object_list)})
    form = SummaryForm(request.POST or None, initial={"summary": consultation.summary})
    done = submitted(request, form, lambda data: services.consultation_publish_summary(
        by=request.user, consultation=consultation, summary=data["summary"]))
    if done is not None:
        messages.success(request, _("The summary report is published."))
        return redirect("participation:consultation_report", slug=consultation.slug)
    may_organize = rules.has_perm("participation.organize", request.user, consultation)
    if form.is_bound:
        form_for(request, "participation.organize", consultation, why=_("Only administrators answer consultations."))
    phase = consultation.phase(timezone.now())
    return render(request, "participation/consultation_report.html", {
        "consultation": consultation, "comments": page.object_list, "page": page, "counts": counts,
        "phase": phase, "summary_form": form if may_organize and phase == "closed" else None,
    }, status=form_status(form))
