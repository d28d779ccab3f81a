from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .structure import Commitment


class PotentialForResults(models.TextChoices):
    UNCLEAR = "unclear", _("Unclear")
    MODEST = "modest", _("Modest")
    SUBSTANTIAL = "substantial", _("Substantial")


class Completion(models.TextChoices):
    NO_EVIDENCE = "no_evidence", _("No evidence available")
    NOT_STARTED = "not_started", _("Not started")
    LIMITED = "limited", _("Limited")
    SUBSTANTIAL = "substantial", _("Substantial")
    COMPLETE = "complete", _("Complete")


class EarlyResults(models.TextChoices):
    NO_NOTABLE = "no_notable", _("No notable results")
    MARGINAL = "marginal", _("Marginal")
    SIGNIFICANT = "significant", _("Significant")
    OUTSTANDING = "outstanding", _("Outstanding")


class Assessment(models.Model):
    """The independent, IRM-style assessment of one commitment. Every revision is kept in its history."""

    commitment = models.OneToOneField(Commitment, on_delete=models.CASCADE, related_name="assessment")
    verifiable = models.BooleanField(_("verifiable"), null=True, blank=True)
    verifiable_why = models.TextField(_("why (verifiable)"), blank=True)
    open_gov_lens = models.BooleanField(_("open-government lens"), null=True, blank=True)
    open_gov_lens_why = models.TextField(_("why (open-government lens)"), blank=True)
    potential_for_results = models.CharField(_("potential for results"), max_length=12,
                                             choices=PotentialForResults.choices, blank=True)
    potential_for_results_why = models.TextField(_("why (potential for results)"), blank=True)
    completion = models.CharField(_("completion"), max_length=12, choices=Completion.choices, blank=True)
    completion_why = models.TextField(_("why (completion)"), blank=True)
    early_results = models.CharField(_("early results"), max_length=12, choices=EarlyResults.choices, blank=True)
    early_results_why = models.TextField(_("why (early results)"), blank=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reviewer"), on_delete=models.PROTECT)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords()

    INDICATORS = ["verifiable", "open_gov_lens", "potential_for_results", "completion", "early_results"]

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")

    def __str__(self) -> str:
        return f"{self.commitment}"

    def indicators(self) -> list[tuple[str, str, str]]:
        """(label, value as shown, justification) for each indicator."""
        rows = []
        for name in self.INDICATORS:
            field = self._meta.get_field(name)
            value = getattr(self, name)
            if isinstance(value, bool):
                shown = _("Yes") if value else _("No")
            elif value is None or value == "":
                shown = _("Not assessed")
            else:
                shown = getattr(self, f"get_{name}_display")()
            rows.append((str(field.verbose_name), str(shown), getattr(self, f"{name}_why")))
        return rows
