"""Reads of proposals: the plan's list (its filters, orders and page size), one proposal, the inputs dashboard."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse

from apertura.geo.regions import DEPARTMENTS

from ..models import CLOSED_STATUSES, Proposal, ProposalStatus, Support, public_name
from .paging import page_of

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User
    from django.core.paginator import Page
    from django.db.models import QuerySet

    from apertura.plans.models import Plan, Theme

PROPOSALS_PER_PAGE = 50
# The orders a plan's proposals are listed in, by name (`?sort=`); the first is the default.
PROPOSAL_ORDERS = {"newest": ("-created_at", "-id"), "supports": ("-support_count", "-created_at", "-id")}


def _support_count() -> Coalesce:
    # A correlated count, not Count("supports"): that one groups every proposal of the plan by all its
    # selected columns (long texts included) before a page of 50 is taken.
    supports = (Support.objects.filter(proposal=OuterRef("pk")).order_by().values("proposal")
                .annotate(n=Count("*")).values("n"))
    return Coalesce(Subquery(supports), 0)


def proposal_order(sort: str) -> str:
    """The name of the order `sort` asks for (the default for anything unknown)."""
    return sort if sort in PROPOSAL_ORDERS else next(iter(PROPOSAL_ORDERS))


def proposal_list(*, plan: Plan, status: str = "", theme: str = "", department: str = "",
                  sort: str = "newest") -> QuerySet[Proposal]:
    """The plan's proposals, filtered (an unknown status filters nothing) and in the order named by `sort`."""
    queryset = (Proposal.objects.filter(plan=plan)
                .select_related("plan", "author", "theme", "institution", "commitment", "milestone")
                .annotate(support_count=_support_count()).order_by(*PROPOSAL_ORDERS[proposal_order(sort)]))
    if status in ProposalStatus.values:
        queryset = queryset.filter(status=status)
    if theme:
        queryset = queryset.filter(theme__code=theme)
    if department:
        queryset = queryset.filter(department=department)
    return queryset


def plan_themes(*, plan: Plan) -> QuerySet[Theme]:
    """The themes a plan's proposals are filed under (the list's filter)."""
    return plan.themes.all()


def proposal_page(*, plan: Plan, page: int | str | None, status: str = "", theme: str = "", department: str = "",
                  sort: str = "newest") -> Page:
    """One page of `proposal_list`, PROPOSALS_PER_PAGE a page."""
    return page_of(proposal_list(plan=plan, status=status, theme=theme, department=department, sort=sort), page,
                   per_page=PROPOSALS_PER_PAGE)


def proposal_csv_records(*, plan: Plan, status: str = "", theme: str = "", department: str = "",
                         sort: str = "newest") -> Iterator[dict]:
    """Every proposal of `proposal_list` as ProposalOut gives it, for the columns of the streamed CSV
    (schemas.PROPOSAL_COLUMNS), read as plain values: building seven model instances a row, and running the
    schema's resolvers on them, made the export of 10,000 proposals seven times slower.
    tests/participation/test_proposals.py checks that every column says what the JSON says."""
    proposals: Any = proposal_list(plan=plan, status=status, theme=theme, department=department, sort=sort)
    url = reverse("participation:proposal", args=[0])[:-2] + "{}/"  # .../proposals/0/ → .../proposals/{}/
    former = public_name(None)
    for (pk, hidden, title, author, theme, institution, department, status, supports, response, commitment,
         milestone, merged_into, submitted) in proposals.values_list(
            "pk", "hidden", "title", "author__first_name", "theme__code", "institution__acronym", "department",
            "status", "support_count", "response", "commitment__number", "milestone__number", "merged_into_id",
            "created_at").iterator(chunk_size=2000):
        yield {"id": pk, "hidden": hidden, "title": None if hidden else title, "author": author or former,
               "theme": theme, "institution": institution, "department": department or None, "status": status,
               "supports": supports, "response": response or None, "commitment": commitment, "milestone": milestone,
               "merged_into": merged_into, "submitted": submitted, "url": url.format(pk)}


def proposal_get(*, pk: int) -> Proposal:
    return (Proposal.objects.select_related("plan", "author", "theme", "institution", "commitment__plan",
                                            "milestone__commitment__plan", "merged_into", "responded_by")
            .prefetch_related("events").annotate(support_count=_support_count()).get(pk=pk))


def proposal_supported_by(*, proposal: Proposal, user: User | AnonymousUser) -> bool:
    return user.is_authenticated and Support.objects.filter(proposal=proposal, user=user).exists()


def inputs_dashboard(*, plan: Plan) -> dict:
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
        "plan": plan.slug,
        "totals": as_row(totals),
        "by_theme": [{"theme": code, "title": theme_titles[code], **as_row(by_theme[code])}
                     for code in sorted(by_theme, key=lambda c: (c == "", theme_titles[c]))],
        "by_department": [{"department": code, "name": dict(DEPARTMENTS).get(code, ""),
                           **as_row(by_department[code])} for code in department_order],
    }
