"""The plan dashboard: a plan's progress as of a date, grouped by commitment, institution and theme.

Every percentage and flag comes from tracking (track_milestone, roll_up); this module only reads the plan
in one prefetched pass, groups the milestone tracks, counts verdicts and lays out the bar charts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from django.db.models import Prefetch, QuerySet

from .models import Commitment, Milestone, Plan, ProgressReport, Validation
from .tracking import Flag, MilestoneTrack, Rollup, roll_up, track_milestone

FLAGS = [Flag.COMPLETED, Flag.ON_TRACK, Flag.AT_RISK, Flag.OVERDUE, Flag.UPCOMING, Flag.CANCELLED]
MILESTONE_COLUMNS = ["plan", "commitment", "milestone", "responsible", "start", "end", "reported", "confirmed",
                     "expected", "flag", "latest_report", "validation"]


class ValidationStatus:
    NONE = "none"
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"
    MIXED = "mixed"  # one organization confirmed what another disputed

    ALL = [NONE, CONFIRMED, DISPUTED, MIXED]


def validation_status(validations) -> str:
    verdicts = {v.verdict for v in validations}
    if verdicts == {Validation.Verdict.CONFIRM}:
        return ValidationStatus.CONFIRMED
    if verdicts == {Validation.Verdict.DISPUTE}:
        return ValidationStatus.DISPUTED
    return ValidationStatus.MIXED if verdicts else ValidationStatus.NONE


def dashboard_commitments(*, plan: Plan, on: dt.date) -> QuerySet[Commitment]:
    """The plan with everything the dashboard shows, in a fixed number of queries whatever its size.

    Reports dated after `on` are left out, so the page shows what had been reported by then. Verdicts are
    all kept: each judges a report's claim as of the report's own date, whenever it was given.
    The texts are never shown here and can be long, so they stay in the database; the institutions are
    prefetched rather than joined because a handful of them is shared by thousands of rows."""
    validations = Validation.objects.defer("reason").prefetch_related("organization")
    reports = (ProgressReport.objects.filter(as_of__lte=on).defer("narrative")
               .prefetch_related("institution", Prefetch("validations", queryset=validations)))
    milestones = Milestone.objects.prefetch_related("responsible", Prefetch("reports", queryset=reports))
    return (plan.commitments.prefetch_related("themes", Prefetch("milestones", queryset=milestones.order_by("seq")))
            .order_by("number"))


@dataclass
class Group:
    """One line of a chart and its table: a commitment, an institution or a theme."""

    key: str
    label: str
    url: str
    rollup: Rollup
    short: str = ""  # the chart's label; the table beside it has the full one
    plan_text: bool = True  # the label is plan content, in the plan's language

    def as_data(self) -> dict:
        return {"key": self.key, "label": self.label, "url": self.url, **asdict(self.rollup)}


@dataclass
class Dashboard:
    plan: Plan
    on: dt.date
    tracks: list[MilestoneTrack]
    overall: Rollup
    by_commitment: list[Group]
    by_institution: list[Group]
    by_theme: list[Group]
    report_counts: dict[str, int]

    @property
    def flag_counts(self) -> list[tuple[str, int]]:
        return [(flag, self.overall.flags.get(flag, 0)) for flag in FLAGS]

    @property
    def overdue(self) -> list[MilestoneTrack]:
        return [t for t in self.tracks if t.flag == Flag.OVERDUE]

    @property
    def disputed(self) -> list[MilestoneTrack]:
        """Milestones whose latest report stands disputed; superseded reports count only in report_counts."""
        return [t for t in self.tracks if t.disputed]


def build_dashboard(*, plan: Plan, on: dt.date) -> Dashboard:
    tracks: list[MilestoneTrack] = []
    by_commitment: list[Group] = []
    institutions: dict = {}
    themes: dict = {}
    report_counts = dict.fromkeys(ValidationStatus.ALL, 0)
    for commitment in dashboard_commitments(plan=plan, on=on):
        own = [track_milestone(m, on) for m in commitment.milestones.all()]
        tracks += own
        by_commitment.append(Group(str(commitment.number), commitment.title, commitment.get_absolute_url(),
                                   roll_up(own), short=f"{commitment.number}. {commitment.title}"))
        for theme in commitment.themes.all():
            themes.setdefault(theme, []).extend(own)
        for track in own:
            for institution in track.milestone.responsible.all():
                institutions.setdefault(institution, []).append(track)
            for report in track.milestone.reports.all():
                report_counts[validation_status(report.validations.all())] += 1
    return Dashboard(
        plan=plan, on=on, tracks=tracks, overall=roll_up(tracks), by_commitment=by_commitment,
        by_institution=[Group(i.acronym, i.name, i.get_absolute_url(), roll_up(ts), short=i.acronym, plan_text=False)
                        for i, ts in sorted(institutions.items(), key=lambda item: item[0].acronym.lower())],
        by_theme=[Group(t.code, t.title, f"{plan.get_absolute_url()}?theme={t.code}", roll_up(ts), short=t.title)
                  for t, ts in sorted(themes.items(), key=lambda item: (item[0].order, item[0].pk))],
        report_counts=report_counts,
    )


def milestone_rows(board: Dashboard):
    for t in board.tracks:
        m = t.milestone
        yield [board.plan.slug, m.commitment.number, m.number, "; ".join(i.acronym for i in m.responsible.all()),
               m.start_date.isoformat() if m.start_date else "", m.end_date.isoformat() if m.end_date else "",
               t.reported, t.confirmed, t.expected, t.flag, t.latest.as_of.isoformat() if t.latest else "",
               validation_status(t.validations)]


def dashboard_data(board: Dashboard) -> dict:
    """The JSON twin: every figure of the page, and the milestone rows of the CSV twin."""
    return {
        "plan": board.plan.slug, "on": board.on.isoformat(), "overall": asdict(board.overall),
        "by_commitment": [g.as_data() for g in board.by_commitment],
        "by_institution": [g.as_data() for g in board.by_institution],
        "by_theme": [g.as_data() for g in board.by_theme],
        "overdue": [{"milestone": t.milestone.number, "url": t.milestone.get_absolute_url(),
                     "responsible": [i.acronym for i in t.milestone.responsible.all()],
                     "end": t.milestone.end_date.isoformat() if t.milestone.end_date else None,
                     "reported": t.reported} for t in board.overdue],
        "validation": {
            "reports": board.report_counts,
            "disputed": [{"milestone": t.milestone.number, "url": t.milestone.get_absolute_url(),
                          "report": {"percent": t.latest.percent, "as_of": t.latest.as_of.isoformat(),
                                     "institution": t.latest.institution.acronym},
                          "disputed_by": [v.organization.acronym for v in t.validations
                                          if v.verdict == Validation.Verdict.DISPUTE]} for t in board.disputed],
        },
        "milestones": [dict(zip(MILESTONE_COLUMNS, row, strict=True)) for row in milestone_rows(board)],
    }


# Chart layout, in SVG user units (px at 1:1): a label line above each bar, 3 units per percentage point.
CHART_WIDTH, ROW, SCALE = 300, 40, 3


@dataclass
class Bar:
    group: Group
    y: int
    reported: int
    confirmed: int
    expected: int | None


def bar_chart(groups: list[Group]) -> dict:
    bars = [Bar(g, i * ROW, g.rollup.reported * SCALE, g.rollup.confirmed * SCALE,
                None if g.rollup.expected is None else g.rollup.expected * SCALE) for i, g in enumerate(groups)]
    return {"bars": bars, "width": CHART_WIDTH, "height": max(len(bars), 1) * ROW}
