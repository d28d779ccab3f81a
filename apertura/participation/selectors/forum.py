"""Reads of the multi-stakeholder forum: its seats, its meetings and their documents."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count

from ..models import ForumMember, Meeting, MeetingDocument

if TYPE_CHECKING:
    from django.db.models import QuerySet


def forum_members() -> QuerySet[ForumMember]:
    """Every seat, by institution, full members before their alternates, with `attended` (meetings)."""
    return ForumMember.objects.select_related("institution", "alternate_of").annotate(
        attended=Count("meetings"))


def forum_member_get(*, pk: int) -> ForumMember:
    return ForumMember.objects.select_related("institution").get(pk=pk)


def meeting_list(*, plan_slug: str = "", records: bool = False) -> QuerySet[Meeting]:
    """The meetings, latest first, with their attendance; with `records`, also their decisions and documents
    (what their JSON record holds, which the HTML list does not show)."""
    meetings = (Meeting.objects.select_related("plan").prefetch_related("attendees__institution")
                .annotate(decision_count=Count("decisions", distinct=True)))
    if plan_slug:
        meetings = meetings.filter(plan__slug=plan_slug)
    return meetings.prefetch_related("decisions", "documents") if records else meetings


def meeting_get(*, pk: int) -> Meeting:
    return (Meeting.objects.select_related("plan")
            .prefetch_related("attendees__institution", "decisions", "documents").get(pk=pk))


def meeting_document_get(*, pk: int, uploaded: bool = False) -> MeetingDocument:
    """A meeting's document (one uploaded here, with `uploaded`), with its meeting."""
    documents = MeetingDocument.objects.select_related("meeting")
    return (documents.exclude(file="") if uploaded else documents).get(pk=pk)
