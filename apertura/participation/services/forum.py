"""The multi-stakeholder forum's records: its seats, its meetings (attendance, minutes, decisions) and their
documents."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from apertura.accounts.permissions import require
from apertura.audit.services import audit_record
from apertura.common.uploads import check_upload

from ..limits import limit
from ..models import ForumMember, Meeting, MeetingDecision, MeetingDocument

if TYPE_CHECKING:
    import datetime as dt

    from django.contrib.auth.models import User as AuthUser
    from django.core.files.uploadedfile import UploadedFile

    from apertura.institutions.models import Institution
    from apertura.plans.models import Plan


def forum_member_add(*, by: AuthUser, name: str, institution: Institution, since: dt.date,
                     alternate_of: ForumMember | None = None, until: dt.date | None = None) -> ForumMember:
    require("participation.manage_forum", by=by, why=_("Only administrators keep the forum's records."))
    member = ForumMember(name=(name or "").strip(), institution=institution, since=since, until=until,
                         alternate_of=alternate_of)
    member.full_clean()
    _check_seat(member)
    with transaction.atomic():
        member.save()
        audit_record(action="forum.member_add", obj_type="forum_member", obj_id=member.pk, actor=by,
                     summary=f"{member.name} joined the forum for {institution.acronym}"
                             + (" as an alternate" if alternate_of else ""),
                     data={"institution": institution.acronym, "since": str(since),
                           "alternate_of": alternate_of.pk if alternate_of else None})
    return member


def _check_seat(member: ForumMember) -> None:
    """The rules of a seat: an alternate stands in for a full member of the same institution, and a membership
    ends after it starts."""
    problems = {}
    principal = member.alternate_of
    if principal is not None:
        if principal.pk == member.pk or principal.alternate_of_id is not None:
            problems["alternate_of"] = [_("An alternate stands in for a full member, not for another alternate.")]
        elif principal.institution_id != member.institution_id:
            problems["alternate_of"] = [_("An alternate represents the same institution.")]
        elif member.pk and member.alternates.exists():
            problems["alternate_of"] = [_("This member has alternates of their own, so cannot be an alternate.")]
    if member.pk and member.alternates.exclude(institution_id=member.institution_id).exists():
        problems["institution"] = [_("This member's alternates represent another institution: change theirs "
                                     "first, or end their seats.")]
    if member.until is not None and member.until < member.since:
        problems["until"] = [_("A membership ends after it starts.")]
    if problems:
        raise ValidationError(problems)


def _seat_data(member: ForumMember) -> dict:
    return {"name": member.name, "institution": member.institution.acronym, "since": str(member.since),
            "until": str(member.until) if member.until else None, "alternate_of": member.alternate_of_id}


def forum_member_update(*, by: AuthUser, member: ForumMember, name: str, institution: Institution, since: dt.date,
                        until: dt.date | None = None, alternate_of: ForumMember | None = None) -> ForumMember:
    """Correct or change a seat (name, institution, alternate, dates). Ending a full member's membership ends
    that of their alternates still seated after it, on the same date."""
    require("participation.manage_forum", by=by, obj=member, why=_("Only administrators keep the forum's records."))
    with transaction.atomic():
        member = ForumMember.objects.select_for_update().select_related("institution").get(pk=member.pk)
        before = _seat_data(member)
        member.name, member.institution, member.since = (name or "").strip(), institution, since
        member.until, member.alternate_of = until, alternate_of
        member.full_clean()
        _check_seat(member)
        member.save()
        ended = []
        if until is not None:
            for alternate in member.alternates.filter(Q(until=None) | Q(until__gt=until)):
                alternate.until = until
                alternate.save(update_fields=["until"])
                ended.append(alternate.pk)
        audit_record(action="forum.member_update", obj_type="forum_member", obj_id=member.pk, actor=by,
                     summary=f"Forum seat of {member.name} ({institution.acronym}) updated"
                             + (f"; membership ends {until}" if until else ""),
                     data={"before": before, "after": _seat_data(member), "alternates_ended": ended})
    return member


def meeting_record(*, by: AuthUser, date: dt.date, kind: str, agenda: str, place: str = "", link: str = "",
                   minutes: str = "", attendees: Iterable[ForumMember] = (),
                   decisions: Iterable[tuple[str, str | None]] = (), documents: Iterable[tuple[str, str]] = (),
                   plan: Plan | None = None, meeting: Meeting | None = None) -> Meeting:
    """Record a forum meeting with its attendance, decisions (text, owner) and linked documents (title, link);
    given `meeting`, update it (minutes usually come after the meeting), replacing its attendance, decisions and
    linked documents with those given. Uploaded documents stay: they come and go with meeting_document_add
    and meeting_document_remove."""
    require("participation.manage_forum", by=by, obj=meeting, why=_("Only administrators keep the forum's records."))
    creating = meeting is None
    if meeting is None:
        meeting = Meeting(created_by=by)
    meeting.plan, meeting.date, meeting.kind = plan, date, kind
    meeting.agenda, meeting.place = (agenda or "").strip(), (place or "").strip()
    meeting.link, meeting.minutes = (link or "").strip(), (minutes or "").strip()
    meeting.full_clean()
    if not meeting.place and not meeting.link:
        raise ValidationError({"place": [_("Say where the meeting is: a place, a link, or both.")]})
    decision_rows = [MeetingDecision(text=t.strip(), owner=(o or "").strip()) for t, o in decisions if t.strip()]
    document_rows = [MeetingDocument(title=t.strip(), url=u.strip()) for t, u in documents]
    for row in decision_rows + document_rows:
        row.full_clean(exclude=["meeting"])
    with transaction.atomic():
        meeting.save()
        meeting.attendees.set(attendees)
        meeting.decisions.all().delete()
        meeting.documents.filter(file="").delete()
        for row in decision_rows + document_rows:
            row.meeting = meeting
            row.save()
        audit_record(action="forum.meeting" if creating else "forum.meeting_update", obj_type="meeting",
                     obj_id=meeting.pk, actor=by,
                     summary=f"Forum meeting of {date} {'recorded' if creating else 'updated'} ({kind})",
                     data={"date": str(date), "kind": kind, "attendees": [a.pk for a in attendees],
                           "minutes": meeting.minutes, "decisions": [[d.text, d.owner] for d in decision_rows],
                           "documents": [[d.title, d.url] for d in document_rows]})
    return meeting


def meeting_document_add(*, by: AuthUser, meeting: Meeting, title: str, url: str = "",
                         upload: UploadedFile | None = None) -> MeetingDocument:
    """Attach a document to a meeting: a link, or a file checked for its real type and size."""
    require("participation.manage_forum", by=by, obj=meeting, why=_("Only administrators keep the forum's records."))
    url, title = (url or "").strip(), (title or "").strip()
    if bool(url) == bool(upload):
        raise ValidationError(_("Give either a file or a link."))
    document = MeetingDocument(meeting=meeting, title=title or ((upload.name or "") if upload else url)[:300], url=url)
    if upload is not None:
        checked = check_upload(upload, max_bytes=limit("APERTURA_PARTICIPATION_DOCUMENT_MAX_MB") * 1024 * 1024)
        assert upload.name is not None  # Django names every uploaded file
        document.original_name = upload.name[:255]
        document.content_type, document.size, document.sha256 = checked.content_type, checked.size, checked.sha256
    document.full_clean(exclude=["file"])
    with transaction.atomic():
        if upload is not None:
            document.file.save(upload.name, upload, save=False)
        document.save()
        audit_record(action="forum.document_add", obj_type="meeting", obj_id=meeting.pk, actor=by,
                     summary=f"Document «{document.title}» added to the forum meeting of {meeting.date}",
                     data={"document": document.pk, "url": url, "file": document.original_name,
                           "sha256": document.sha256, "size": document.size})
    return document


def meeting_document_remove(*, by: AuthUser, document: MeetingDocument, reason: str) -> None:
    """Take a document off a meeting. The audit log keeps what it was, with its SHA-256, and why."""
    require("participation.manage_forum", by=by, obj=document, why=_("Only administrators keep the forum's records."))
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationError({"reason": [_("Say why the document is removed.")]})
    with transaction.atomic():
        storage, stored = (document.file.storage, document.file.name) if document.file else (None, "")
        audit_record(action="forum.document_remove", obj_type="meeting", obj_id=document.meeting_id, actor=by,
                     summary=f"Document «{document.title}» removed from a forum meeting",
                     data={"document": document.pk, "title": document.title, "url": document.url,
                           "file": document.original_name, "sha256": document.sha256, "reason": reason})
        document.delete()
        if storage is not None and stored:
            transaction.on_commit(lambda: storage.delete(stored))
