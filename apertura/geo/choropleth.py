"""A choropleth of Guatemala: values by INE code sorted into a few classes, each class a shade of one hue.

Quantile classes keep every shade in use whatever the skew of the data; five light-to-dark steps of ColorBrewer's
YlGnBu stay distinguishable for people with the common colour-vision deficiencies and in greyscale print. Regions
without a value get a pale grey, and the legend says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import boundaries, regions

PALETTE = ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494")
NO_DATA = "#e0e0e0"


@dataclass
class Region:
    code: str
    name: str
    value: float | None
    fill: str
    path: str


@dataclass
class LegendClass:
    low: float
    high: float
    fill: str


@dataclass
class Choropleth:
    level: str
    view_box: str
    regions: list[Region]
    legend: list[LegendClass]
    no_data: str = NO_DATA
    attribution: str = boundaries.ATTRIBUTION

    @property
    def has_missing(self) -> bool:
        return any(r.value is None for r in self.regions)


def breaks(values, classes: int = len(PALETTE)) -> list[float]:
    """Upper bounds of up to `classes` quantile classes (fewer when there are fewer distinct values)."""
    ordered = sorted(set(values))
    if not ordered:
        return []
    if len(ordered) <= classes:
        return ordered
    everything = sorted(values)
    uppers = [everything[min(len(everything) - 1, round(len(everything) * k / classes) - 1)]
              for k in range(1, classes + 1)]
    return sorted(set(uppers))


def _fill(value: float, uppers: list[float]) -> str:
    # Spread the classes over the palette so two classes are light and dark, not the two lightest shades.
    step = (len(PALETTE) - 1) / max(1, len(uppers) - 1)
    for i, upper in enumerate(uppers):
        if value <= upper:
            return PALETTE[round(i * step)]
    return PALETTE[-1]


def choropleth(level: str, values: dict[str, float]) -> Choropleth | None:
    """The map of `values` (INE code → number) at `level`, or None when no boundaries are installed."""
    drawn = boundaries.region_map(level)
    if drawn is None:
        return None
    present = [v for v in values.values() if v is not None]
    uppers = breaks(present)
    names = regions.names()
    shapes = [Region(code=code, name=names.get(code, code), value=values.get(code),
                     fill=NO_DATA if values.get(code) is None else _fill(values[code], uppers), path=path)
              for code, path in drawn.paths.items()]
    legend, low = [], min(present) if present else 0
    for upper in uppers:
        legend.append(LegendClass(low=low, high=upper, fill=_fill(upper, uppers)))
        low = upper
    return Choropleth(level=level, view_box=drawn.view_box, regions=shapes, legend=legend)
