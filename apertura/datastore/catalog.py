"""The datastore seen from the catalog: which resources get a table, who sees it, and the hook that queues the
ingest when a publisher uploads a tabular file. The table's key is the resource's id (as CKAN names it)."""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.db import transaction
from django.urls import reverse

from .models import DatastoreTable

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
        from .services import datastore_ingest_queue

        try:
            local = {"source_path": resource.file.path}
        except NotImplementedError:  # remote storage (S3): the worker copies the file
            local = {"storage_name": resource.file.name}
        url = reverse("catalog:resource", args=[resource.dataset.name, resource.pk])
        datastore_ingest_queue(key=key, source_name=name, by=by, notify_url=url, **local)

    transaction.on_commit(queue)
    return True


def active_keys(resource_ids) -> set[str]:
    """Of these resources, those with a published table (CKAN's `datastore_active`), in one query."""
    keys = [str(pk) for pk in resource_ids]
    if not keys:
        return set()
    return set(DatastoreTable.objects.filter(resource_key__in=keys, current__isnull=False)
               .values_list("resource_key", flat=True))


def visible_resource(key: str, user=None):
    """The catalog resource whose table `key` is, if `user` (anonymous when None) may see its dataset; else None."""
    import rules
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import ValidationError

    from apertura.catalog.models import Resource

    try:
        resource = Resource.objects.select_related("dataset", "dataset__publisher").get(pk=key)
    except (Resource.DoesNotExist, ValueError, ValidationError):  # a key that is not a UUID is simply not found
        return None
    if not rules.has_perm("catalog.view_dataset", user or AnonymousUser(), resource.dataset):
        return None
    return resource


def public_keys() -> set[str]:
    """Tables of resources of published datasets: what anonymous SQL may read."""
    from apertura.catalog.models import Dataset, Resource

    keys = list(DatastoreTable.objects.filter(current__isnull=False).values_list("resource_key", flat=True))
    valid = []
    for key in keys:
        try:
            valid.append(uuid.UUID(key))
        except ValueError:
            continue  # a table made from the command line, not from a catalog resource
    published = Resource.objects.filter(pk__in=valid, dataset__state=Dataset.State.PUBLISHED)
    return {str(pk) for pk in published.values_list("pk", flat=True)}
