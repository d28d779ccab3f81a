"""The multi-stakeholder forum: its members and meetings (public), keeping their records (administrators), and
the OGP minimum-requirements scorecard computed from them."""

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apertura.common.forms import form_status, submitted
from apertura.common.records import as_json, csv_row
from apertura.common.twins import csv_twin, json_twin, requested_format
from apertura.common.uploads import stored_file_response
from apertura.plans import selectors as plan_selectors

from .. import selectors, services
from ..forms import DocumentRemoveForm, ForumMemberForm, MeetingDocumentForm, MeetingForm
from ..models import Meeting
from ..schemas import CHECK_COLUMNS, MEETING_COLUMNS, ForumOut, MeetingOut, ScorecardOut
from ..scorecard import plan_scorecard
from .common import form_errors, form_for, found, found_for, plan_or_404

KEEPER = "participation.manage_forum"


def _keepers_only() -> str:
    return _("Only administrators keep the forum's records.")


def forum(request):
    fmt = requested_format(request)
    members = list(selectors.forum_members())
    meetings = list(selectors.meeting_list(records=fmt != "html"))
    if fmt == "json":
        return json_twin(as_json(ForumOut, {"members": members, "meetings": meetings}))
    if fmt == "csv":
        return csv_twin("forum-meetings.csv", MEETING_COLUMNS,
                        (csv_row(as_json(MeetingOut, m), MEETING_COLUMNS) for m in meetings))
    return render(request, "participation/forum.html", {
        "members": members, "meetings": meetings, "plans": list(plan_selectors.plan_list())})


def meeting_detail(request, pk):
    try:
        meeting = selectors.meeting_get(pk=pk)
    except Meeting.DoesNotExist:
        raise Http404(_("There is no forum meeting number %(pk)s.") % {"pk": pk}) from None
    if requested_format(request) == "json":
        return json_twin(as_json(MeetingOut, meeting))
    keeper = rules.has_perm(KEEPER, request.user)
    return render(request, "participation/meeting_detail.html", {
        "meeting": meeting, "document_form": MeetingDocumentForm() if keeper else None,
        "remove_form": DocumentRemoveForm() if keeper else None})


@login_required
def forum_member_new(request):
    form = ForumMemberForm(request.POST or None)
    done = submitted(request, form, lambda data: services.forum_member_add(by=request.user, **data))
    if done is not None:
        messages.success(request, _("The member is added."))
        return redirect("participation:forum")
    form_for(request, KEEPER, why=_keepers_only())
    return render(request, "participation/forum_form.html", {"form": form, "title": _("Add a forum member")},
                  status=form_status(form))


@login_required
def forum_member_edit(request, pk):
    """Correct a seat, change its alternate, or end the membership (its last day)."""
    member = found_for(request, KEEPER, selectors.forum_member_get, pk=pk, why=_keepers_only())
    initial = {"name": member.name, "institution": member.institution_id, "alternate_of": member.alternate_of_id,
               "since": member.since, "until": member.until}
    form = ForumMemberForm(request.POST or None, initial=initial, member=member)
    done = submitted(request, form, lambda data: services.forum_member_update(by=request.user, member=member,
                                                                              **data))
    if done is not None:
        messages.success(request, _("The membership is updated."))
        return redirect(f"{reverse('participation:forum')}#members")
    form_for(request, KEEPER, member, why=_keepers_only())
    return render(request, "participation/forum_form.html", {
        "form": form, "title": _("Forum seat of %(name)s") % {"name": member.name}}, status=form_status(form))


@require_POST
@login_required
def meeting_document_add(request, pk):
    meeting = found_for(request, KEEPER, selectors.meeting_get, pk=pk, why=_keepers_only())
    form = MeetingDocumentForm(request.POST, request.FILES)
    done = submitted(request, form, lambda data: services.meeting_document_add(
        by=request.user, meeting=meeting, title=data["title"], url=data["url"], upload=data["file"]))
    if done is not None:
        messages.success(request, _("The document is added."))
        return redirect(f"{meeting.get_absolute_url()}#documents")
    form_for(request, KEEPER, meeting, why=_keepers_only())
    return render(request, "participation/meeting_detail.html", {
        "meeting": meeting, "document_form": form, "remove_form": DocumentRemoveForm()}, status=form_status(form))


@require_POST
@login_required
def meeting_document_remove(request, pk):
    document = found_for(request, KEEPER, selectors.meeting_document_get, pk=pk, why=_keepers_only())
    meeting_url = document.meeting.get_absolute_url()
    form = DocumentRemoveForm(request.POST)
    valid = form.is_valid()
    done = submitted(request, form, lambda data: services.meeting_document_remove(
        by=request.user, document=document, reason=data["reason"]))
    if done is not None:
        messages.success(request, _("The document is removed; the log keeps what it was."))
    else:
        form_for(request, KEEPER, document, why=_keepers_only())
        messages.error(request, form_errors(form) if valid else _("Say why the document is removed."))
    return redirect(f"{meeting_url}#documents")


def meeting_document(request, pk):
    """An uploaded meeting document, served so that it can never run as a page of this site."""
    document = found(selectors.meeting_document_get, pk=pk, uploaded=True)
    return stored_file_response(document.file, content_type=document.content_type,
                                filename=document.original_name or "document")


@login_required
def meeting_new(request):
    form = MeetingForm(request.POST or None)
    done = submitted(request, form, lambda data: services.meeting_record(by=request.user, **data))
    if done is not None:
        messages.success(request, _("The meeting is recorded."))
        return redirect(done.value)
    form_for(request, KEEPER, why=_keepers_only())
    return render(request, "participation/forum_form.html", {"form": form, "title": _("Record a forum meeting")},
                  status=form_status(form))


@login_required
def meeting_edit(request, pk):
    meeting = found_for(request, KEEPER, selectors.meeting_get, pk=pk, why=_keepers_only())
    initial = {
        "plan": meeting.plan_id, "date": meeting.date, "kind": meeting.kind, "place": meeting.place,
        "link": meeting.link, "agenda": meeting.agenda, "minutes": meeting.minutes,
        "attendees": list(meeting.attendees.all()),
        "decisions": "\n".join(f"{d.text} | {d.owner}" if d.owner else d.text for d in meeting.decisions.all()),
        "documents": "\n".join(f"{d.title} | {d.url}" for d in meeting.documents.all() if d.url),
    }
    form = MeetingForm(request.POST or None, initial=initial)
    done = submitted(request, form, lambda data: services.meeting_record(by=request.user, meeting=meeting, **data))
    if done is not None:
        messages.success(request, _("The meeting is updated."))
        return redirect(meeting)
    form_for(request, KEEPER, meeting, why=_keepers_only())
    return render(request, "participation/forum_form.html", {"form": form, "title": _("Update the meeting record")},
                  status=form_status(form))


def scorecard(request, slug):
    plan = plan_or_404(slug)
    card = plan_scorecard(plan=plan, today=timezone.localdate())
    fmt = requested_format(request)
    if fmt == "json":
        return json_twin(as_json(ScorecardOut, card))
    if fmt == "csv":
        checks = as_json(ScorecardOut, card)["checks"]
        return csv_twin(f"ogp-scorecard-{plan.slug}.csv", CHECK_COLUMNS, (csv_row(c, CHECK_COLUMNS) for c in checks))
    return render(request, "participation/scorecard.html", {"plan": plan, "card": card})
