"""A commitment's milestones laid out on a month grid, for the SVG timeline on its page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from apertura.common.partial_dates import PartialDate

ROW_HEIGHT = 28
LABEL_WIDTH = 56
MONTH_WIDTH = 22
TOP = 30


def _month_index(date: dt.date, origin: dt.date) -> int:
    return (date.year - origin.year) * 12 + date.month - origin.month


@dataclass
class Bar:
    number: str
    y: int
    x: int | None
    width: int | None
    end_x: int | None
    label: str
    open_start: bool


@dataclass
class Timeline:
    width: int
    height: int
    bars: list[Bar]
    years: list[tuple[int, int]]  # (x, year)
    months: list[int]  # x of each month gridline


def build_timeline(milestones, commitment_start: PartialDate | None = None) -> Timeline | None:
    dated = [m for m in milestones if m.start_date or m.end_date]
    if not dated:
        return None
    points = [d.date for m in dated for d in (m.start_date, m.end_date) if d]
    if commitment_start:
        points.append(commitment_start.date)
    origin = min(points).replace(day=1)
    last = max(points)
    months = _month_index(last, origin) + 1
    bars = []
    for row, m in enumerate(milestones):
        y = TOP + row * ROW_HEIGHT
        start, end = m.start_date, m.end_date
        label = f"{m.number}: {start.isoformat() if start else '?'} – {end.isoformat() if end else '?'}"
        if start and end:
            x = LABEL_WIDTH + _month_index(start.date, origin) * MONTH_WIDTH
            width = (_month_index(end.date, start.date) + 1) * MONTH_WIDTH
            bars.append(Bar(m.number, y, x, max(width, MONTH_WIDTH), None, label, False))
        elif end:
            end_x = LABEL_WIDTH + (_month_index(end.date, origin) + 1) * MONTH_WIDTH
            bars.append(Bar(m.number, y, None, None, end_x, label, True))
        else:
            bars.append(Bar(m.number, y, None, None, None, label, True))
    years = []
    for i in range(months):
        month = (origin.month - 1 + i) % 12 + 1
        if i == 0 or month == 1:
            years.append((LABEL_WIDTH + i * MONTH_WIDTH, origin.year + (origin.month - 1 + i) // 12))
    return Timeline(
        width=LABEL_WIDTH + months * MONTH_WIDTH + 8,
        height=TOP + len(milestones) * ROW_HEIGHT + 4,
        bars=bars,
        years=years,
        months=[LABEL_WIDTH + i * MONTH_WIDTH for i in range(months + 1)],
    )
