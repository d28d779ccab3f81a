from django.db import models
from django.utils.translation import gettext_lazy as _


class DatastoreTable(models.Model):
    """The queryable table of one tabular resource: the version served now, and how its last ingest went."""

    class Status(models.TextChoices):
        EMPTY = "empty", _("no data yet")
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("ingesting")
        READY = "ready", _("published")
        FAILED = "failed", _("last upload refused")
        HELD = "held", _("last upload waits for confirmation")

    resource_key = models.CharField(_("resource"), max_length=100, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.EMPTY)
    current = models.ForeignKey("DatastoreVersion", verbose_name=_("current version"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    parquet_path = models.CharField(_("Parquet file"), max_length=500, blank=True)
    row_count = models.BigIntegerField(_("rows"), default=0)
    schema = models.JSONField(_("Table Schema"), default=dict, blank=True)
    schema_edited = models.BooleanField(_("schema edited by the publisher"), default=False)
    progress = models.FloatField(_("progress"), default=0)
    progress_stage = models.CharField(_("stage"), max_length=40, blank=True)
    last_report = models.JSONField(_("last validation report"), default=dict, blank=True)
    # A valid upload that would make the published version worse (no rows, lost columns): its Parquet is written
    # but not a version until an editor confirms it, so nothing that reads versions (API, SQL, downloads, the
    # list of versions) can reach it. Empty when none is held. Keys: see services._hold.
    held = models.JSONField(_("upload waiting for confirmation"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("datastore table")
        verbose_name_plural = _("datastore tables")

    def __str__(self) -> str:
        return self.resource_key


class DatastoreVersion(models.Model):
    """One successful ingest. Versions are never overwritten; earlier ones stay downloadable."""

    table = models.ForeignKey(DatastoreTable, verbose_name=_("table"), on_delete=models.CASCADE,
                              related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    parquet_path = models.CharField(_("Parquet file"), max_length=500)
    row_count = models.BigIntegerField(_("rows"))
    schema = models.JSONField(_("Table Schema"), default=dict)
    report = models.JSONField(_("validation report"), default=dict)
    source_name = models.CharField(_("uploaded file"), max_length=255, blank=True)
    source_sha256 = models.CharField(_("SHA-256 of the upload"), max_length=64, blank=True)
    source_bytes = models.BigIntegerField(_("size of the upload"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["table", "number"]
        constraints = [models.UniqueConstraint(fields=["table", "number"], name="datastore_version_unique")]
        verbose_name = _("datastore version")
        verbose_name_plural = _("datastore versions")

    def __str__(self) -> str:
        return f"{self.table.resource_key} v{self.number}"
