"""Reads behind the map, chart and breakdown pages: which table a visitor may explore, and its aggregates by region,
by category and by dimension, computed by DuckDB over the table's Parquet file."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.http import Http404
from django.utils.translation import gettext as _

from apertura.catalog.datastore import visible_resource
from apertura.datastore.engine.query import TableRef, datastore_aggregate
from apertura.datastore.selectors import NotPublished, published_table
from apertura.geo import regions
from apertura.geo.matching import match

from .models import SavedChart

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    from apertura.catalog.models import Resource

NUMERIC = ("integer", "number")
AGGREGATES = ("count", "sum", "avg")
MAX_GROUPS = 20000  # distinct places or categories read back; a table with more is not a map or a bar chart


def explorable(resource_id: str | uuid.UUID, user: User | AnonymousUser | None) -> tuple[Resource, TableRef]:
    """The catalog resource and its published table, if the visitor may see them; else 404."""
    resource = visible_resource(str(resource_id), user)
    if resource is None:
        raise Http404(_("There is no such resource."))
    try:
        return resource, published_table(str(resource.pk))
    except NotPublished:
        raise Http404(_("This resource has no table to explore yet.")) from None


def saved_chart_get(pk: int) -> SavedChart:
    """A saved chart by its number; 404 when there is none (its table is then checked with `explorable`)."""
    chart = SavedChart.objects.filter(pk=pk).first()
    if chart is None:
        raise Http404(_("There is no such chart."))
    return chart


def numeric_fields(table: TableRef) -> list[dict]:
    return [f for f in table.fields if f["type"] in NUMERIC]


def title(table: TableRef, name: str) -> str:
    return next((f.get("title") or f["name"] for f in table.fields if f["name"] == name), name)


@dataclass
class Place:
    code: str
    name: str
    rows: int = 0
    total: float = 0
    counted: int = 0  # rows with a value of the measure (what an average divides by)
    value: float | None = None


@dataclass
class RegionTotals:
    level: str
    column: str
    measure: str
    aggregate: str
    places: list[Place] = field(default_factory=list)
    unplaced: list[tuple[str, int]] = field(default_factory=list)  # (value as written, rows)

    @property
    def unplaced_rows(self) -> int:
        return sum(rows for _v, rows in self.unplaced)

    @property
    def values(self) -> dict[str, float]:
        return {p.code: p.value for p in self.places if p.value is not None}


def region_totals(table: TableRef, *, column: str, level: str, measure: str = "", aggregate: str = "count",
                  department_column: str = "") -> RegionTotals:
    """Rows, sum or average of `measure` by the department or municipality `column` names, however it is written.

    DuckDB groups by the values as written (a few hundred at most); they are matched to INE codes here, so
    "Quiché", "QUICHE" and "14" add up to one place. A department column, when given, tells apart municipalities
    that share a name."""
    groups = [column] + ([department_column] if department_column else [])
    aggregates = ["count:*"] + ([f"sum:{measure}", f"count:{measure}"] if measure else [])
    records = datastore_aggregate(table, group_by=groups, aggregates=aggregates, limit=MAX_GROUPS)["records"]
    names = regions.names()
    places: dict[str, Place] = {}
    unplaced: dict[str, int] = {}
    for record in records:
        raw = record[column]
        code = match(raw, level=level, department=record.get(department_column) if department_column else None)
        if code is None:
            label = "" if raw is None else str(raw)
            unplaced[label] = unplaced.get(label, 0) + record["count:*"]
            continue
        place = places.setdefault(code, Place(code=code, name=names[code]))
        place.rows += record["count:*"]
        if measure:
            place.total += record[f"sum:{measure}"] or 0
            place.counted += record[f"count:{measure}"]
    for place in places.values():
        if aggregate == "count" or not measure:
            place.value = place.rows
        elif aggregate == "sum":
            place.value = place.total if place.counted else None
        else:
            place.value = place.total / place.counted if place.counted else None
    return RegionTotals(level=level, column=column, measure=measure if aggregate != "count" else "",
                        aggregate=aggregate if measure else "count", places=sorted(places.values(),
                                                                                   key=lambda p: p.code),
                        unplaced=sorted(unplaced.items(), key=lambda item: (-item[1], item[0])))


def grouped(table: TableRef, *, by: list[str], measure: str = "", aggregate: str = "count",
            limit: int = 500) -> list[dict]:
    """Rows of {each of `by`: value, "value": the aggregate} (count of rows, or sum/avg/min/max of `measure`)."""
    item = "count:*" if aggregate == "count" or not measure else f"{aggregate}:{measure}"
    records = datastore_aggregate(table, group_by=by, aggregates=[item], limit=limit)["records"]
    return [{**{name: r[name] for name in by}, "value": r[item]} for r in records]
