"""Charts of a table: the builder's parameters, the aggregated data, a Vega-Lite spec for browsers with JavaScript
and the same chart drawn as SVG on the server for those without (and for print, and for screen readers with the
data table beside it)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from apertura.datastore.engine.query import TableRef

from .selectors import grouped, title

KINDS = ("bar", "line", "point")
CHART_AGGREGATES = ("count", "sum", "avg", "min", "max")
SERIES_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22")
MAX_POINTS = 500
VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"


@dataclass
class ChartParams:
    kind: str = "bar"
    x: str = ""
    y: str = ""  # a numeric column; empty means "count rows"
    aggregate: str = "count"
    color: str = ""

    def as_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v}


def chart_data(table: TableRef, params: ChartParams) -> list[dict]:
    by = [params.x] + ([params.color] if params.color else [])
    rows = grouped(table, by=by, measure=params.y, aggregate=params.aggregate, limit=MAX_POINTS)
    return [{"x": r[params.x], "series": r.get(params.color) if params.color else None, "value": r["value"]}
            for r in rows]


def value_title(table: TableRef, params: ChartParams) -> str:
    from django.utils.translation import gettext as _

    if params.aggregate == "count" or not params.y:
        return _("Number of rows")
    words = {"sum": _("Sum of %(c)s"), "avg": _("Average of %(c)s"), "min": _("Smallest %(c)s"),
             "max": _("Largest %(c)s")}
    return words[params.aggregate] % {"c": title(table, params.y)}


def _x_type(table: TableRef, params: ChartParams) -> str:
    kind = table.types.get(params.x, "string")
    if kind in ("date", "datetime"):
        return "temporal"
    if kind in ("integer", "number") and params.kind != "bar":
        return "quantitative"
    return "ordinal" if kind in ("integer", "number") else "nominal"


def vega_lite_spec(table: TableRef, params: ChartParams, data: list[dict], *, description: str) -> dict:
    """A Vega-Lite spec with the aggregated data inline (small: at most MAX_POINTS rows)."""
    x_title, y_title = title(table, params.x), value_title(table, params)
    few = len({row["x"] for row in data}) <= 8
    encoding = {
        "x": {"field": "x", "type": _x_type(table, params), "title": x_title,
              "axis": {"labelAngle": 0 if few else -45, "labelLimit": 160}},
        "y": {"field": "value", "type": "quantitative", "title": y_title},
        "tooltip": [{"field": "x", "title": x_title}, {"field": "value", "title": y_title, "format": ",.4~f"}],
    }
    if params.color:
        encoding["color"] = {"field": "series", "type": "nominal", "title": title(table, params.color)}
        encoding["tooltip"].insert(1, {"field": "series", "title": title(table, params.color)})
        if params.kind == "bar":
            encoding["xOffset"] = {"field": "series"}
    values = [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()} for row in data]
    return {"$schema": VEGA_LITE_SCHEMA, "description": description, "width": "container", "height": 320,
            "data": {"values": values}, "mark": {"type": params.kind, "tooltip": True}, "encoding": encoding}


# --- The same chart as SVG, drawn on the server -----------------------------------------------------------------

WIDTH, HEIGHT = 640, 360
LEFT, RIGHT, TOP, BOTTOM = 72, 16, 16, 96


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering low..high (1, 2 or 5 times a power of ten apart)."""
    if high == low:
        high = low + 1
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    start = math.floor(low / step) * step
    ticks, value = [], start
    while value < high + step / 2:
        ticks.append(round(value, 10))
        value += step
    return ticks


@dataclass
class Mark:
    x: float
    y: float
    width: float = 0
    height: float = 0
    colour: str = SERIES_COLOURS[0]
    label: str = ""  # what a <title> says when hovered or read out


@dataclass
class SvgChart:
    kind: str
    width: int = WIDTH
    height: int = HEIGHT
    marks: list[Mark] = field(default_factory=list)
    lines: list[dict] = field(default_factory=list)  # {"points": "x,y x,y", "colour": …}
    y_ticks: list[dict] = field(default_factory=list)  # {"y": …, "label": …}
    x_labels: list[dict] = field(default_factory=list)  # {"x": …, "label": …}
    series: list[dict] = field(default_factory=list)  # legend: {"name": …, "colour": …}
    plot: dict = field(default_factory=dict)  # the plotting area's edges

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"


def _label(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return str(value)


def svg_chart(params: ChartParams, data: list[dict]) -> SvgChart:
    chart = SvgChart(kind=params.kind)
    numbers = [row["value"] for row in data if row["value"] is not None]
    categories = list(dict.fromkeys(row["x"] for row in data))
    series = list(dict.fromkeys(row["series"] for row in data))
    colours = {name: SERIES_COLOURS[i % len(SERIES_COLOURS)] for i, name in enumerate(series)}
    if params.color:
        chart.series = [{"name": _label(name), "colour": colours[name]} for name in series]
    if not numbers or not categories:
        return chart
    ticks = nice_ticks(min(0, *numbers), max(0, *numbers))
    low, high = ticks[0], ticks[-1]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    chart.plot = {"left": LEFT, "right": WIDTH - RIGHT, "top": TOP, "bottom": HEIGHT - BOTTOM}

    def y_of(value):
        return round(TOP + plot_h * (high - value) / ((high - low) or 1), 1)

    chart.y_ticks = [{"y": y_of(t), "label": _label(t)} for t in ticks]
    band = plot_w / len(categories)
    every = max(1, math.ceil(len(categories) / 40))  # at most 40 labels under the axis
    chart.x_labels = [{"x": round(LEFT + band * (i + 0.5), 1), "label": _label(c)[:24]}
                      for i, c in enumerate(categories) if i % every == 0]
    position = {c: i for i, c in enumerate(categories)}
    zero = y_of(0)
    if params.kind == "bar":
        width = band * 0.8 / max(1, len(series))
        slot = {name: i for i, name in enumerate(series)}
        for row in data:
            if row["value"] is None:
                continue
            top = y_of(row["value"])
            x = LEFT + band * position[row["x"]] + band * 0.1 + width * slot[row["series"]]
            chart.marks.append(Mark(x=round(x, 1), y=min(top, zero), width=round(max(width - 1, 0.5), 1),
                                    height=round(abs(zero - top), 1), colour=colours[row["series"]],
                                    label=_mark_label(row)))
    else:
        for name in series:
            points = [(round(LEFT + band * (position[r["x"]] + 0.5), 1), y_of(r["value"]), r)
                      for r in data if r["series"] == name and r["value"] is not None]
            if params.kind == "line" and len(points) > 1:
                chart.lines.append({"points": " ".join(f"{x},{y}" for x, y, _r in points), "colour": colours[name]})
            chart.marks += [Mark(x=x, y=y, colour=colours[name], label=_mark_label(r)) for x, y, r in points]
    return chart


def _mark_label(row) -> str:
    parts = [_label(row["x"])] + ([_label(row["series"])] if row["series"] is not None else [])
    return f"{' · '.join(parts)}: {_label(row['value'])}"


# --- Small horizontal bars for breakdown tables ----------------------------------------------------------------

BAR_WIDTH = 160


def with_bars(rows: list[dict], key: str = "value") -> list[dict]:
    """Each row with `bar`: the width (out of BAR_WIDTH) of its value against the largest in the list."""
    most = max((abs(r[key]) for r in rows if r[key] is not None), default=0) or 1
    return [{**r, "bar": round(BAR_WIDTH * abs(r[key]) / most, 1) if r[key] is not None else 0} for r in rows]
