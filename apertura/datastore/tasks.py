"""Background work: ingesting an uploaded file (progress shows on the table while it runs)."""

import shutil
import uuid
from pathlib import PurePath

from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from django_tasks import task

from . import conf
from .services import datastore_ingest


@task()
def ingest(key: str, source_path: str, source_name: str = "", actor_id: int | None = None,
           notify_url: str = "") -> dict:
    """Validate and load a file as the next version of the table `key`; returns the validation report. With
    `notify_url` (the page that shows the table), the person who uploaded the file is told how it went."""
    by = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    result = datastore_ingest(key=key, source_path=source_path, source_name=source_name, by=by)
    if by is not None and notify_url:
        from apertura.notifications.services import notify

        title = (_("Your file %(name)s is published as a table") if result.ok else
                 _("Your file %(name)s was not published")) % {"name": source_name or key}
        notify(users=[by], kind="datastore.ingest", title=title, body=result.report.get("summary", ""),
               url=notify_url)
    return result.report


@task()
def ingest_stored(key: str, storage_name: str, source_name: str = "", actor_id: int | None = None,
                  notify_url: str = "") -> dict:
    """`ingest` for a file in remote storage: copied to the datastore's scratch folder, read, then removed."""
    scratch = conf.datastore_root() / ".tmp" / f"{uuid.uuid4().hex}{PurePath(storage_name).suffix[:10]}"
    scratch.parent.mkdir(parents=True, exist_ok=True)
    try:
        with default_storage.open(storage_name, "rb") as source, scratch.open("wb") as out:
            shutil.copyfileobj(source, out, 1024 * 1024)
        return ingest.call(key=key, source_path=str(scratch), source_name=source_name, actor_id=actor_id,
                           notify_url=notify_url)
    finally:
        scratch.unlink(missing_ok=True)
