"""Reads shared by the API, pages and the command line: published tables as the engine sees them."""

import uuid
from collections.abc import Iterable
from pathlib import Path

from django.db.models import QuerySet

from .engine.query import TableRef
from .models import DatastoreTable, DatastoreVersion


class NotPublished(LookupError):
    pass


def _ref(table: DatastoreTable, version: DatastoreVersion) -> TableRef:
    described = {f["name"]: f for f in table.schema.get("fields", [])}
    # Types come from the version's file; titles, descriptions and units from the (editable) table schema.
    fields = [{**described.get(f["name"], {}), "name": f["name"], "type": f["type"]}
              for f in version.schema.get("fields", [])]
    return TableRef(key=table.resource_key, path=Path(version.parquet_path), fields=fields,
                    row_count=version.row_count)


def table_get(key: str) -> DatastoreTable | None:
    """The table `key`, with its current version, or None before its first upload was queued."""
    return DatastoreTable.objects.select_related("current").filter(resource_key=key).first()


def published_table(key: str, *, version: int | None = None) -> TableRef:
    table = DatastoreTable.objects.select_related("current").filter(resource_key=key).first()
    if table is None or table.current is None:
        raise NotPublished(key)
    chosen = table.current if version is None else table.versions.filter(number=version).first()
    if chosen is None:
        raise NotPublished(key)
    return _ref(table, chosen)


def published_tables() -> dict[str, TableRef]:
    tables = DatastoreTable.objects.select_related("current").filter(current__isnull=False)
    return {t.resource_key: _ref(t, t.current) for t in tables if t.current is not None}


def active_keys(resource_ids: Iterable[str | uuid.UUID]) -> set[str]:
    """Of these resources, those with a published table (CKAN's `datastore_active`), in one query."""
    keys = [str(pk) for pk in resource_ids]
    if not keys:
        return set()
    return set(DatastoreTable.objects.filter(resource_key__in=keys, current__isnull=False)
               .values_list("resource_key", flat=True))


def table_versions(key: str) -> QuerySet[DatastoreVersion]:
    return DatastoreVersion.objects.filter(table__resource_key=key).order_by("-number")
