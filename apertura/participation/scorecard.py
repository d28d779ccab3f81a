"""The OGP minimum requirements for the forum and the repository, computed from the records, with dates and
evidence. Each check: met (True/False, None when not yet measurable), a detail, and its evidence."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apertura.institutions.models import Institution
from apertura.plans.models import ProgressReport

from .models import ConsultationComment, Meeting, MeetingKind, Proposal

MAX_GAP_DAYS = 183  # "at least every six months"


@dataclass
class Check:
    code: str
    title: str
    met: bool | None
    detail: str
    evidence: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"code": self.code, "title": self.title, "met": self.met, "detail": self.detail,
                "evidence": self.evidence}


def _window(plan, today: dt.date) -> tuple[dt.date, dt.date]:
    return plan.period_start, min(plan.period_end, today)


def _required_per_year(start: dt.date, end: dt.date, finished: bool, per_full_year: int = 2) -> dict[int, int | None]:
    """How many events each year of the window needs: two in a year the window covers for six months or more,
    one in a shorter part-year; None for the running year of an unfinished plan (it is not over yet)."""
    required = {}
    for year in range(start.year, end.year + 1):
        if year == end.year and not finished:
            required[year] = None
            continue
        covered = (min(end, dt.date(year, 12, 31)) - max(start, dt.date(year, 1, 1))).days + 1
        required[year] = per_full_year if covered >= 182 else 1
    return required


def _per_year(dates: list[dt.date], required: dict[int, int | None]) -> tuple[bool, str]:
    counts = {year: sum(1 for d in dates if d.year == year) for year in required}
    short = [y for y, need in required.items() if need is not None and counts[y] < need]
    detail = "; ".join(f"{year}: {counts[year]}" + (f"/{need}" if need else "") for year, need in required.items())
    return not short, detail


def check_meets_every_six_months(meetings: list[Meeting], start: dt.date, end: dt.date) -> Check:
    title = _("The forum met at least every six months")
    dates = sorted({m.date for m in meetings if start <= m.date <= end})
    evidence = [{"date": m.date, "label": m.get_kind_display(), "url": m.get_absolute_url()}
                for m in sorted(meetings, key=lambda m: m.date) if start <= m.date <= end]
    if end < start:
        return Check("forum_every_six_months", title, None, _("The plan has not started yet."), evidence)
    points = [start, *dates, end]
    gaps = [(a, b) for a, b in zip(points, points[1:], strict=False) if (b - a).days > MAX_GAP_DAYS]
    if gaps:
        a, b = gaps[0]
        detail = _("No meeting between %(a)s and %(b)s (%(days)s days).") % {"a": a, "b": b, "days": (b - a).days}
        return Check("forum_every_six_months", title, False, detail, evidence)
    return Check("forum_every_six_months", title, True,
                 _("%(n)s meetings from %(a)s to %(b)s; no gap over six months.")
                 % {"n": len(dates), "a": start, "b": end}, evidence)


def check_implementation_meetings(meetings: list[Meeting], start: dt.date, end: dt.date, finished: bool) -> Check:
    title = _("At least two implementation meetings a year with civil society")
    qualifying = [m for m in meetings if m.kind == MeetingKind.IMPLEMENTATION and start <= m.date <= end
                  and any(a.institution.kind == Institution.Kind.CIVIL_SOCIETY for a in m.attendees.all())]
    if end < start:
        return Check("implementation_meetings", title, None, _("The plan has not started yet."))
    met, detail = _per_year([m.date for m in qualifying], _required_per_year(start, end, finished))
    evidence = [{"date": m.date, "label": m.get_kind_display(), "url": m.get_absolute_url()} for m in qualifying]
    return Check("implementation_meetings", title, met, detail, evidence)


def check_repository_updates(update_dates: list[dt.date], start: dt.date, end: dt.date, finished: bool) -> Check:
    title = _("The repository was updated at least twice a year")
    dates = sorted({d for d in update_dates if start <= d <= end})
    if end < start:
        return Check("repository_updates", title, None, _("The plan has not started yet."))
    met, detail = _per_year(dates, _required_per_year(start, end, finished))
    return Check("repository_updates", title, met, detail,
                 [{"date": d, "label": _("Progress report published"), "url": ""} for d in dates])


def check_reasoned_responses(received: int, answered: int, plan) -> Check:
    title = _("Inputs received a reasoned response")
    if not received:
        return Check("reasoned_responses", title, None, _("No inputs received yet."))
    share = answered / received
    return Check("reasoned_responses", title, answered == received,
                 _("%(answered)s of %(received)s inputs answered (%(share)s%%).")
                 % {"answered": answered, "received": received, "share": round(share * 100)},
                 [{"date": None, "label": _("Inputs dashboard"),
                   "url": reverse("participation:inputs", args=[plan.slug])}])


def plan_scorecard(*, plan, today: dt.date) -> dict:
    start, end = _window(plan, today)
    finished = plan.period_end <= today
    meetings = list(Meeting.objects.filter(Q(plan=plan) | Q(plan=None), date__range=(start, end))
                    .prefetch_related("attendees__institution"))
    updates = [timezone.localtime(d).date() for d in ProgressReport.objects.filter(milestone__commitment__plan=plan)
               .values_list("created_at", flat=True)]
    proposals = Proposal.objects.filter(plan=plan).aggregate(n=Count("id"),
                                                             answered=Count("id", filter=~Q(response="")))
    comments = ConsultationComment.objects.filter(section__consultation__plan=plan).aggregate(
        n=Count("id"), answered=Count("id", filter=Q(response__isnull=False)))
    checks = [
        check_meets_every_six_months(meetings, start, end),
        check_implementation_meetings(meetings, start, end, finished),
        check_repository_updates(updates, start, end, finished),
        check_reasoned_responses(proposals["n"] + comments["n"], proposals["answered"] + comments["answered"], plan),
    ]
    return {"plan": plan.slug, "as_of": today, "period": {"start": start, "end": end},
            "checks": [c.as_dict() for c in checks]}
