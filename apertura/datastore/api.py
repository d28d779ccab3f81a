"""The datastore's own REST API: a table's fields, its rows with keyset pagination and filters, and grouped
aggregates. Who may read a table is its owner's answer (apertura/datastore/access.py): for the catalog's tables,
anyone for published datasets; a signed-in publisher also reads their drafts."""

from typing import Literal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from .access import download_paths, table_visible
from .engine.query import EXPORT_TYPES, MAX_LIMIT, QueryError, TableRef, datastore_aggregate, datastore_search
from .selectors import NotPublished, published_table

router = Router(tags=["datastore"])
Value = str | int | float | bool | None


class FieldOut(Schema):
    name: str
    type: Literal["string", "integer", "number", "boolean", "date", "datetime"]
    title: str = ""
    description: str = ""
    unit: str = ""


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


def _table(request, resource_id: str) -> TableRef:
    if not table_visible(resource_id, request.user):
        raise HttpError(404, _("No published table has the id %(id)s.") % {"id": resource_id})
    try:
        return published_table(resource_id)
    except NotPublished:
        raise HttpError(404, _("No published table has the id %(id)s.") % {"id": resource_id}) from None


def _fields(table: TableRef, names=None) -> list[dict]:
    chosen = [f for f in table.fields if names is None or f["name"] in names]
    return [{k: f.get(k) or "" for k in ("title", "description", "unit")} | {"name": f["name"], "type": f["type"]}
            for f in chosen]


@router.get("/{resource_id}", response=TableOut, summary="A table's fields and downloads")
def table_info(request, resource_id: str):
    table = _table(request, resource_id)
    paths = download_paths(resource_id, EXPORT_TYPES)
    downloads = {fmt: request.build_absolute_uri(path) for fmt, path in paths.items()}
    return {"resource_id": resource_id, "rows": table.row_count, "fields": _fields(table), "downloads": downloads}


@router.get("/{resource_id}/rows", response=RowsOut, summary="Rows of a table, filtered, sorted, keyset-paged")
def table_rows(request, resource_id: str, params: Query[RowsQuery]):
    table = _table(request, resource_id)
    try:
        result = datastore_search(table, filters=params.filters or None, q=params.q or None,
                                  fields=params.fields or None, sort=params.sort or None, limit=params.limit,
                                  cursor=params.cursor, include_total=params.include_total)
    except QueryError as error:
        raise HttpError(400, str(error)) from None
    names = {f["id"] for f in result["fields"]}
    return {"resource_id": resource_id, "fields": _fields(table, names), "records": result["records"],
            "total": result.get("total"), "next_cursor": result.get("next_page")}


@router.get("/{resource_id}/aggregate", response=AggregateOut, summary="Grouped counts, sums, averages, extremes")
def table_aggregate(request, resource_id: str, params: Query[AggregateQuery]):
    table = _table(request, resource_id)
    try:
        return datastore_aggregate(table, group_by=params.group_by, aggregates=params.aggregate or ["count:*"],
                                   filters=params.filters or None, q=params.q or None, limit=params.limit)
    except QueryError as error:
        raise HttpError(400, str(error)) from None
