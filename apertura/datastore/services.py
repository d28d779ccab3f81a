"""Every write to the datastore, each in one transaction with its audit event."""

import hashlib
import re
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from apertura.audit.services import audit_record

from . import conf
from .engine.ingest import CASTS, IngestResult, Limits, ingest_file
from .models import DatastoreTable, DatastoreVersion
from .vocabulary import DIMENSION, DIMENSION_KINDS


class SchemaError(ValueError):
    """A schema edit that does not fit the table (the message says why, in plain words)."""


def _folder(key: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", key)[:80].lstrip(".")
    return f"{safe}-{hashlib.sha1(key.encode()).hexdigest()[:8]}"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def datastore_table_get_or_create(*, key: str, by=None) -> DatastoreTable:
    with transaction.atomic():
        table, created = DatastoreTable.objects.get_or_create(resource_key=key)
        if created:
            audit_record(action="datastore.create", obj_type="datastore.table", obj_id=key, actor=by,
                         summary=f"Datastore table {key} created")
    return table


def datastore_ingest_queue(*, key: str, source_path: Path | str = "", source_name: str = "", by=None,
                           storage_name: str = "", notify_url: str = ""):
    """Queue the ingest as a background task (the table shows "queued" until a worker takes it). The file is a
    local `source_path`, or `storage_name` in the default file storage (S3…), which the worker copies first.
    With `notify_url`, `by` is notified of the outcome with a link to that page."""
    from .tasks import ingest, ingest_stored

    table = datastore_table_get_or_create(key=key, by=by)
    DatastoreTable.objects.filter(pk=table.pk).update(status=DatastoreTable.Status.QUEUED, progress=0,
                                                      progress_stage="")
    if storage_name:
        return ingest_stored.enqueue(key=key, storage_name=storage_name, source_name=source_name,
                                     actor_id=getattr(by, "pk", None), notify_url=notify_url)
    return ingest.enqueue(key=key, source_path=str(source_path), source_name=source_name,
                          actor_id=getattr(by, "pk", None), notify_url=notify_url)


def datastore_ingest(*, key: str, source_path: Path | str, source_name: str = "", schema: dict | None = None,
                     by=None, progress: Callable[[str, float], None] | None = None) -> IngestResult:
    """Validate and load a file as the table's next version; on any problem the current version stays served.

    `schema` (or, when omitted, the schema the publisher edited) declares field types to check the file
    against; undeclared fields are inferred.
    """
    source_path = Path(source_path)
    table = datastore_table_get_or_create(key=key, by=by)
    DatastoreTable.objects.filter(pk=table.pk).update(status=DatastoreTable.Status.RUNNING, progress=0,
                                                      progress_stage="reading")
    if schema is None and table.schema_edited:
        schema = table.schema
    root = conf.datastore_root()
    number = (table.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    dest = root / _folder(key) / f"v{number}-{uuid.uuid4().hex[:12]}.parquet"
    workdir = root / ".tmp" / uuid.uuid4().hex
    caller, last_write = threading.get_ident(), [0.0]

    def report_progress(stage: str, fraction: float):
        if progress:
            progress(stage, fraction)
        # Only the calling thread writes to the database, at most twice a second.
        if threading.get_ident() == caller and time.monotonic() - last_write[0] > 0.5:
            last_write[0] = time.monotonic()
            DatastoreTable.objects.filter(pk=table.pk).update(progress=fraction, progress_stage=stage)

    limits = Limits(xlsx_max_uncompressed_bytes=conf.xlsx_max_uncompressed_bytes(), memory_limit=conf.memory_limit(),
                    max_bytes=conf.max_upload_bytes())
    name = source_name or source_path.name
    try:
        result = ingest_file(source_path, dest=dest, workdir=workdir, schema=schema, progress=report_progress,
                             limits=limits)
    except Exception as exc:  # not the file's fault (disk full, a bug): still say so on the table, then raise
        report = {"valid": False, "summary": _("The upload could not be processed because of an error on the "
                                               "server. The previous version, if any, is still published."),
                  "errors": [], "warnings": [], "errorCounts": {}, "stats": {}}
        DatastoreTable.objects.filter(pk=table.pk).update(status=DatastoreTable.Status.FAILED, last_report=report,
                                                          progress=0, progress_stage="")
        audit_record(action="datastore.ingest_failed", obj_type="datastore.table", obj_id=key, actor=by,
                     summary=f"Upload {name} failed: {type(exc).__name__}")
        raise
    if not result.ok:
        with transaction.atomic():
            DatastoreTable.objects.filter(pk=table.pk).update(
                status=DatastoreTable.Status.FAILED, last_report=result.report, progress=0, progress_stage="")
            audit_record(action="datastore.ingest_failed", obj_type="datastore.table", obj_id=key, actor=by,
                         summary=f"Upload {name} refused: {result.report['summary']}",
                         data={"errors": result.report["errorCounts"]})
        return result
    try:
        with transaction.atomic():
            table = DatastoreTable.objects.select_for_update().get(pk=table.pk)
            schema_out = _keep_descriptions(result.schema, table.schema)
            version = DatastoreVersion.objects.create(
                table=table, number=number, parquet_path=str(dest), row_count=result.row_count, schema=schema_out,
                report=result.report, source_name=name, source_sha256=_sha256(source_path),
                source_bytes=source_path.stat().st_size)
            table.current = version
            table.parquet_path = str(dest)
            table.row_count = result.row_count
            table.schema = schema_out
            table.status = DatastoreTable.Status.READY
            table.last_report = result.report
            table.progress, table.progress_stage = 1.0, "done"
            table.save()
            audit_record(action="datastore.ingest", obj_type="datastore.table", obj_id=key, actor=by,
                         summary=f"Version {number} published from {name}: {result.row_count} rows",
                         data={"version": number, "rows": result.row_count, "sha256": version.source_sha256})
    except Exception:
        dest.unlink(missing_ok=True)
        raise
    return result


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


def datastore_schema_update(*, key: str, schema: dict, by=None) -> DatastoreTable:
    """The publisher's edit of the Table Schema: titles, descriptions and units show at once; types and formats
    are checked against the next upload (which is refused, with the rows that do not fit, if they do not)."""
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
