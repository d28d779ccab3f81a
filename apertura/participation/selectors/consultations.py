"""Reads of consultations: the list, one consultation with a page of comments per section, the report."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber
from django.urls import reverse

from ..models import Consultation, ConsultationComment, ConsultationSection, public_name
from .paging import page_of

if TYPE_CHECKING:
    from django.core.paginator import Page
    from django.db.models import QuerySet
    from django_stubs_ext import WithAnnotations

COMMENTS_PER_PAGE = 10
"""Comments shown per section and page of a consultation: the page stays light however many come in."""
REPORT_COMMENTS_PER_PAGE = 100
"""Comments shown per page of a consultation's report (its CSV holds them all)."""


class _Position(TypedDict):
    """What `_numbered` annotates each comment with (for the type checker)."""

    position: int


def consultation_list() -> QuerySet[Consultation]:
    return Consultation.objects.select_related("plan").annotate(comment_count=Count("sections__comments"))


def consultation_get(*, slug: str) -> Consultation:
    """One consultation (without its `comment_count`: the selectors below that need it count it their way)."""
    return Consultation.objects.select_related("plan").get(slug=slug)


def consultation_detail(*, slug: str) -> Consultation:
    """One consultation with its `section_list`: the sections, each with its `comment_count` (the API's)."""
    consultation: Any = consultation_get(slug=slug)
    consultation.section_list = list(consultation.sections.annotate(comment_count=Count("comments")).order_by("order"))
    consultation.comment_count = sum(section.comment_count for section in consultation.section_list)
    return consultation


def consultation_page(*, slug: str, section: int | None = None, page: int = 1) -> Consultation:
    """One consultation as its page shows it: its `section_list` is `consultation_sections`', and its
    `comment_count` theirs."""
    consultation: Any = consultation_get(slug=slug)
    consultation.section_list = consultation_sections(consultation=consultation, section=section, page=page)
    consultation.comment_count = sum(section.comment_count for section in consultation.section_list)
    return consultation


def consultation_section_get(*, consultation: Consultation, order: int) -> ConsultationSection:
    return consultation.sections.get(order=order)


def _numbered(consultation: Consultation) -> QuerySet[WithAnnotations[ConsultationComment, _Position]]:
    """The consultation's comments with their 1-based `position` in their section, oldest first. Numbered over
    ids only: the texts are read afterwards, for the few comments shown."""
    position = Window(RowNumber(), partition_by=[F("section_id")], order_by=[F("created_at").asc(), F("id").asc()])
    return ConsultationComment.objects.filter(section__consultation=consultation).annotate(position=position)


def consultation_sections(*, consultation: Consultation, section: int | None = None, page: int = 1) -> list:
    """The sections, each with `comment_count`, `page_count`, `page_number` and `page_comments`: page `page`
    of the section numbered `section`, the first page of the others. Three or four queries however many
    comments there are."""
    sections: list[Any]  # ConsultationSections, given the page attributes below
    sections = list(consultation.sections.annotate(comment_count=Count("comments")).order_by("order"))
    per_page = COMMENTS_PER_PAGE
    for item in sections:
        item.page_count = max(1, -(-item.comment_count // per_page))
        item.page_number = min(max(page, 1), item.page_count) if item.order == section else 1
        item.page_comments = []
    first_pages = _numbered(consultation).filter(position__lte=per_page)
    chosen = next((item for item in sections if item.order == section and item.page_number > 1), None)
    if chosen is not None:
        offset = (chosen.page_number - 1) * per_page
        first_pages = first_pages.exclude(section=chosen)
    positions = dict(first_pages.values_list("pk", "position"))
    if chosen is not None:
        positions |= dict(_numbered(consultation).filter(section=chosen, position__gt=offset,
                                                         position__lte=offset + per_page).values_list("pk", "position"))
    by_id = {item.pk: item for item in sections}
    comment: Any  # given its `position`
    for comment in (ConsultationComment.objects.filter(pk__in=positions).select_related("author", "response")
                    .order_by("created_at", "id")):
        comment.position = positions[comment.pk]
        comment.section = by_id[comment.section_id]  # the section read above (and, through it, the consultation)
        by_id[comment.section_id].page_comments.append(comment)
    return sections


def consultation_comment_get(*, slug: str, pk: int) -> ConsultationComment:
    return ConsultationComment.objects.select_related("section__consultation").get(
        pk=pk, section__consultation__slug=slug)


def consultation_comment_page(*, comment: ConsultationComment) -> int:
    """The page of its section that shows `comment`."""
    before = ConsultationComment.objects.filter(section_id=comment.section_id).filter(
        Q(created_at__lt=comment.created_at) | Q(created_at=comment.created_at, id__lt=comment.pk)).count()
    return before // COMMENTS_PER_PAGE + 1


def consultation_comment_counts(*, consultation: Consultation) -> dict[str, int]:
    return ConsultationComment.objects.filter(section__consultation=consultation).aggregate(
        total=Count("id"), answered=Count("id", filter=Q(response__isnull=False)))


def consultation_comments(*, consultation: Consultation, section: int | None = None) -> QuerySet[ConsultationComment]:
    """Every comment of the consultation (of its section numbered `section`, when given) with its response, in the
    document's order: the report's."""
    comments = (ConsultationComment.objects.filter(section__consultation=consultation)
                .select_related("section__consultation", "author", "response")
                .order_by("section__order", "created_at", "id"))
    return comments if section is None else comments.filter(section__order=section)


def consultation_comment_csv_records(*, consultation: Consultation) -> Iterator[dict]:
    """Every comment of the consultation as CommentOut gives it, for the columns of the report's streamed CSV
    (schemas.COMMENT_COLUMNS), read as plain values (no model instances: the CSV holds every comment).
    tests/participation/test_consultations.py checks that every column says what the JSON says."""
    url = reverse("participation:consultation_comment_link", args=[consultation.slug, 0])[:-2] + "{}/"
    former = public_name(None)
    for pk, order, title, author, hidden, text, submitted, response_id, response, answered in (
            consultation_comments(consultation=consultation).values_list(
                "pk", "section__order", "section__title", "author__first_name", "hidden", "text", "created_at",
                "response_id", "response__text", "response__created_at").iterator(chunk_size=2000)):
        yield {"id": pk, "section": order, "section_title": title, "author": author or former, "hidden": hidden,
               "text": None if hidden else text, "submitted": submitted,
               "response": None if response_id is None else {"id": response_id, "text": response,
                                                             "answered": answered},
               "url": url.format(pk)}


def consultation_report_page(*, consultation: Consultation, page: int | str | None) -> tuple[Page, dict[str, int]]:
    """One page of the report's comments (REPORT_COMMENTS_PER_PAGE a page) and the comments' counts (`total`,
    `answered`), counted once for both (and for the consultation's `comment_count`, which this sets)."""
    counts = consultation_comment_counts(consultation=consultation)
    counted: Any = consultation  # given the `comment_count` its record shows
    counted.comment_count = counts["total"]
    return (page_of(consultation_comments(consultation=consultation), page, per_page=REPORT_COMMENTS_PER_PAGE,
                    count=counts["total"]), counts)
