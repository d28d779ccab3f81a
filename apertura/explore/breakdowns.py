"""Ready-made breakdowns of a table by each of its dimensions (sex, age group, place, ethnicity, education level),
and sex by age group when the table has both: counts of rows, or sums of a chosen numeric column."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from apertura.datastore.engine.query import TableRef
from apertura.geo.matching import DEPARTMENT, MUNICIPALITY, normalise

from .charts import with_bars
from .dimensions import Dimension
from .selectors import grouped, region_totals

EDUCATION_ORDER = ["ninguno", "ninguna", "preprimaria", "primaria", "basico", "basicos", "secundaria", "media",
                   "diversificado", "superior", "universitario", "universidad", "licenciatura", "postgrado",
                   "maestria", "doctorado"]


@dataclass
class Breakdown:
    dimension: Dimension
    rows: list[dict] = field(default_factory=list)  # {"category", "value", "share", "bar"}

    @property
    def total(self) -> float:
        return sum(r["value"] or 0 for r in self.rows)


@dataclass
class Cross:
    rows_by: Dimension
    columns_by: Dimension
    columns: list = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)  # {"category", "cells": [value per column], "total"}


def _order(kind: str, category) -> tuple:
    text = normalise(category)
    if kind == "age_group":
        numbers = re.findall(r"\d+", text)
        below = text.startswith(("menos", "menor", "under"))
        return (int(numbers[0]) - (0.5 if below else 0) if numbers else 999, text)
    if kind == "education_level" and text in EDUCATION_ORDER:
        return (EDUCATION_ORDER.index(text), text)
    return (1000, text)


def _sorted(kind: str, rows: list[dict]) -> list[dict]:
    if kind in ("age_group", "education_level"):
        return sorted(rows, key=lambda r: _order(kind, r["category"]))
    return sorted(rows, key=lambda r: (-(r["value"] or 0), str(r["category"])))


def breakdown(table: TableRef, dimension: Dimension, *, measure: str = "", department_column: str = "") -> Breakdown:
    """`department_column` tells apart municipalities that share a name."""
    aggregate = "sum" if measure else "count"
    if dimension.kind in (DEPARTMENT, MUNICIPALITY):
        totals = region_totals(table, column=dimension.name, level=dimension.kind, measure=measure,
                               aggregate=aggregate,
                               department_column=department_column if dimension.kind == MUNICIPALITY else "")
        rows = [{"category": p.name, "code": p.code, "value": p.value} for p in totals.places]
        rows += [{"category": raw, "code": "", "value": count if not measure else None, "unplaced": True}
                 for raw, count in totals.unplaced] if not measure else []
    else:
        rows = [{"category": r[dimension.name], "value": r["value"]}
                for r in grouped(table, by=[dimension.name], measure=measure, aggregate=aggregate)]
    rows = _sorted(dimension.kind, rows)
    total = sum(r["value"] or 0 for r in rows) or 1
    rows = [{**r, "share": (r["value"] or 0) / total} for r in rows]
    return Breakdown(dimension=dimension, rows=with_bars(rows))


def cross(table: TableRef, rows_by: Dimension, columns_by: Dimension, *, measure: str = "") -> Cross:
    """A two-way table (age group down, sex across), with totals."""
    records = grouped(table, by=[rows_by.name, columns_by.name], measure=measure,
                      aggregate="sum" if measure else "count", limit=5000)
    columns = [c["category"] for c in _sorted(columns_by.kind, [
        {"category": c, "value": sum(r["value"] or 0 for r in records if r[columns_by.name] == c)}
        for c in dict.fromkeys(r[columns_by.name] for r in records)])]
    cells: dict = {}
    for r in records:
        cells.setdefault(r[rows_by.name], {})[r[columns_by.name]] = r["value"]
    rows = [{"category": category, "cells": [cells[category].get(c) for c in columns],
             "total": sum(v or 0 for v in cells[category].values())}
            for category in cells]
    rows = _sorted(rows_by.kind, [{**r, "value": r["total"]} for r in rows])
    return Cross(rows_by=rows_by, columns_by=columns_by, columns=columns, rows=rows)


def all_breakdowns(table: TableRef, dims: list[Dimension], *, measure: str = "") -> tuple[list[Breakdown],
                                                                                          Cross | None]:
    department = next((d.name for d in dims if d.kind == DEPARTMENT), "")
    found = [breakdown(table, d, measure=measure, department_column=department) for d in dims]
    sex = next((d for d in dims if d.kind == "sex"), None)
    age = next((d for d in dims if d.kind == "age_group"), None)
    return found, (cross(table, age, sex, measure=measure) if sex and age else None)
