"""Reads shared by the participation pages and their JSON/CSV twins."""

from collections import Counter
from typing import TYPE_CHECKING, Any, TypedDict

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, F, OuterRef, Prefetch, Q, Subquery, Window
from django.db.models.functions import Coalesce, RowNumber
from django.urls import reverse

from apertura.notifications.models import Follow, Notification

from apertura.geo.regions import DEPARTMENTS
from .models import (
    CLOSED_STATUSES, Consultation, ConsultationComment, Flag, ForumMember, Meeting, ModerationCase, ModerationStatus,
    PageFeedback, Participant, PlanComment, Proposal, ProposalStatus, Support,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User
    from django.db.models import Model, QuerySet
    from django_stubs_ext import WithAnnotations

    from apertura.plans.models import Commitment, Milestone, Plan


class _Position(TypedDict):
    """What `_numbered` annotates each comment with (for the type checker)."""

    position: int


def _support_count() -> Coalesce:
    # A correlated count, not Count("supports"): that one groups every proposal of the plan by all its
    # selected columns (long texts included) before a page of 50 is taken.
    supports = (Support.objects.filter(proposal=OuterRef("pk")).order_by().values("proposal")
                .annotate(n=Count("*")).values("n"))
    return Coalesce(Subquery(supports), 0)


def proposal_list(*, plan: "Plan", status: str = "", theme: str = "", department: str = "") -> "QuerySet[Proposal]":
    queryset = (Proposal.objects.filter(plan=plan)
                .select_related("plan", "author", "theme", "institution", "commitment", "milestone")
                .annotate(support_count=_support_count()).order_by("-created_at", "-id"))
    if status in ProposalStatus.values:
        queryset = queryset.filter(status=status)
    if theme:
        queryset = queryset.filter(theme__code=theme)
    if department:
        queryset = queryset.filter(department=department)
    return queryset


def proposal_get(*, pk: int) -> Proposal:
    return (Proposal.objects.select_related("plan", "author", "theme", "institution", "commitment__plan",
                                            "milestone__commitment__plan", "merged_into", "responded_by")
            .prefetch_related("events").annotate(support_count=_support_count()).get(pk=pk))


def proposal_supported_by(*, proposal: Proposal, user: "User | AnonymousUser") -> bool:
    return user.is_authenticated and Support.objects.filter(proposal=proposal, user=user).exists()


def inputs_dashboard(*, plan: "Plan") -> dict:
    """How many inputs were received, answered (a published response) and adopted, in all and by theme and
    department: one grouped query."""
    rows = (Proposal.objects.filter(plan=plan)
            .values("theme__code", "theme__title", "department", "status")
            .annotate(n=Count("id"), answered=Count("id", filter=~Q(response=""))))
    totals: Counter[str] = Counter()
    by_theme: dict[str, Counter[str]] = {}
    by_department: dict[str, Counter[str]] = {}
    theme_titles: dict[str, str] = {}
    for row in rows:
        counts = Counter(received=row["n"], answered=row["answered"],
                         adopted=row["n"] if row["status"] == ProposalStatus.INCORPORATED else 0,
                         closed=row["n"] if row["status"] in CLOSED_STATUSES else 0)
        totals.update(counts)
        code = row["theme__code"] or ""
        theme_titles[code] = row["theme__title"] or ""
        by_theme.setdefault(code, Counter()).update(counts)
        by_department.setdefault(row["department"] or "", Counter()).update(counts)
    keys = ("received", "answered", "adopted", "closed")

    def as_row(counter: Counter[str]) -> dict[str, int]:
        return {k: counter.get(k, 0) for k in keys}

    department_order = [code for code, _name in DEPARTMENTS if code in by_department]
    if "" in by_department:
        department_order.append("")
    return {
        "totals": as_row(totals),
        "by_theme": [{"theme": code, "title": theme_titles[code], **as_row(by_theme[code])}
                     for code in sorted(by_theme, key=lambda c: (c == "", theme_titles[c]))],
        "by_department": [{"department": code, "name": dict(DEPARTMENTS).get(code, ""),
                           **as_row(by_department[code])} for code in department_order],
    }


def participant_data(*, user: "User") -> dict:
    """Everything the platform keeps about a person, for them to download."""
    participant = Participant.objects.filter(user=user).first()
    return {
        "account": {"username": user.get_username(), "display_name": user.first_name, "email": user.email,
                    "affiliation": participant.affiliation if participant else "",
                    "date_joined": user.date_joined, "last_login": user.last_login,
                    "suspended_at": participant.suspended_at if participant else None},
        "roles": [{"kind": kind, "institution": inst}
                  for kind, inst in user.roles.values_list("kind", "institution__acronym")],
        "proposals": [{"id": p.pk, "plan": p.plan.slug, "title": p.title, "problem": p.problem,
                       "proposal": p.proposal, "status": p.status, "response": p.response,
                       "created_at": p.created_at, "url": p.get_absolute_url()}
                      for p in Proposal.objects.filter(author=user).select_related("plan")],
        "consultation_comments": [{"id": c.pk, "consultation": c.section.consultation.slug,
                                   "section": c.section.title, "text": c.text, "created_at": c.created_at}
                                  for c in ConsultationComment.objects.filter(author=user)
                                  .select_related("section__consultation")],
        "plan_comments": [{"id": c.pk, "plan": c.commitment.plan.slug, "commitment": c.commitment.number,
                           "milestone": c.milestone.number if c.milestone else None, "reply_to": c.parent_id,
                           "text": c.text, "created_at": c.created_at}
                          for c in PlanComment.objects.filter(author=user)
                          .select_related("commitment__plan", "milestone")],
        "reports": [{"id": f.pk, "reason": f.reason, "created_at": f.created_at}
                    for f in Flag.objects.filter(reporter=user)],
        "supports": [{"proposal": s.proposal_id, "created_at": s.created_at}
                     for s in Support.objects.filter(user=user)],
        "follows": [{"type": f.content_type.model, "id": f.object_id, "created_at": f.created_at}
                    for f in Follow.objects.filter(user=user).select_related("content_type")],
        "notifications": [{"title": n.title, "body": n.body, "url": n.url, "created_at": n.created_at,
                           "read_at": n.read_at} for n in Notification.objects.filter(user=user)],
    }


def consultation_list() -> "QuerySet[Consultation]":
    return Consultation.objects.select_related("plan").annotate(comment_count=Count("sections__comments"))


def consultation_get(*, slug: str) -> Consultation:
    return Consultation.objects.select_related("plan").get(slug=slug)


COMMENTS_PER_PAGE = 10
"""Comments shown per section and page of a consultation: the page stays light however many come in."""


def _numbered(consultation: Consultation) -> "QuerySet[WithAnnotations[ConsultationComment, _Position]]":
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
        by_id[comment.section_id].page_comments.append(comment)
    return sections


def consultation_comment_page(*, comment: ConsultationComment) -> int:
    """The page of its section that shows `comment`."""
    before = ConsultationComment.objects.filter(section_id=comment.section_id).filter(
        Q(created_at__lt=comment.created_at) | Q(created_at=comment.created_at, id__lt=comment.pk)).count()
    return before // COMMENTS_PER_PAGE + 1


def consultation_comment_counts(*, consultation: Consultation) -> dict[str, int]:
    return ConsultationComment.objects.filter(section__consultation=consultation).aggregate(
        total=Count("id"), answered=Count("id", filter=Q(response__isnull=False)))


def consultation_comments(*, consultation: Consultation) -> "QuerySet[ConsultationComment]":
    return (ConsultationComment.objects.filter(section__consultation=consultation)
            .select_related("section", "author", "response").order_by("section__order", "created_at", "id"))


def _in_place_url(item: Proposal | ConsultationComment | PlanComment | None) -> str:
    return "" if item is None else item.get_absolute_url()


def moderation_queue(*, decided: bool = False) -> list[ModerationCase]:
    statuses = ([ModerationStatus.KEPT, ModerationStatus.REMOVED] if decided
                else [ModerationStatus.OPEN, ModerationStatus.HIDDEN])
    cases: list[Any]  # ModerationCases, given `item`, `author_suspended` and `url` below
    cases = list(ModerationCase.objects.filter(status__in=statuses).select_related("content_type", "decided_by")
                 .prefetch_related("flags").order_by("-decided_at" if decided else "-report_count", "id")[:200])
    # The reported contributions, one query per kind.
    by_type: dict[int, set[int]] = {}
    for case in cases:
        by_type.setdefault(case.content_type_id, set()).add(case.object_id)
    targets: dict[tuple[int, int], Proposal | ConsultationComment | PlanComment] = {}
    for model, related in ((Proposal, ["author"]), (ConsultationComment, ["author", "section__consultation"]),
                           (PlanComment, ["author", "commitment__plan", "milestone"])):
        content_type = ContentType.objects.get_for_model(model)
        for obj in model.objects.filter(pk__in=by_type.get(content_type.pk, ())).select_related(*related):
            targets[(content_type.pk, obj.pk)] = obj
    suspended = set(Participant.objects.filter(
        user__in={t.author_id for t in targets.values() if t.author_id}, suspended_at__isnull=False,
    ).values_list("user_id", flat=True))
    for case in cases:
        case.item = targets.get((case.content_type_id, case.object_id))
        case.author_suspended = case.item is not None and case.item.author_id in suspended
        case.url = _in_place_url(case.item)
    return cases


def forum_members() -> "QuerySet[ForumMember]":
    return ForumMember.objects.select_related("institution", "alternate_of").annotate(
        attended=Count("meetings"))


def meeting_list() -> "QuerySet[Meeting]":
    return (Meeting.objects.select_related("plan").prefetch_related("attendees__institution")
            .annotate(decision_count=Count("decisions", distinct=True)))


def meeting_get(*, pk: int) -> Meeting:
    return (Meeting.objects.select_related("plan")
            .prefetch_related("attendees__institution", "decisions", "documents").get(pk=pk))


PLAN_COMMENTS_PER_PAGE = 20  # threads (a comment with its replies) per page


def plan_comment_page(*, comment: PlanComment) -> int:
    """The page of its commitment's (or milestone's) comments that shows `comment`'s thread."""
    root = comment.parent or comment
    # django-stubs refuses None for milestone_id, which Django reads as IS NULL (a commitment's own comments).
    before = PlanComment.objects.filter(commitment_id=root.commitment_id, milestone_id=root.milestone_id,  # type: ignore[misc]
                                        parent=None).filter(
        Q(created_at__lt=root.created_at) | Q(created_at=root.created_at, id__lt=root.pk)).count()
    return before // PLAN_COMMENTS_PER_PAGE + 1


def plan_comment_url(*, comment: PlanComment) -> str:
    """Where `comment` is shown: the page of its commitment's (or milestone's) comments holding its thread."""
    if comment.milestone is not None:
        url = reverse("participation:milestone_comments", args=[comment.commitment.plan.slug,
                                                                comment.milestone.number])
    else:
        url = reverse("participation:commitment_comments", args=[comment.commitment.plan.slug,
                                                                 comment.commitment.number])
    page = plan_comment_page(comment=comment)
    return f"{url}{f'?page={page}' if page > 1 else ''}#comment-{comment.pk}"


def plan_comments(*, commitment: "Commitment", milestone: "Milestone | None" = None) -> "QuerySet[PlanComment]":
    """Top-level comments of a commitment's (or a milestone's) page, each with its replies."""
    replies = PlanComment.objects.select_related("author").order_by("created_at", "id")
    return (PlanComment.objects.filter(commitment=commitment, milestone=milestone, parent=None)
            .select_related("author", "commitment__plan", "milestone")
            .prefetch_related(Prefetch("replies", queryset=replies)))


def comment_counts(*, commitment: "Commitment") -> dict[str | None, int]:
    """Comments per milestone of a commitment (key None: the commitment itself)."""
    rows = (PlanComment.objects.filter(commitment=commitment).values("milestone__number")
            .annotate(n=Count("id")))
    return {r["milestone__number"]: r["n"] for r in rows}


def page_feedback_summary() -> dict[str, list]:
    rows = (PageFeedback.objects.values("path")
            .annotate(yes=Count("id", filter=Q(useful=True)), no=Count("id", filter=Q(useful=False)))
            .order_by("-no", "-yes", "path"))
    comments = list(PageFeedback.objects.exclude(comment="").values("path", "useful", "comment", "created_at")[:200])
    return {"pages": list(rows), "comments": comments}


def is_following(*, user: "User | AnonymousUser", target: "Model") -> bool:
    if not user.is_authenticated:
        return False
    return Follow.objects.filter(user=user, content_type=ContentType.objects.get_for_model(target),
                                 object_id=target.pk).exists()
