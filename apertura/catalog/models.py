"""The open data catalog: datasets published by institutions, their resources, licenses, and data requests."""

import datetime as dt
import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from apertura.common.partial_dates import Precision, partial
from apertura.institutions.models import Institution
from apertura.plans.models import Commitment

NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{1,99}$"
RESERVED_NAMES = {"new", "tokens"}  # addresses under /datasets/ that are pages, not datasets


class License(models.Model):
    """A license in the register; `is_open` says whether it meets the Open Definition."""

    id = models.CharField(_("identifier"), max_length=50, primary_key=True)
    title = models.CharField(_("title"), max_length=200)
    url = models.URLField(_("link"), blank=True)
    eu_uri = models.URLField(_("EU licence vocabulary URI"), blank=True)
    is_open = models.BooleanField(_("open"), default=False)

    class Meta:
        ordering = ["title"]
        verbose_name = _("license")
        verbose_name_plural = _("licenses")

    def __str__(self) -> str:
        return self.title


class Theme(models.Model):
    """A data theme: the EU data themes (with their authority URI) and local ones."""

    code = models.SlugField(_("code"), max_length=40, primary_key=True)
    label_es = models.CharField(_("name in Spanish"), max_length=200)
    label_en = models.CharField(_("name in English"), max_length=200)
    uri = models.URLField(_("URI"), blank=True)

    class Meta:
        ordering = ["label_es"]
        verbose_name = _("theme")
        verbose_name_plural = _("themes")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.label_en if get_language() == "en" else self.label_es


class Tag(models.Model):
    name = models.CharField(_("keyword"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Frequency(models.TextChoices):
    CONTINUOUS = "CONT", _("Continuous")
    DAILY = "DAILY", _("Daily")
    WEEKLY = "WEEKLY", _("Weekly")
    MONTHLY = "MONTHLY", _("Monthly")
    QUARTERLY = "QUARTERLY", _("Quarterly")
    ANNUAL = "ANNUAL", _("Annual")
    IRREGULAR = "IRREG", _("Irregular")
    NEVER = "NEVER", _("Never")
    UNKNOWN = "UNKNOWN", _("Unknown")


class Dataset(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        PRIVATE = "private", _("Private")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    publisher = models.ForeignKey(Institution, verbose_name=_("publisher"), on_delete=models.PROTECT,
                                  related_name="datasets")
    name = models.CharField(_("name"), max_length=100, unique=True, validators=[RegexValidator(NAME_PATTERN)],
                            help_text=_("Lower-case letters, digits, - and _: the dataset's address."))
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), max_length=20_000)
    tags = models.ManyToManyField(Tag, verbose_name=_("keywords"), blank=True, related_name="datasets")
    themes = models.ManyToManyField(Theme, verbose_name=_("themes"), blank=True, related_name="datasets")
    license = models.ForeignKey(License, verbose_name=_("license"), on_delete=models.PROTECT, related_name="+")
    contact_name = models.CharField(_("contact name"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    temporal_start = models.DateField(_("coverage from"), null=True, blank=True)
    temporal_start_precision = models.CharField(max_length=5, choices=Precision.choices, default=Precision.DAY)
    temporal_end = models.DateField(_("coverage to"), null=True, blank=True)
    temporal_end_precision = models.CharField(max_length=5, choices=Precision.choices, default=Precision.DAY)
    spatial = models.JSONField(_("spatial coverage"), default=list, blank=True,
                               help_text=_("INE codes of departments (01-22) and municipalities (0101-2217)."))
    frequency = models.CharField(_("update frequency"), max_length=10, choices=Frequency.choices,
                                 default=Frequency.UNKNOWN)
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True,
                                   help_text=_("For example: Decreto 57-2008 art. 10 num. 4."))
    commitments = models.ManyToManyField(Commitment, verbose_name=_("plan commitments"), blank=True,
                                         related_name="datasets")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    created = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    modified = models.DateTimeField(_("modified"), default=timezone.now)
    # Where a harvested dataset came from: the source portal, the dataset's id and metadata_modified there.
    harvest_source = models.CharField(_("harvested from"), max_length=500, blank=True, editable=False)
    harvest_remote_id = models.CharField(max_length=100, blank=True, editable=False)
    harvest_remote_modified = models.CharField(max_length=40, blank=True, editable=False)
    # Folded (lower-case, accent-free) text for search; `spatial_index` is " 01 0101 " with implied departments.
    search_text = models.TextField(editable=False, blank=True)
    title_text = models.TextField(editable=False, blank=True)
    spatial_index = models.TextField(editable=False, blank=True)
    history = HistoricalRecords(excluded_fields=["search_text", "title_text", "spatial_index"])

    class Meta:
        ordering = ["-modified"]
        verbose_name = _("dataset")
        verbose_name_plural = _("datasets")
        indexes = [models.Index(fields=["state", "-modified"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("catalog:dataset", args=[self.name])

    @property
    def spatial_labels(self) -> list[tuple[str, str]]:
        from apertura.geo.regions import label

        return [(code, label(code)) for code in self.spatial or []]

    @property
    def temporal_from(self):
        return partial(self.temporal_start, self.temporal_start_precision)

    @property
    def temporal_to(self):
        return partial(self.temporal_end, self.temporal_end_precision)

    def clean(self):
        from apertura.geo.regions import unknown_codes

        errors = {}
        if self.temporal_start and self.temporal_end and self.temporal_start > self.temporal_end:
            errors["temporal_end"] = _("The coverage ends before it starts.")
        if self.name in RESERVED_NAMES:
            errors["name"] = _("«%(name)s» is reserved; choose another name.") % {"name": self.name}
        bad = unknown_codes(self.spatial or [])
        if bad:
            errors["spatial"] = _("Unknown INE codes: %(codes)s.") % {"codes": ", ".join(bad)}
        if errors:
            raise ValidationError(errors)


class DatasetWords(models.Model):
    """A dataset's row in the SQLite FTS5 table (see `fulltext`): unmanaged, only there for the search's join."""

    dataset = models.OneToOneField(Dataset, primary_key=True, db_column="key", db_constraint=False,
                                   on_delete=models.DO_NOTHING, related_name="fulltext")
    title = models.TextField()
    body = models.TextField()

    class Meta:
        managed = False
        db_table = "catalog_dataset_fts"


def _resource_path(instance, filename: str) -> str:
    # Stored under a random name: the original name is kept as data, never trusted as a path.
    return f"resources/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()[:10]}"


class Resource(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="resources")
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True, max_length=5_000)
    format = models.CharField(_("format"), max_length=20, blank=True, help_text=_("CSV, JSON, XLSX, PDF…"))
    url = models.URLField(_("link"), max_length=1000, blank=True)
    file = models.FileField(_("file"), upload_to=_resource_path, blank=True, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    media_type = models.CharField(_("media type"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("size in bytes"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    created = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    modified = models.DateTimeField(_("modified"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "created"]
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        constraints = [models.CheckConstraint(
            condition=(models.Q(url="") & ~models.Q(file="")) | (~models.Q(url="") & models.Q(file="")),
            name="resource_file_xor_link")]

    def __str__(self) -> str:
        return self.title

    def download_path(self) -> str:
        return reverse("catalog:resource_download", args=[self.dataset.name, self.pk])


class DataRequest(models.Model):
    """Someone asks an institution for a dataset; others support it; the institution answers."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("data request", "Awaiting answer")
        PLANNED = "planned", pgettext_lazy("data request", "Planned")
        PUBLISHED = "published", pgettext_lazy("data request", "Published")
        REFUSED = "refused", pgettext_lazy("data request", "Refused")

    institution = models.ForeignKey(Institution, verbose_name=_("institution"), on_delete=models.PROTECT,
                                    related_name="data_requests")
    title = models.CharField(_("requested data"), max_length=300)
    description = models.TextField(_("why it is needed"), max_length=5_000)
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"),
                                  on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    requester_name = models.CharField(_("your name"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    planned_for = models.DateField(_("planned publication date"), null=True, blank=True)
    published_url = models.URLField(_("link to the published data"), max_length=1000, blank=True)
    dataset = models.ForeignKey(Dataset, verbose_name=_("dataset"), on_delete=models.SET_NULL, null=True,
                                blank=True, related_name="requests")
    answer = models.TextField(_("answer"), max_length=5_000, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    priority = models.BooleanField(_("priority of the Users Committee"), default=False)
    created = models.DateTimeField(_("requested"), default=timezone.now, editable=False)
    supporters = models.ManyToManyField(settings.AUTH_USER_MODEL, through="DataRequestSupport", related_name="+")
    history = HistoricalRecords(excluded_fields=["requester"])

    class Meta:
        ordering = ["-created"]
        verbose_name = _("data request")
        verbose_name_plural = _("data requests")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("catalog:request", args=[self.pk])

    @property
    def days_to_answer(self) -> int | None:
        return (self.answered_at - self.created).days if self.answered_at else None

    def clean(self):
        errors = {}
        if self.status == self.Status.PLANNED and not self.planned_for:
            errors["planned_for"] = _("Give the date the data will be published.")
        if self.status == self.Status.PUBLISHED and not (self.published_url or self.dataset_id):
            errors["published_url"] = _("Give the link to the published data.")
        if self.status == self.Status.REFUSED and len(self.answer.strip()) < 10:
            errors["answer"] = _("Give the reason for the refusal.")
        if errors:
            raise ValidationError(errors)


class DataRequestSupport(models.Model):
    request = models.ForeignKey(DataRequest, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["request", "user"], name="one_support_per_user")]


class ApiToken(models.Model):
    """A key for writing through the CKAN Action API. Only its SHA-256 is stored; the key is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="catalog_tokens")
    name = models.CharField(_("name"), max_length=100)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=8, editable=False)
    created = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    last_used = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class HarvestSource(models.Model):
    """Another portal whose datasets an administrator has this one import on a schedule."""

    class Kind(models.TextChoices):
        CKAN = "ckan", _("CKAN Action API")
        DCAT = "dcat", _("DCAT catalog")

    class Every(models.TextChoices):
        HOURLY = "hourly", _("Every hour")
        DAILY = "daily", _("Every day")
        WEEKLY = "weekly", _("Every week")
        MONTHLY = "monthly", _("Every month")

    INTERVALS = {"hourly": dt.timedelta(hours=1), "daily": dt.timedelta(days=1), "weekly": dt.timedelta(days=7),
                 "monthly": dt.timedelta(days=30)}

    url = models.URLField(_("address"), max_length=500, unique=True,
                          help_text=_("A CKAN portal (https://datos.example.org) or a DCAT catalog "
                                      "(https://datos.example.org/catalog.ttl)."))
    kind = models.CharField(_("kind"), max_length=4, choices=Kind.choices, default=Kind.CKAN)
    institution = models.ForeignKey(Institution, verbose_name=_("publisher to assign"), on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+",
                                    help_text=_("Empty: each dataset's organization is matched to an institution "
                                                "here by acronym, slug or name."))
    frequency = models.CharField(_("how often"), max_length=10, choices=Every.choices, default=Every.DAILY)
    enabled = models.BooleanField(_("enabled"), default=True)
    created = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    last_run = models.DateTimeField(_("last run"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["url"]
        verbose_name = _("harvest source")
        verbose_name_plural = _("harvest sources")

    def __str__(self) -> str:
        return self.url

    def is_due(self, now) -> bool:
        return self.enabled and (self.last_run is None or self.last_run + self.INTERVALS[self.frequency] <= now)


class HarvestRun(models.Model):
    """One run of a harvest source and its report."""

    source = models.ForeignKey(HarvestSource, on_delete=models.CASCADE, related_name="runs")
    started = models.DateTimeField(_("started"), default=timezone.now)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    skipped = models.JSONField(_("skipped"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-started"]
        verbose_name = _("harvest run")
        verbose_name_plural = _("harvest runs")

    def __str__(self) -> str:
        return f"{self.source} {self.started:%Y-%m-%d %H:%M}"

    @property
    def summary(self) -> str:
        return (f"{self.source.url}: {self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
                f"{len(self.skipped)} skipped" + (f"; stopped: {self.error}" if self.error else ""))
