"""The datastore seen from the catalog: which resources get a table, who sees it, and the hook that queues the
ingest when a publisher uploads a tabular file. The table's key is the resource's id (as CKAN names it).

The datastore knows tables only by key; `CatalogTables` answers its questions about them (who may read a table,
where it is downloaded), registered with apertura/datastore/access.py in CatalogConfig.ready()."""

from __future__ import annotations

import uuid
from pathlib import PurePath

import rules
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from apertura.datastore import services as datastore_services
from apertura.datastore.models import DatastoreTable

from .models import Dataset, Resource

TABULAR = {"csv", "tsv", "xlsx", "json", "parquet"}


def is_tabular(resource) -> bool:
    """An uploaded file in a format the datastore reads (by its name, else by its declared format)."""
    if not resource.file:
        return False
    suffix = PurePath(resource.original_name or resource.file.name).suffix.lstrip(".").lower()
    return suffix in TABULAR or (resource.format or "").lower() in TABULAR


def resource_file_changed(*, resource, by=None) -> bool:
    """Called by the catalog's services when a file is uploaded or replaced: a tabular file is queued for ingest
    once the catalog's transaction commits (so the worker finds the file and the resource). Returns whether it was
    queued. The table keeps serving its current version until the new one is validated and loaded."""
    if not is_tabular(resource):
        return False
    key = str(resource.pk)
    name = resource.original_name or PurePath(resource.file.name).name

    def queue():
        try:
            local = {"source_path": resource.file.path}
        except NotImplementedError:  # remote storage (S3): the worker copies the file
            local = {"storage_name": resource.file.name}
        url = reverse("catalog:resource", args=[resource.dataset.name, resource.pk])
        datastore_services.datastore_ingest_queue(key=key, source_name=name, by=by, notify_url=url, **local)

    transaction.on_commit(queue)
    return True


def visible_resource(key: str, user=None):
    """The catalog resource whose table `key` is, if `user` (anonymous when None) may see its dataset; else None."""
    try:
        resource = Resource.objects.select_related("dataset", "dataset__publisher").get(pk=key)
    except (Resource.DoesNotExist, ValueError, ValidationError):  # a key that is not a UUID is simply not found
        return None
    if not rules.has_perm("catalog.view_dataset", user or AnonymousUser(), resource.dataset):
        return None
    return resource


def public_keys() -> set[str]:
    """Tables of resources of published datasets: what anonymous SQL may read."""
    keys = list(DatastoreTable.objects.filter(current__isnull=False).values_list("resource_key", flat=True))
    valid = []
    for key in keys:
        try:
            valid.append(uuid.UUID(key))
        except ValueError:
            continue  # a table made from the command line, not from a catalog resource
    published = Resource.objects.filter(pk__in=valid, dataset__state=Dataset.State.PUBLISHED)
    return {str(pk) for pk in published.values_list("pk", flat=True)}


class CatalogTables:
    """The catalog's answers to the datastore about its tables (see apertura/datastore/access.py)."""

    def visible(self, key: str, user=None) -> bool:
        return visible_resource(key, user) is not None

    def download_paths(self, key: str, formats) -> dict[str, str]:
        try:
            resource = Resource.objects.select_related("dataset").get(pk=key)
        except (Resource.DoesNotExist, ValueError, ValidationError):
            return {}
        return {fmt: reverse("catalog:resource_table", args=[resource.dataset.name, resource.pk, fmt])
                for fmt in formats}
