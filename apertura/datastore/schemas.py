"""One schema per datastore record: the API's answers (/api/v1/datastore) and the table part of its resource page's
`?format=json` twin (apertura/common/records.py). CKAN's DataStore actions keep CKAN's shapes (ckan.py)."""

from __future__ import annotations

from typing import Any, Literal

from ninja import Field, Schema

from .engine.query import MAX_LIMIT
from .engine.report import held_reasons

Value = str | int | float | bool | None


class FieldOut(Schema):
    """A column, from its Table Schema field descriptor (the properties a client needs; the rest are the file's)."""

    name: str
    type: Literal["string", "integer", "number", "boolean", "date", "datetime"]
    title: str = ""
    description: str = ""
    unit: str = ""

    @staticmethod
    def resolve_title(obj) -> str:
        return obj.get("title") or ""

    @staticmethod
    def resolve_description(obj) -> str:
        return obj.get("description") or ""

    @staticmethod
    def resolve_unit(obj) -> str:
        return obj.get("unit") or ""


class TableOut(Schema):
    resource_id: str
    rows: int = Field(description="Rows in the published version.")
    fields: list[FieldOut]
    downloads: dict[str, str] = Field(description="The whole table in each format; add the preview's filters to "
                                                  "download only the rows they select.")


class RowsOut(Schema):
    resource_id: str
    fields: list[FieldOut]
    records: list[dict[str, Value]] = Field(description="Each row as {column: value}; `_id` is the row's position "
                                                        "in the uploaded file, from 1.")
    total: int | None = Field(None, description="Rows matching the filters (omitted with include_total=false).")
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page; absent on the last page.")


class RowsQuery(Schema):
    cursor: str | None = Field(None, description="The `next_cursor` of the previous page (keyset pagination: "
                                                 "any depth costs what the first page does).")
    limit: int = Field(100, ge=1, le=MAX_LIMIT)
    sort: str = Field("", description='Columns, each optionally followed by asc or desc: "tasa desc, codigo".')
    filters: str = Field("", description='Exact matches as JSON: {"departamento": ["01", "17"], "sexo": "M"}.')
    q: str = Field("", description="Words that must all appear in the row's text columns (accents and capitals "
                                   "ignored).")
    fields: str = Field("", description="Comma-separated columns to return (default: all).")
    include_total: bool = True


class AggregateQuery(Schema):
    group_by: list[str] = Field([], description="Columns to group by (repeat the parameter for several).")
    aggregate: list[str] = Field(["count:*"], description='"count:*", or count/sum/avg/min/max of a column: '
                                                          '"sum:poblacion" (repeat for several).')
    filters: str = Field("", description="Exact matches as JSON, as for rows.")
    q: str = ""
    limit: int = Field(1000, ge=1, le=MAX_LIMIT)


class AggregateOut(Schema):
    resource_id: str
    group_by: list[str]
    records: list[dict[str, Value]]


class HeldOut(Schema):
    """An upload held for confirmation (DatastoreTable.held), for the people who may publish or discard it.
    `publish` and `discard` are where they do so: the table's owner gives them (context `held_actions`)."""

    id: str
    file: str
    uploaded: str
    rows: int
    fields: list[str]
    missingFields: list[str]  # camelCase, as the held record keeps it
    noRows: bool
    reasons: list[str]
    warnings: list[Any]
    publish: str
    discard: str

    @staticmethod
    def resolve_file(obj) -> str:
        return obj.get("source_name", "")

    @staticmethod
    def resolve_uploaded(obj) -> str:
        return obj.get("at", "")

    @staticmethod
    def resolve_rows(obj) -> int:
        return obj.get("row_count", 0)

    @staticmethod
    def resolve_fields(obj) -> list[str]:
        return [f["name"] for f in obj.get("schema", {}).get("fields", [])]

    @staticmethod
    def resolve_missingFields(obj) -> list[str]:
        return obj.get("reasons", {}).get("missingFields", [])

    @staticmethod
    def resolve_noRows(obj) -> bool:
        return bool(obj.get("reasons", {}).get("noRows"))

    @staticmethod
    def resolve_reasons(obj) -> list[str]:
        return held_reasons(obj.get("reasons", {}))

    @staticmethod
    def resolve_warnings(obj) -> list:
        return obj.get("report", {}).get("warnings", [])

    @staticmethod
    def resolve_publish(obj, context) -> str:
        return context["held_actions"]["publish"]

    @staticmethod
    def resolve_discard(obj, context) -> str:
        return context["held_actions"]["discard"]


class TableStateOut(Schema):
    """A table as its page shows it: how its last upload went, the version served and its Table Schema fields (as
    published, with every property the publisher gave them). `held` only with context `held_actions`."""

    status: str
    version: int | None
    rows: int
    fields: list[dict[str, Any]]
    held: HeldOut | None

    @staticmethod
    def resolve_version(obj) -> int | None:
        return obj.current.number if obj.current else None

    @staticmethod
    def resolve_rows(obj) -> int:
        return obj.row_count

    @staticmethod
    def resolve_fields(obj) -> list[dict]:
        return obj.schema.get("fields", [])

    @staticmethod
    def resolve_held(obj, context):
        return obj.held if obj.held and (context or {}).get("held_actions") else None
