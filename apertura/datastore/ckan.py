"""CKAN's DataStore actions as CKAN clients send them (ckanapi, the CKAN JS client): parameters as JSON or as
form strings ("true", "100", a JSON `filters` string, comma-separated `fields`), `resource_id` or `id`.
The API router wraps the result in CKAN's envelope `{"success": true, "result": …}`."""

import json

from django.utils.translation import gettext as _

from .engine.query import QueryError, datastore_info, datastore_search, datastore_search_sql
from .selectors import NotPublished, published_table, published_tables

ACTIONS = ("datastore_search", "datastore_info", "datastore_search_sql")


class TableNotFound(QueryError):
    """No table the caller may read has this id (CKAN answers "Not Found Error", 404)."""


def _bool(value, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "on")
    return bool(value)


def _json(value):
    if isinstance(value, str) and value.strip()[:1] in ("{", "["):
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise QueryError(_("A parameter is not valid JSON: %(value)s") % {"value": value[:100]}) from exc
    return value


def ckan_action(action: str, data: dict, *, keys: set[str] | None = None) -> dict:
    """Run one DataStore action; raises QueryError (TableNotFound for an unknown id) or SQLRefused (a kind of
    ValueError) with a plain message. `keys`, when given, are the only tables the caller may read."""
    if action not in ACTIONS:
        raise QueryError(_("Unknown action %(action)s.") % {"action": action})
    if action == "datastore_search_sql":
        if not data.get("sql"):
            raise QueryError(_("The parameter sql is required."))
        tables = published_tables()
        if keys is not None:
            tables = {key: table for key, table in tables.items() if key in keys}
        return datastore_search_sql(str(data["sql"]), tables=tables)
    key = data.get("resource_id") or data.get("id")
    if not key:
        raise QueryError(_("The parameter resource_id is required."))
    try:
        if keys is not None and str(key) not in keys:
            raise NotPublished(key)
        table = published_table(str(key))
    except NotPublished as exc:
        raise TableNotFound(_("No published table has the id %(id)s.") % {"id": key}) from exc
    if action == "datastore_info":
        return datastore_info(table)
    return datastore_search(
        table, filters=_json(data.get("filters")), q=_json(data.get("q")), fields=_json(data.get("fields")),
        sort=_json(data.get("sort")), limit=data.get("limit", 100), offset=data.get("offset", 0),
        include_total=_bool(data.get("include_total"), True), records_format=data.get("records_format", "objects"),
        cursor=data.get("cursor"))
