"""The plan dashboard: a plan's progress as of a date, grouped by commitment, institution and theme.

Every percentage and flag comes from tracking (track_milestone, roll_up); this module only reads the plan
in one prefetched pass (selectors.dashboard_commitments), groups the milestone tracks, counts verdicts and lays out
the bar charts. schemas.DashboardOut writes it out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .models import Plan, Validation
from .schemas import DASHBOARD_COLUMNS
from .selectors import dashboard_commitments
from .tracking import Flag, MilestoneTrack, Rollup, roll_up, track_milestone

FLAGS = [Flag.COMPLETED, Flag.ON_TRACK, Flag.AT_RISK, Flag.OVERDUE, Flag.UPCOMING, Flag.CANCELLED]
MILESTONE_COLUMNS = DASHBOARD_COLUMNS  # the CSV's columns, as the catalog's data dictionary describes them


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


@dataclass
class Group:
    """One line of a chart and its table: a commitment, an institution or a theme."""

    key: str
    label: str
    url: str
    rollup: Rollup
    short: str = ""  # the chart's label; the table beside it has the full one
    plan_text: bool = True  # the label is plan content, in the plan's language


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
