"""Background work: ingesting an uploaded file (progress shows on the table while it runs).

An ingest whose worker died, was stopped or lost the database in the middle is retried once, then failed (see
`common.leases`): `_ingest_interrupted` puts the table back in the queue or says, in plain words, what happened.
Each process reads and writes under its own scratch folder, so `_remove_leftovers` can tell a dead one's files.
"""

import hashlib
import shutil
import uuid
from pathlib import Path, PurePath

from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _
from django_tasks import task

from apertura.audit.services import audit_record
from apertura.common.leases import when_interrupted, when_reaping
from apertura.common.scratch import leftovers, scratch_folder

from . import conf
from .models import DatastoreTable, DatastoreVersion
from .services import datastore_ingest


@task(takes_context=True)
def ingest(context, key: str, source_path: str, source_name: str = "", actor_id: int | None = None,
           notify_url: str = "") -> dict:
    """Validate and load a file as the next version of the table `key`; returns the validation report. With
    `notify_url` (the page that shows the table), the person who uploaded the file is told how it went."""
    by = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    report = _published_by_an_earlier_attempt(context, key, Path(source_path))
    ok = report is not None
    if report is None:
        result = datastore_ingest(key=key, source_path=source_path, source_name=source_name, by=by)
        report, ok = result.report, result.ok
    if by is not None and notify_url:
        _notify(by, ok=ok, held=bool(report.get("held")), name=source_name or key, body=report.get("summary", ""),
                url=notify_url)
    return report


@task(takes_context=True)
def ingest_stored(context, key: str, storage_name: str, source_name: str = "", actor_id: int | None = None,
                  notify_url: str = "") -> dict:
    """`ingest` for a file in remote storage: copied to this process's scratch folder, read, then removed."""
    scratch = scratch_folder(conf.datastore_root()) / f"{uuid.uuid4().hex}{PurePath(storage_name).suffix[:10]}"
    scratch.parent.mkdir(parents=True, exist_ok=True)
    try:
        with default_storage.open(storage_name, "rb") as source, scratch.open("wb") as out:
            shutil.copyfileobj(source, out, 1024 * 1024)
        return ingest.call(context, key=key, source_path=str(scratch), source_name=source_name, actor_id=actor_id,
                           notify_url=notify_url)
    finally:
        scratch.unlink(missing_ok=True)


def _notify(by, *, ok: bool, name: str, body: str, url: str, held: bool = False) -> None:
    from apertura.notifications.services import notify

    title = (_("Your file %(name)s waits for your confirmation") if held else
             _("Your file %(name)s is published as a table") if ok else
             _("Your file %(name)s was not published")) % {"name": name}
    notify(users=[by], kind="datastore.ingest", title=title, body=body, url=url)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _published_by_an_earlier_attempt(context, key: str, source: Path) -> dict | None:
    """A run that got as far as publishing, but whose worker stopped before it could say so, is not published
    again as one more version: on a retry, a version of this same file published since the upload was queued is
    the one. Returns its report (and shows the table as published again), or None."""
    if context.attempt < 2:
        return None
    version = (DatastoreVersion.objects.filter(table__resource_key=key, created_at__gte=context.task_result.enqueued_at)
               .order_by("-number").first())
    if version is None or not source.is_file() or version.source_sha256 != _sha256(source):
        return None
    DatastoreTable.objects.filter(resource_key=key, current=version).update(
        status=DatastoreTable.Status.READY, last_report=version.report, progress=1.0, progress_stage="done")
    return version.report


def stopped_report() -> dict:
    return {"valid": False, "errors": [], "warnings": [], "errorCounts": {}, "stats": {},
            "summary": _("Processing stopped because the server's background worker was interrupted. The previous "
                         "version, if any, is still published. Upload the file again to try once more.")}


@when_interrupted(ingest, ingest_stored)
def _ingest_interrupted(result, *, retrying: bool) -> None:
    """The table of an ingest cut short: queued again (the current version stays served meanwhile), or failed with
    a report that says what happened, and the uploader told."""
    kwargs = result.args_kwargs["kwargs"]
    key, name = kwargs["key"], kwargs.get("source_name") or kwargs["key"]
    tables = DatastoreTable.objects.filter(resource_key=key)
    if retrying:
        # Failed too: a run that lost the database may have said "error on the server" before it was released.
        if tables.filter(status__in=[DatastoreTable.Status.RUNNING, DatastoreTable.Status.FAILED]).update(
                status=DatastoreTable.Status.QUEUED, progress=0, progress_stage=""):
            audit_record(action="datastore.ingest_interrupted", obj_type="datastore.table", obj_id=key,
                         summary=f"Upload {name} interrupted (the worker running it stopped); queued again")
        return
    report = stopped_report()
    # Queued too: a run cut short before it showed "ingesting" would otherwise say "waiting" forever.
    if not tables.filter(status__in=[DatastoreTable.Status.RUNNING, DatastoreTable.Status.QUEUED]).update(
            status=DatastoreTable.Status.FAILED, last_report=report, progress=0, progress_stage=""):
        return
    audit_record(action="datastore.ingest_failed", obj_type="datastore.table", obj_id=key,
                 summary=f"Upload {name} failed: the worker running it stopped")
    by = get_user_model().objects.filter(pk=kwargs.get("actor_id")).first() if kwargs.get("actor_id") else None
    if by is not None and kwargs.get("notify_url"):
        transaction.on_commit(lambda: _notify(by, ok=False, name=name, body=report["summary"],
                                              url=kwargs["notify_url"]))


@when_reaping
def _remove_leftovers(live_worker_ids: set[str]) -> None:
    """Scratch folders of workers and processes that are gone (what they were writing when they died)."""
    for path in leftovers(conf.datastore_root() / ".tmp", live_worker_ids):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
