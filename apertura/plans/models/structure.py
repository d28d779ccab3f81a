from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apertura.common.partial_dates import Precision, partial
from apertura.institutions.models import Institution

OGP_VALUES = [
    ("access_to_information", _("Access to information")),
    ("civic_participation", _("Civic participation")),
    ("public_accountability", _("Public accountability")),
    ("technology_innovation", _("Technology and innovation")),
]
OGP_VALUE_CODES = [code for code, _label in OGP_VALUES]


def _precision_field(verbose_name):
    return models.CharField(verbose_name, max_length=5, choices=Precision.choices, default=Precision.DAY)


class Plan(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        CONSULTATION = "consultation", _("In consultation")
        IMPLEMENTATION = "implementation", _("In implementation")
        ENDED = "ended", _("Ended")

    slug = models.SlugField(_("slug"), max_length=40, unique=True, help_text=_("The period, e.g. 2021-2023."))
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166-1 alpha-2 code."))
    number = models.PositiveSmallIntegerField(_("plan number"))
    title = models.CharField(_("title"), max_length=300)
    title_es = models.CharField(_("title in Spanish"), max_length=300, blank=True)
    language = models.CharField(_("content language"), max_length=8, default="es")
    period_start = models.DateField(_("period start"))
    period_start_precision = _precision_field(_("period start precision"))
    period_end = models.DateField(_("period end"))
    period_end_precision = _precision_field(_("period end precision"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    axis = models.CharField(_("axis"), max_length=300, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["country", "number"], name="plan_country_number")]
        verbose_name = _("action plan")
        verbose_name_plural = _("action plans")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("plans:detail", args=[self.slug])

    @property
    def start(self):
        return partial(self.period_start, self.period_start_precision)

    @property
    def end(self):
        return partial(self.period_end, self.period_end_precision)


class Theme(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="themes")
    code = models.SlugField(_("code"), max_length=60)
    title = models.CharField(_("title"), max_length=300)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="theme_plan_code")]
        verbose_name = _("theme")
        verbose_name_plural = _("themes")

    def __str__(self) -> str:
        return self.title


class PlanVersion(models.Model):
    """A dated version of the plan as published (e.g. the December 2021 and June 2022 versions)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="versions")
    label = models.CharField(_("label"), max_length=100)
    date = models.DateField(_("date"))
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("the plan as it was"), null=True, blank=True,
                            help_text=_("The whole plan at this version, in the apertura-plan/1 format."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("recorded by"))

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["plan", "label"], name="planversion_plan_label")]
        verbose_name = _("plan version")
        verbose_name_plural = _("plan versions")

    def __str__(self) -> str:
        return self.label


class DatedSpan(models.Model):
    """A start and an end, each as precise as the plan gives it (see common.partial_dates)."""

    start = models.DateField(_("start"), null=True, blank=True)
    start_precision = _precision_field(_("start precision"))
    end = models.DateField(_("end"), null=True, blank=True)
    end_precision = _precision_field(_("end precision"))

    class Meta:
        abstract = True

    @property
    def start_date(self):
        return partial(self.start, self.start_precision)

    @property
    def end_date(self):
        return partial(self.end, self.end_precision)


class Commitment(DatedSpan):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="commitments")
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=500)
    lead = models.ForeignKey(
        Institution, verbose_name=_("lead institution"), on_delete=models.PROTECT, related_name="led_commitments"
    )
    supporting_institutions = models.ManyToManyField(
        Institution, verbose_name=_("supporting institutions"), blank=True, related_name="supported_commitments"
    )
    civil_society = models.ManyToManyField(
        Institution, verbose_name=_("civil-society organizations"), blank=True, related_name="partnered_commitments"
    )
    other_actors = models.JSONField(_("other actors"), default=list, blank=True)
    themes = models.ManyToManyField(Theme, verbose_name=_("themes"), blank=True, related_name="commitments")
    ogp_values = models.JSONField(_("OGP values"), default=list, blank=True)
    sdgs = models.JSONField(_("Sustainable Development Goals"), default=list, blank=True)
    problem = models.TextField(_("What is the problem that the commitment addresses?"), blank=True)
    description = models.TextField(_("What is the commitment?"), blank=True)
    contribution = models.TextField(_("How will it contribute to solving the problem?"), blank=True)
    relevance = models.TextField(_("Why is it relevant to OGP values?"), blank=True)
    additional_info = models.TextField(_("Additional information"), blank=True)
    observations = models.TextField(_("Observations"), blank=True)
    # Values of the four OGP booleans, kept as columns so that filtering works the same on every database.
    value_access_to_information = models.BooleanField(default=False, editable=False)
    value_civic_participation = models.BooleanField(default=False, editable=False)
    value_public_accountability = models.BooleanField(default=False, editable=False)
    value_technology_innovation = models.BooleanField(default=False, editable=False)
    search_text = models.TextField(editable=False, blank=True)
    history = HistoricalRecords(
        excluded_fields=["search_text", "value_access_to_information", "value_civic_participation",
                         "value_public_accountability", "value_technology_innovation"],
        m2m_fields=[supporting_institutions, civil_society],
    )

    class Meta:
        ordering = ["plan", "number"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="commitment_plan_number")]
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("plans:commitment", args=[self.plan.slug, self.number])

    def ogp_value_labels(self) -> list[str]:
        return [str(label) for code, label in OGP_VALUES if code in self.ogp_values]

    def sections(self) -> list[tuple[str, str]]:
        """The template sections in the order the OGP template gives them."""
        names = ["problem", "description", "contribution", "relevance", "additional_info", "observations"]
        return [(str(self._meta.get_field(n).verbose_name), getattr(self, n)) for n in names]

    def save(self, *args, **kwargs):
        for code in OGP_VALUE_CODES:
            setattr(self, f"value_{code}", code in self.ogp_values)
        super().save(*args, **kwargs)


class Contact(models.Model):
    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=200)
    position = models.CharField(_("position"), max_length=300, blank=True)
    institution = models.ForeignKey(Institution, verbose_name=_("institution"), on_delete=models.PROTECT)
    emails = models.JSONField(_("e-mail addresses"), default=list, blank=True)
    phones = models.JSONField(_("phone numbers"), default=list, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["commitment", "order"]
        verbose_name = _("contact person")
        verbose_name_plural = _("contact people")

    def __str__(self) -> str:
        return self.name


class Milestone(DatedSpan):
    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="milestones")
    number = models.CharField(_("number"), max_length=10, help_text=_("Commitment number, a dot, and its order: 4.3"))
    seq = models.PositiveSmallIntegerField(_("order within the commitment"))
    text = models.TextField(_("milestone"))
    responsible = models.ManyToManyField(Institution, verbose_name=_("responsible"), related_name="milestones")
    responsible_note = models.CharField(_("note on responsibility"), max_length=300, blank=True)
    weight = models.PositiveSmallIntegerField(
        _("weight"), null=True, blank=True,
        help_text=_("Share of the commitment's progress this milestone carries; equal shares when unset."),
    )
    search_text = models.TextField(editable=False, blank=True)
    history = HistoricalRecords(excluded_fields=["search_text"], m2m_fields=[responsible])

    class Meta:
        ordering = ["commitment", "seq"]
        constraints = [models.UniqueConstraint(fields=["commitment", "seq"], name="milestone_commitment_seq")]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("plans:milestone", args=[self.commitment.plan.slug, self.number])

    def clean(self):
        prefix = f"{self.commitment.number}."
        if not self.number.startswith(prefix):
            raise ValidationError({"number": _("A milestone of commitment %(n)s is numbered %(n)s.x") % {
                "n": self.commitment.number}})


class RevisionNote(models.Model):
    """What the plan says changed in a commitment between two of its versions."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="revision_notes")
    number = models.PositiveSmallIntegerField(_("number"))
    text = models.TextField(_("text"))

    class Meta:
        ordering = ["commitment", "number"]
        constraints = [models.UniqueConstraint(fields=["commitment", "number"], name="revisionnote_number")]
        verbose_name = _("revision note")
        verbose_name_plural = _("revision notes")


class QualityFlag(models.Model):
    """A visible note that the source plan is inconsistent, incomplete or garbled at some place."""

    class Source(models.TextChoices):
        CURATED = "curated", _("recorded by the editors")
        COMPUTED = "computed", _("found by the platform")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="quality_flags")
    commitment = models.ForeignKey(
        Commitment, null=True, blank=True, on_delete=models.CASCADE, related_name="quality_flags"
    )
    milestone = models.ForeignKey(
        Milestone, null=True, blank=True, on_delete=models.CASCADE, related_name="quality_flags"
    )
    field = models.CharField(_("field"), max_length=100, blank=True)
    code = models.CharField(_("kind"), max_length=60)
    message = models.TextField(_("message"))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)

    class Meta:
        ordering = ["plan", "commitment__number", "milestone__seq", "id"]
        verbose_name = _("data-quality flag")
        verbose_name_plural = _("data-quality flags")

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"
