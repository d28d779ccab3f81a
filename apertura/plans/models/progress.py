
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apertura.common.models import StoredDocument
from apertura.institutions.models import Institution

from .structure import Milestone


class ProgressStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    DELAYED = "delayed", _("Delayed")
    CANCELLED = "cancelled", _("Cancelled")


class ProgressReport(models.Model):
    """What an institution reports about a milestone at a date. Reports are never edited, only followed."""

    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="reports")
    status = models.CharField(_("status"), max_length=12, choices=ProgressStatus.choices)
    percent = models.PositiveSmallIntegerField(
        _("percent complete"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    narrative = models.TextField(_("what was done"), max_length=10_000)
    as_of = models.DateField(_("progress as of"))
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    institution = models.ForeignKey(
        Institution, verbose_name=_("reported by institution"), on_delete=models.PROTECT, related_name="+"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT)
    created_at = models.DateTimeField(_("submitted"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-as_of", "-created_at", "-id"]
        get_latest_by = ["as_of", "created_at", "id"]
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")

    def __str__(self) -> str:
        return f"{self.milestone} · {self.percent}% · {self.as_of}"

    def clean(self):
        today = timezone.localdate()
        errors = {}
        if self.as_of and self.as_of > today:
            errors["as_of"] = _("Progress cannot be reported for a future date.")
        if self.completed_on and self.completed_on > today:
            errors["completed_on"] = _("A milestone cannot have been completed in the future.")
        if self.status == ProgressStatus.COMPLETED:
            if self.percent != 100:
                # xgettext:no-python-format
                errors["percent"] = _("A completed milestone is 100% complete.")
            if not self.completed_on:
                errors["completed_on"] = _("Give the date the milestone was completed.")
        elif self.completed_on:
            errors["completed_on"] = _("Only a completed milestone has a completion date.")
        if self.status == ProgressStatus.NOT_STARTED and self.percent:
            # xgettext:no-python-format
            errors["percent"] = _("A milestone that has not started is 0% complete.")
        if errors:
            raise ValidationError(errors)


class Evidence(StoredDocument):
    FOLDER = "evidence"

    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="evidence")

    class Meta(StoredDocument.Meta):
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")


class Validation(models.Model):
    """A civil-society monitor's confirmation or dispute of a progress report, with the reason."""

    class Verdict(models.TextChoices):
        CONFIRM = "confirm", _("Confirmed")
        DISPUTE = "dispute", _("Disputed")

    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="validations")
    verdict = models.CharField(_("verdict"), max_length=8, choices=Verdict.choices)
    reason = models.TextField(_("reason"), max_length=5_000)
    organization = models.ForeignKey(
        Institution, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="+"
    )
    monitor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("monitor"), on_delete=models.PROTECT)
    created_at = models.DateTimeField(_("submitted"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["report", "organization"], name="validation_per_org")]
        verbose_name = _("validation")
        verbose_name_plural = _("validations")

    def __str__(self) -> str:
        return f"{self.get_verdict_display()} · {self.organization}"


class ValidationResponse(models.Model):
    """The institution's public answer to a monitor's validation."""

    validation = models.ForeignKey(Validation, on_delete=models.CASCADE, related_name="responses")
    text = models.TextField(_("answer"), max_length=5_000)
    institution = models.ForeignKey(Institution, verbose_name=_("institution"), on_delete=models.PROTECT,
                                    related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT)
    created_at = models.DateTimeField(_("submitted"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("answer to a validation")
        verbose_name_plural = _("answers to validations")
