"""Every write to the datastore, each in one transaction with its audit event.

Who may change a table — queue a file for it, edit its schema, publish or discard an upload held for confirmation —
is the permission `datastore.change_table`, asked with the table as its object before the transaction (a refusal is
audited: apertura/accounts/permissions.py). The datastore knows tables only by key, so the app whose records the
keys name registers that rule (the catalog: apertura/catalog/rules.py). A command run on the server is the system
acting (`by=None, system=True`). `datastore_ingest` itself is the background worker's step (or the command line's):
it checks nothing, because the person's permission was checked when the file was queued; its `by` only names them.
"""

import hashlib
import re
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from apertura.accounts.permissions import require
from apertura.audit.services import audit_record
from apertura.common.scratch import scratch_folder

from . import conf
from .engine.ingest import CASTS, IngestResult, Limits, ingest_file
from .engine.report import held_summary
from .models import DatastoreTable, DatastoreVersion
from .vocabulary import DIMENSION, DIMENSION_KINDS

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django_tasks import TaskResult


class SchemaError(ValueError):
    """A schema edit that does not fit the table (the message says why, in plain words)."""


class NothingHeld(LookupError):
    """No upload waits for confirmation, or not the one the publisher saw (published, discarded or replaced since)."""


def _folder(key: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", key)[:80].lstrip(".")
    return f"{safe}-{hashlib.sha1(key.encode()).hexdigest()[:8]}"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _table_for(*, key: str, by: "User | None" = None) -> DatastoreTable:
    """The table `key`, created (and audited) on its first upload."""
    with transaction.atomic():
        table, created = DatastoreTable.objects.get_or_create(resource_key=key)
        if created:
            audit_record(action="datastore.create", obj_type="datastore.table", obj_id=key, actor=by,
                         summary=f"Datastore table {key} created")
    return table


def _table_or_unsaved(key: str) -> DatastoreTable:
    """What a permission is asked about: the table, or the one its first upload would create."""
    return DatastoreTable.objects.filter(resource_key=key).first() or DatastoreTable(resource_key=key)


def _may_change(key: str, *, by: "User | None", system: bool) -> None:
    require("datastore.change_table", by=by, obj=_table_or_unsaved(key), system=system,
            why=_("Only the publisher of this table may change it."))


def datastore_ingest_queue(*, key: str, source_path: Path | str = "", source_name: str = "", by: "User | None" = None,
                           storage_name: str = "", notify_url: str = "", system: bool = False) -> "TaskResult[dict]":
    """Queue the ingest as a background task (the table shows "queued" until a worker takes it). The file is a
    local `source_path`, or `storage_name` in the default file storage (S3…), which the worker copies first.
    With `notify_url`, `by` is notified of the outcome with a link to that page."""
    from .tasks import ingest, ingest_stored

    _may_change(key, by=by, system=system)
    table = _table_for(key=key, by=by)
    DatastoreTable.objects.filter(pk=table.pk).update(status=DatastoreTable.Status.QUEUED, progress=0,
                                                      progress_stage="")
    if storage_name:
        return ingest_stored.enqueue(key=key, storage_name=storage_name, source_name=source_name,
                                     actor_id=getattr(by, "pk", None), notify_url=notify_url)
    return ingest.enqueue(key=key, source_path=str(source_path), source_name=source_name,
                          actor_id=getattr(by, "pk", None), notify_url=notify_url)


def datastore_ingest(*, key: str, source_path: Path | str, source_name: str = "", schema: dict | None = None,
                     by: "User | None" = None, progress: Callable[[str, float], None] | None = None,
                     confirm: bool = False) -> IngestResult:
    """Validate and load a file as the table's next version; on any problem the current version stays served.

    `schema` (or, when omitted, the schema the publisher edited) declares field types to check the file
    against; undeclared fields are inferred.

    A valid file that would make the published table worse — no rows where it has some, or without some of its
    columns — is held, not published (`result.held` says why): the current version stays served until an editor
    publishes it anyway (datastore_held_publish) or discards it (datastore_held_discard). `confirm` publishes it
    at once. A first version is never held: with nothing published, nothing gets worse. A newer upload that ends
    (published, held or refused) replaces the one held, whose file is then removed.
    """
    source_path = Path(source_path)
    table = _table_for(key=key, by=by)
    DatastoreTable.objects.filter(pk=table.pk).update(status=DatastoreTable.Status.RUNNING, progress=0,
                                                      progress_stage="reading")
    if schema is None and table.schema_edited:
        schema = table.schema
    root = conf.datastore_root()
    number = (table.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    dest = root / _folder(key) / f"v{number}-{uuid.uuid4().hex[:12]}.parquet"
    workdir = scratch_folder(root) / uuid.uuid4().hex  # this process's own: a dead one's leftovers can be found
    caller, last_write = threading.get_ident(), [0.0]

    def report_progress(stage: str, fraction: float) -> None:
        if progress:
            progress(stage, fraction)
        # Only the calling thread writes to the database, at most twice a second.
        if threading.get_ident() == caller and time.monotonic() - last_write[0] > 0.5:
            last_write[0] = time.monotonic()
            DatastoreTable.objects.filter(pk=table.pk).update(progress=fraction, progress_stage=stage)

    limits = Limits(xlsx_max_uncompressed_bytes=conf.xlsx_max_uncompressed_bytes(), memory_limit=conf.memory_limit(),
                    max_bytes=conf.max_upload_bytes(), max_line_bytes=_max_line_bytes())
    name = source_name or source_path.name
    try:
        result = ingest_file(source_path, dest=dest, workdir=workdir, schema=schema, progress=report_progress,
                             limits=limits)
    except Exception as exc:  # not the file's fault (disk full, a bug): still say so on the table, then raise
        _mark_server_error(table, key=key, name=name, by=by, exc=exc)
        raise
    try:
        with transaction.atomic():
            table = DatastoreTable.objects.select_for_update().get(pk=table.pk)
            superseded = table.held
            if not result.ok:
                table.held = {}
                table.status, table.last_report = DatastoreTable.Status.FAILED, result.report
                table.progress, table.progress_stage = 0, ""
                table.save()
                audit_record(action="datastore.ingest_failed", obj_type="datastore.table", obj_id=key, actor=by,
                             summary=f"Upload {name} refused: {result.report['summary']}",
                             data={"errors": result.report["errorCounts"], **_superseded(superseded)})
            else:
                source: dict[str, Any] = {"source_name": name, "source_sha256": _sha256(source_path),
                          "source_bytes": source_path.stat().st_size}
                # django-stubs refuses None for pk, which Django reads as IS NULL (no version: None here).
                current = DatastoreVersion.objects.filter(pk=table.current_id).first()  # type: ignore[misc]
                reasons = {} if confirm else _worse(current, result)
                if reasons:
                    _hold(table, result, reasons, source, by=by)
                    result.held = reasons
                    audit_record(action="datastore.ingest_held", obj_type="datastore.table", obj_id=key, actor=by,
                                 summary=f"Upload {name} held for confirmation: {result.report['summary']}",
                                 data={"held": table.held["id"], **reasons, "sha256": source["source_sha256"],
                                       **_superseded(superseded)})
                else:
                    table.held = {}
                    version = _publish(table, parquet_path=str(dest), row_count=result.row_count,
                                       schema=result.schema, report=result.report, **source)
                    audit_record(action="datastore.ingest", obj_type="datastore.table", obj_id=key, actor=by,
                                 summary=f"Version {version.number} published from {name}: {result.row_count} rows",
                                 data={"version": version.number, "rows": result.row_count,
                                       "sha256": version.source_sha256, **_superseded(superseded)})
            _remove_on_commit(superseded)
    except Exception as exc:
        if result.ok:
            dest.unlink(missing_ok=True)
        _mark_server_error(table, key=key, name=name, by=by, exc=exc)
        raise
    return result


def _max_line_bytes() -> int:
    return int(conf.max_line_mb() * 1024 * 1024)


def _mark_server_error(table: DatastoreTable, *, key: str, name: str, by: "User | None", exc: Exception) -> None:
    """An ingest that broke on the server still leaves a report on the table (and the current version served)."""
    report = {"valid": False, "summary": _("The upload could not be processed because of an error on the "
                                           "server. The previous version, if any, is still published."),
              "errors": [], "warnings": [], "errorCounts": {}, "stats": {}}
    DatastoreTable.objects.filter(pk=table.pk).update(status=DatastoreTable.Status.FAILED, last_report=report,
                                                      progress=0, progress_stage="")
    audit_record(action="datastore.ingest_failed", obj_type="datastore.table", obj_id=key, actor=by,
                 summary=f"Upload {name} failed: {type(exc).__name__}")


def _worse(current: DatastoreVersion | None, result: IngestResult) -> dict:
    """How a valid file would make the published version worse: no rows where it has some, or fewer columns."""
    if current is None:
        return {}
    names = {f["name"] for f in result.schema.get("fields", [])}
    missing = [f["name"] for f in current.schema.get("fields", []) if f["name"] not in names]
    no_rows = result.row_count == 0 and current.row_count > 0
    if not (no_rows or missing):
        return {}
    return {"publishedVersion": current.number, "publishedRows": current.row_count, "rows": result.row_count,
            "noRows": no_rows, "missingFields": missing}


def _hold(table: DatastoreTable, result: IngestResult, reasons: dict, source: dict, *, by: "User | None") -> None:
    # The report as it would be had the file been published is kept for the version; the table's says it is held.
    result.report, valid_report = {**result.report, "summary": held_summary(reasons), "held": reasons}, result.report
    table.held = {"id": uuid.uuid4().hex, "parquet_path": str(result.parquet_path), "row_count": result.row_count,
                  "schema": result.schema, "report": valid_report, "reasons": reasons, **source,
                  "by": getattr(by, "pk", None), "at": timezone.now().isoformat()}
    table.status, table.last_report = DatastoreTable.Status.HELD, result.report
    table.progress, table.progress_stage = 1.0, "done"
    table.save()


def _publish(table: DatastoreTable, *, parquet_path: str, row_count: int, schema: dict, report: dict,
             source_name: str, source_sha256: str, source_bytes: int,
             status: str = DatastoreTable.Status.READY) -> DatastoreVersion:
    """The next version, served from now on (`table` is locked by the caller)."""
    # Numbered under the lock: a held file published meanwhile may have taken the number guessed before reading.
    number = (table.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    schema_out = _keep_descriptions(schema, table.schema)
    version = DatastoreVersion.objects.create(
        table=table, number=number, parquet_path=parquet_path, row_count=row_count, schema=schema_out,
        report=report, source_name=source_name, source_sha256=source_sha256, source_bytes=source_bytes)
    table.current = version
    table.parquet_path = parquet_path
    table.row_count = row_count
    table.schema = schema_out
    table.status = status
    if status == DatastoreTable.Status.READY:
        table.last_report = report
        table.progress, table.progress_stage = 1.0, "done"
    table.save()
    return version


def _superseded(held: dict) -> dict:
    return {"superseded": held["id"]} if held else {}


def _remove_on_commit(held: dict) -> None:
    """The Parquet of a held upload no longer held goes once the change is committed (a rollback still needs it)."""
    if held and held.get("parquet_path"):
        path = Path(held["parquet_path"])
        transaction.on_commit(lambda: path.unlink(missing_ok=True))


def _held_table(key: str, held_id: str) -> DatastoreTable:
    table = DatastoreTable.objects.select_for_update().filter(resource_key=key).first()
    if table is None or not table.held or (held_id and table.held.get("id") != held_id):
        raise NothingHeld(_("No upload of this table waits for confirmation: it was published, discarded or "
                            "replaced by a newer upload."))
    return table


def datastore_held_publish(*, key: str, held_id: str = "", by: "User | None" = None,
                           system: bool = False) -> DatastoreVersion:
    """Publish the upload held for confirmation as the table's next version. With `held_id` (the one the publisher
    was shown), only that upload: a newer one that replaced it meanwhile is not published unseen."""
    _may_change(key, by=by, system=system)
    with transaction.atomic():
        table = _held_table(key, held_id)
        held = table.held
        if not Path(held["parquet_path"]).is_file():
            raise NothingHeld(_("The file held for confirmation is no longer on the server; upload it again."))
        table.held = {}
        # A newer upload being read meanwhile keeps showing its progress (and replaces this version if it passes).
        working = table.status in (DatastoreTable.Status.QUEUED, DatastoreTable.Status.RUNNING)
        version = _publish(table, parquet_path=held["parquet_path"], row_count=held["row_count"],
                           schema=held["schema"], report=held["report"], source_name=held["source_name"],
                           source_sha256=held["source_sha256"], source_bytes=held["source_bytes"],
                           status=table.status if working else DatastoreTable.Status.READY)
        audit_record(action="datastore.held_publish", obj_type="datastore.table", obj_id=key, actor=by,
                     summary=f"Version {version.number} published from {held['source_name']} (held, confirmed): "
                             f"{version.row_count} rows",
                     data={"held": held["id"], "version": version.number, "rows": version.row_count,
                           "missingFields": held["reasons"].get("missingFields", []),
                           "sha256": version.source_sha256})
    return version


def datastore_held_discard(*, key: str, held_id: str = "", by: "User | None" = None,
                           system: bool = False) -> DatastoreTable:
    """Drop the upload held for confirmation (its Parquet is removed); the current version stays served."""
    _may_change(key, by=by, system=system)
    with transaction.atomic():
        table = _held_table(key, held_id)
        held = table.held
        table.held = {}
        if table.status == DatastoreTable.Status.HELD:
            table.status = DatastoreTable.Status.READY if table.current_id else DatastoreTable.Status.EMPTY
        table.save()
        audit_record(action="datastore.held_discard", obj_type="datastore.table", obj_id=key, actor=by,
                     summary=f"Upload {held['source_name']} (held for confirmation) discarded",
                     data={"held": held["id"], "sha256": held["source_sha256"]})
        _remove_on_commit(held)
    return table


KEPT = ("title", "description", "unit", DIMENSION)  # what the publisher wrote about a column, not its type


def _keep_descriptions(new: dict, old: dict) -> dict:
    """Titles, descriptions and units the publisher wrote survive a new upload of the same columns."""
    previous = {f["name"]: f for f in (old or {}).get("fields", [])}
    fields = []
    for field_ in new.get("fields", []):
        kept = {k: v for k, v in previous.get(field_["name"], {}).items() if k in KEPT}
        fields.append({**field_, **kept})
    return {**new, "fields": fields}


EDITABLE = {"title", "description", "unit", "type", "format", "trueValues", "falseValues", DIMENSION}


def datastore_schema_update(*, key: str, schema: dict, by: "User | None" = None,
                            system: bool = False) -> DatastoreTable:
    """The publisher's edit of the Table Schema: titles, descriptions and units show at once; types and formats
    are checked against the next upload (which is refused, with the rows that do not fit, if they do not)."""
    _may_change(key, by=by, system=system)
    with transaction.atomic():
        table = DatastoreTable.objects.select_for_update().get(resource_key=key)
        current = {f["name"]: f for f in table.schema.get("fields", [])}
        fields = []
        for field_ in schema.get("fields", []):
            name = field_.get("name")
            if name not in current:
                raise SchemaError(_("The table has no column “%(name)s”.") % {"name": name})
            unknown = set(field_) - EDITABLE - {"name"}
            if unknown:
                raise SchemaError(_("“%(key)s” cannot be edited.") % {"key": sorted(unknown)[0]})
            if field_.get("type", current[name]["type"]) not in CASTS:
                raise SchemaError(_("“%(type)s” is not a type a column can have.") % {"type": field_["type"]})
            if field_.get(DIMENSION, "") not in ("", *DIMENSION_KINDS):
                raise SchemaError(_("“%(kind)s” is not a kind of breakdown.") % {"kind": field_[DIMENSION]})
            merged = {**current[name], **field_}
            if not merged.get(DIMENSION):
                merged.pop(DIMENSION, None)  # empty means "let the platform recognise it"
            fields.append(merged)
        named = {f["name"] for f in fields}
        fields += [f for f in table.schema.get("fields", []) if f["name"] not in named]
        order = [f["name"] for f in table.schema.get("fields", [])]
        table.schema = {**table.schema, "fields": sorted(fields, key=lambda f: order.index(f["name"]))}
        table.schema_edited = True
        table.save(update_fields=["schema", "schema_edited", "updated_at"])
        audit_record(action="datastore.schema_update", obj_type="datastore.table", obj_id=key, actor=by,
                     summary=f"Schema of {key} edited", data={"fields": schema.get("fields", [])})
    return table
