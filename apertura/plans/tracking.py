"""Progress as the public sees it: reported, confirmed by civil society, and expected from the calendar.

Works on milestones whose reports (with their validations) are already prefetched, so a page of any size
costs a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .models import ProgressReport, ProgressStatus, Validation

AT_RISK_GAP = 25  # percentage points behind the calendar before a milestone is flagged at risk


class Flag:
    UPCOMING = "upcoming"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OVERDUE = "overdue"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


@dataclass
class MilestoneTrack:
    milestone: object
    latest: ProgressReport | None
    reported: int
    confirmed: int
    disputed: bool
    expected: int | None
    flag: str
    validations: list[Validation] = field(default_factory=list)

    @property
    def weight(self) -> int:
        return self.milestone.weight or 1


def _reports(milestone) -> list[ProgressReport]:
    return sorted(milestone.reports.all(), key=lambda r: (r.as_of, r.created_at, r.pk), reverse=True)


def _undisputed_confirmation(report: ProgressReport) -> bool:
    verdicts = {v.verdict for v in report.validations.all()}
    return Validation.Verdict.CONFIRM in verdicts and Validation.Verdict.DISPUTE not in verdicts


def _window(milestone, commitment) -> tuple[dt.date, dt.date] | None:
    start = milestone.start_date or commitment.start_date
    end = milestone.end_date or commitment.end_date
    if not start or not end:
        return None
    return start.date, end.last_day()


def expected_percent(window, today: dt.date) -> int | None:
    if window is None:
        return None
    start, end = window
    if today <= start:
        return 0
    if today >= end:
        return 100
    return round(100 * (today - start).days / max((end - start).days, 1))


def track_milestone(milestone, today: dt.date) -> MilestoneTrack:
    reports = _reports(milestone)
    latest = reports[0] if reports else None
    confirmed = next((r.percent for r in reports if _undisputed_confirmation(r)), 0)
    window = _window(milestone, milestone.commitment)
    expected = expected_percent(window, today)
    reported = latest.percent if latest else 0
    status = latest.status if latest else None
    if status == ProgressStatus.COMPLETED:
        flag = Flag.COMPLETED
    elif status == ProgressStatus.CANCELLED:
        flag = Flag.CANCELLED
    elif window and today > window[1]:
        flag = Flag.OVERDUE
    elif window and today < window[0] and not latest:
        flag = Flag.UPCOMING
    elif status == ProgressStatus.DELAYED or (expected is not None and expected - reported >= AT_RISK_GAP):
        flag = Flag.AT_RISK
    else:
        flag = Flag.ON_TRACK
    return MilestoneTrack(
        milestone=milestone, latest=latest, reported=reported, confirmed=confirmed,
        disputed=bool(latest and any(v.verdict == Validation.Verdict.DISPUTE for v in latest.validations.all())),
        expected=expected, flag=flag, validations=list(latest.validations.all()) if latest else [],
    )


@dataclass
class Rollup:
    reported: int
    confirmed: int
    expected: int | None
    milestones: int
    flags: dict[str, int]


def roll_up(tracks: list[MilestoneTrack]) -> Rollup:
    """Weighted where weights are set, otherwise the plain average (as Decidim does); cancelled ones drop out."""
    counted = [t for t in tracks if t.flag != Flag.CANCELLED]
    total = sum(t.weight for t in counted)
    flags: dict[str, int] = {}
    for track in tracks:
        flags[track.flag] = flags.get(track.flag, 0) + 1

    def mean(values) -> int:
        return round(sum(v * t.weight for v, t in zip(values, counted, strict=True)) / total) if total else 0

    expectations = [t.expected for t in counted]
    return Rollup(
        reported=mean([t.reported for t in counted]),
        confirmed=mean([t.confirmed for t in counted]),
        expected=mean(expectations) if counted and None not in expectations else None,
        milestones=len(tracks),
        flags=flags,
    )
