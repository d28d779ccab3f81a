"""Abstract models shared by apps."""

import uuid
from pathlib import PurePath

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def stored_document_path(instance, filename: str) -> str:
    # Stored under a random name: the original name is kept as data, never trusted as a path.
    return f"{instance.FOLDER}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()[:10]}"


class StoredDocument(models.Model):
    """A document given as a link, or as a file uploaded here (checked by `common.uploads.check_upload`, served
    by `stored_file_response`). Subclasses name the FOLDER their files go to."""

    FOLDER = "documents"

    title = models.CharField(_("title"), max_length=300)
    url = models.URLField(_("link"), max_length=1000, blank=True)
    file = models.FileField(_("file"), upload_to=stored_document_path, blank=True)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    content_type = models.CharField(_("file type"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("size in bytes"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)

    class Meta:
        abstract = True
        ordering = ["id"]
        constraints = [models.CheckConstraint(
            condition=(models.Q(url="") & ~models.Q(file="")) | (~models.Q(url="") & models.Q(file="")),
            name="%(class)s_file_xor_link")]

    def __str__(self) -> str:
        return self.title


class WorkerHeartbeat(models.Model):
    """A background worker that is alive, as far as anyone knows: it writes `last_seen` every few seconds. One whose
    heartbeat is older than the lease (or whose process is gone, on its own machine) is taken for dead, and the tasks
    it was running are retried or failed (see `common.leases`)."""

    worker_id = models.CharField(_("worker"), max_length=64, primary_key=True)
    host = models.CharField(_("host"), max_length=255)
    pid = models.PositiveIntegerField(_("process id"))
    # Where `pid` names this process (host and PID namespace): only there may a missing process mean a dead worker.
    process_space = models.CharField(_("process space"), max_length=200, blank=True)
    started_at = models.DateTimeField(_("started"))
    last_seen = models.DateTimeField(_("last seen"))

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.host}, pid {self.pid})"
