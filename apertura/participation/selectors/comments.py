"""Reads of the feedback on the plan: comments on commitments and milestones, and «was this page useful?»."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, Prefetch, Q
from django.urls import reverse

from apertura.plans.models import Commitment, Milestone

from ..models import PageFeedback, PlanComment
from .paging import page_of

if TYPE_CHECKING:
    from django.core.paginator import Page
    from django.db.models import QuerySet

    from apertura.plans.models import Plan

PLAN_COMMENTS_PER_PAGE = 20  # threads (a comment with its replies) per page
FEEDBACK_COMMENTS_SHOWN = 200


def commitment_get(*, plan: Plan, number: int) -> Commitment:
    return Commitment.objects.select_related("plan").get(plan=plan, number=number)


def milestone_get(*, plan: Plan, number: str) -> Milestone:
    return Milestone.objects.select_related("commitment__plan").get(commitment__plan=plan, number=number)


def plan_comment_get(*, pk: int, plan_slug: str | None = None) -> PlanComment:
    """A comment on the plan (on the plan `plan_slug`, when given)."""
    comments = PlanComment.objects.select_related("commitment__plan", "milestone", "parent")
    if plan_slug is not None:
        comments = comments.filter(commitment__plan__slug=plan_slug)
    return comments.get(pk=pk)


def plan_comment_page(*, comment: PlanComment) -> int:
    """The page of its commitment's (or milestone's) comments that shows `comment`'s thread."""
    root = comment.parent or comment
    # django-stubs refuses None for milestone_id, which Django reads as IS NULL (a commitment's own comments).
    before = PlanComment.objects.filter(commitment_id=root.commitment_id, milestone_id=root.milestone_id,  # type: ignore[misc]
                                        parent=None).filter(
        Q(created_at__lt=root.created_at) | Q(created_at=root.created_at, id__lt=root.pk)).count()
    return before // PLAN_COMMENTS_PER_PAGE + 1


def plan_comments_url(*, commitment: Commitment, milestone: Milestone | None = None) -> str:
    """The page of the comments on a commitment (or on one of its milestones)."""
    if milestone is not None:
        return reverse("participation:milestone_comments", args=[commitment.plan.slug, milestone.number])
    return reverse("participation:commitment_comments", args=[commitment.plan.slug, commitment.number])


def plan_comment_url(*, comment: PlanComment) -> str:
    """Where `comment` is shown: the page of its commitment's (or milestone's) comments holding its thread."""
    url = plan_comments_url(commitment=comment.commitment, milestone=comment.milestone)
    page = plan_comment_page(comment=comment)
    return f"{url}{f'?page={page}' if page > 1 else ''}#comment-{comment.pk}"


def plan_comments(*, commitment: Commitment, milestone: Milestone | None = None) -> QuerySet[PlanComment]:
    """Top-level comments of a commitment's (or a milestone's) page, each with its replies, oldest first."""
    replies = PlanComment.objects.select_related("author").order_by("created_at", "id")
    return (PlanComment.objects.filter(commitment=commitment, milestone=milestone, parent=None)
            .select_related("author", "commitment__plan", "milestone")
            .prefetch_related(Prefetch("replies", queryset=replies)).order_by("created_at", "id"))


def plan_comments_page(*, commitment: Commitment, milestone: Milestone | None = None,
                       page: int | str | None) -> Page:
    """One page of `plan_comments`: PLAN_COMMENTS_PER_PAGE threads."""
    return page_of(plan_comments(commitment=commitment, milestone=milestone), page, per_page=PLAN_COMMENTS_PER_PAGE)


def comment_counts(*, commitment: Commitment) -> dict[str | None, int]:
    """Comments per milestone of a commitment (key None: the commitment itself)."""
    rows = (PlanComment.objects.filter(commitment=commitment).values("milestone__number")
            .annotate(n=Count("id")))
    return {r["milestone__number"]: r["n"] for r in rows}


def commitment_milestones(*, commitment: Commitment) -> QuerySet[Milestone]:
    return commitment.milestones.order_by("seq")


def page_feedback_summary() -> dict[str, list]:
    """Answers per page, the least useful first, and the latest comments."""
    rows = (PageFeedback.objects.values("path")
            .annotate(yes=Count("id", filter=Q(useful=True)), no=Count("id", filter=Q(useful=False)))
            .order_by("-no", "-yes", "path"))
    comments = list(PageFeedback.objects.exclude(comment="").values("path", "useful", "comment", "created_at")
                    [:FEEDBACK_COMMENTS_SHOWN])
    return {"pages": list(rows), "comments": comments}
