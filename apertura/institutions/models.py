from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

ACRONYM_PATTERN = r"^[A-Z0-9][A-Za-z0-9-]{0,24}$"


class Institution(models.Model):
    class Kind(models.TextChoices):
        PUBLIC_ENTITY = "public_entity", _("Public entity")
        CIVIL_SOCIETY = "civil_society", _("Civil-society organization")
        INTERNATIONAL = "international", _("International body")
        PRIVATE_SECTOR = "private_sector", _("Private sector")
        ACADEMIA = "academia", _("Academia")
        MULTI_STAKEHOLDER = "multi_stakeholder", _("Multi-stakeholder initiative")

    acronym = models.CharField(
        _("acronym"), max_length=25, unique=True, validators=[RegexValidator(ACRONYM_PATTERN)],
        help_text=_("Stable short code, such as MINGOB or SESAN."),
    )
    slug = models.SlugField(_("slug"), max_length=25, unique=True)
    name_es = models.CharField(_("name in Spanish"), max_length=300)
    name_en = models.CharField(_("name in English"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    search_text = models.TextField(editable=False, blank=True)

    class Meta:
        ordering = ["acronym"]
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")

    def __str__(self) -> str:
        return self.acronym

    @property
    def name(self) -> str:
        """The name in the reader's language when the institution has one in it."""
        if get_language() == "en" and self.name_en:
            return self.name_en
        return self.name_es or self.name_en

    def get_absolute_url(self) -> str:
        return reverse("institutions:detail", args=[self.slug])
