"""One schema per explore record: a chart's data, a map's totals by region, a table's breakdowns. What each page's
`?format=json` twin shows and where its `?format=csv` columns come from (apertura/common/records.py). The chart's
Vega-Lite spec (spec.json) follows Vega-Lite, not these.

Each is read from what the selectors compute, with the resource (context `resource`) the table belongs to."""

from __future__ import annotations

from typing import Any

from ninja import Schema

from apertura.geo import boundaries


def _resource_id(context) -> str:
    return str(context["resource"].pk)


class ChartPointOut(Schema):
    x: Any
    series: Any = None
    value: Any


class ChartOut(Schema):
    """A chart (charts.ChartParams and its chart_data): context `resource`, `value` (what the bars measure)."""

    resource_id: str
    params: dict[str, str]
    value: str
    data: list[ChartPointOut]

    @staticmethod
    def resolve_resource_id(obj, context) -> str:
        return _resource_id(context)

    @staticmethod
    def resolve_params(obj) -> dict[str, str]:
        return obj["params"].as_dict()

    @staticmethod
    def resolve_value(obj, context) -> str:
        return context["value"]


class RegionOut(Schema):
    code: str
    iso3166_2: str | None
    name: str
    value: Any
    rows: int

    @staticmethod
    def resolve_iso3166_2(obj) -> str | None:
        return f"GT-{obj.code}" if len(obj.code) == 2 else None


class UnplacedOut(Schema):
    """Rows whose place could not be matched: the value as written, and how many rows have it."""

    value: str
    rows: int

    @staticmethod
    def resolve_value(obj) -> str:
        return obj[0]

    @staticmethod
    def resolve_rows(obj) -> int:
        return obj[1]


class MapOut(Schema):
    """A map's totals (selectors.RegionTotals): context `resource`, `value` (what the colours measure)."""

    resource_id: str
    level: str
    column: str
    aggregate: str
    measure: str | None
    value: str
    regions: list[RegionOut]
    unplaced: list[UnplacedOut]
    boundaries: str

    @staticmethod
    def resolve_resource_id(obj, context) -> str:
        return _resource_id(context)

    @staticmethod
    def resolve_measure(obj) -> str | None:
        return obj.measure or None

    @staticmethod
    def resolve_value(obj, context) -> str:
        return context["value"]

    @staticmethod
    def resolve_regions(obj) -> list:
        return obj.places

    @staticmethod
    def resolve_boundaries(obj) -> str:
        return str(boundaries.ATTRIBUTION)


class CategoryOut(Schema):
    category: Any
    value: Any


class BreakdownOut(Schema):
    """One breakdowns.Breakdown: the column, the dimension it carries, and the value of each category."""

    column: str
    dimension: str
    declared: bool
    rows: list[CategoryOut]

    @staticmethod
    def resolve_column(obj) -> str:
        return obj.dimension.name

    @staticmethod
    def resolve_dimension(obj) -> str:
        return obj.dimension.kind

    @staticmethod
    def resolve_declared(obj) -> bool:
        return obj.dimension.declared


class CellOut(Schema):
    row: Any
    column: Any
    value: Any


class CrossOut(Schema):
    """breakdowns.Cross: one dimension by another (sex by age group), cell by cell."""

    rows: str
    columns: str
    cells: list[CellOut]

    @staticmethod
    def resolve_rows(obj) -> str:
        return obj.rows_by.name

    @staticmethod
    def resolve_columns(obj) -> str:
        return obj.columns_by.name

    @staticmethod
    def resolve_cells(obj) -> list[dict]:
        return [{"row": r["category"], "column": c, "value": v} for r in obj.rows
                for c, v in zip(obj.columns, r["cells"], strict=True)]


class BreakdownsOut(Schema):
    """All the breakdowns of a table ({"measure", "breakdowns", "cross"} as all_breakdowns finds them): context
    `resource`."""

    resource_id: str
    measure: str | None
    value: str
    breakdowns: list[BreakdownOut]
    cross: CrossOut | None

    @staticmethod
    def resolve_resource_id(obj, context) -> str:
        return _resource_id(context)

    @staticmethod
    def resolve_measure(obj) -> str | None:
        return obj["measure"] or None

    @staticmethod
    def resolve_value(obj) -> str:
        return "sum" if obj["measure"] else "count"


# The CSV twins' columns: paths into the records above (the chart's header names the table's own columns).
CHART_COLUMNS = ["x", "value"]
CHART_SERIES_COLUMNS = ["x", "series", "value"]
MAP_COLUMNS = ["code", "name", "value", "rows"]  # of each of `regions`
BREAKDOWN_COLUMNS = ["column", "dimension", "category", "value"]  # a breakdown's, then each of its `rows`
