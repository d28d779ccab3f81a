"""The datastore's own REST API: a table's fields, its rows with keyset pagination and filters, and grouped
aggregates. Who may read a table is its owner's answer (apertura/datastore/access.py): for the catalog's tables,
anyone for published datasets; a signed-in publisher also reads their drafts."""

from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.errors import HttpError

from .access import download_paths, table_visible
from .engine.query import EXPORT_TYPES, QueryError, TableRef, datastore_aggregate, datastore_search
from .schemas import AggregateOut, AggregateQuery, RowsOut, RowsQuery, TableOut
from .selectors import NotPublished, published_table

router = Router(tags=["datastore"])


def _table(request, resource_id: str) -> TableRef:
    if not table_visible(resource_id, request.user):
        raise HttpError(404, _("No published table has the id %(id)s.") % {"id": resource_id})
    try:
        return published_table(resource_id)
    except NotPublished:
        raise HttpError(404, _("No published table has the id %(id)s.") % {"id": resource_id}) from None


def _fields(table: TableRef, names=None) -> list[dict]:
    """The table's field descriptors (FieldOut reads what it answers from them), or those of `names`."""
    return [f for f in table.fields if names is None or f["name"] in names]


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
