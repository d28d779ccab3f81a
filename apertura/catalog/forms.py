from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from apertura.common.partial_dates import PartialDate
from apertura.geo import regions as geography
from apertura.participation.forms import HoneypotForm

from .models import DataRequest, Dataset, Frequency, HarvestSource, License, Theme


def _split(text: str) -> list[str]:
    return [item.strip() for item in text.replace(";", ",").split(",") if item.strip()]


class DatasetForm(forms.Form):
    publisher = forms.ModelChoiceField(label=_("Publisher"), queryset=None, empty_label=None)
    title = forms.CharField(label=_("Title"), max_length=300)
    name = forms.CharField(label=_("Name in the address"), max_length=100, required=False,
                           help_text=_("Lower-case letters, digits, - and _. Left empty, it is made from the title."))
    description = forms.CharField(label=_("Description (Markdown)"), widget=forms.Textarea, max_length=20_000)
    license = forms.ModelChoiceField(label=_("License"), queryset=License.objects.all(), empty_label=None)
    tags = forms.CharField(label=_("Keywords"), required=False, help_text=_("Separated by commas."))
    themes = forms.ModelMultipleChoiceField(label=_("Themes"), queryset=Theme.objects.all(), required=False,
                                            widget=forms.CheckboxSelectMultiple)
    spatial = forms.CharField(label=_("Spatial coverage"), required=False,
                              help_text=_("INE codes of departments (01) or municipalities (0101), separated by "
                                          "commas."))
    temporal_start = forms.CharField(label=_("Coverage from"), required=False, help_text=_("YYYY, YYYY-MM or "
                                                                                              "YYYY-MM-DD."))
    temporal_end = forms.CharField(label=_("Coverage to"), required=False, help_text=_("YYYY, YYYY-MM or "
                                                                                          "YYYY-MM-DD."))
    frequency = forms.ChoiceField(label=_("Update frequency"), choices=Frequency.choices, initial=Frequency.UNKNOWN)
    legal_basis = forms.CharField(label=_("Legal basis"), required=False, max_length=300,
                                  help_text=_("For example: Decreto 57-2008 art. 10 num. 4."))
    contact_name = forms.CharField(label=_("Contact name"), required=False, max_length=200)
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)
    state = forms.ChoiceField(label=_("State"), choices=Dataset.State.choices, initial=Dataset.State.DRAFT)

    def __init__(self, *args, institutions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["publisher"].queryset = institutions

    def clean_spatial(self):
        codes = _split(self.cleaned_data["spatial"])
        bad = geography.unknown_codes(codes)
        if bad:
            raise forms.ValidationError(_("Unknown INE codes: %(codes)s.") % {"codes": ", ".join(bad)})
        return codes

    def _clean_date(self, field):
        value = self.cleaned_data[field].strip()
        if value:
            try:
                PartialDate.parse(value)
            except ValueError as error:
                raise forms.ValidationError(str(error)) from None
        return value

    def clean_temporal_start(self):
        return self._clean_date("temporal_start")

    def clean_temporal_end(self):
        return self._clean_date("temporal_end")

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("publisher")
        data["tags"] = _split(data["tags"])
        data["themes"] = [theme.code for theme in data["themes"]]
        data["license"] = data["license"].pk
        return data

    @staticmethod
    def initial_for(dataset: Dataset) -> dict:
        return {
            "publisher": dataset.publisher_id, "title": dataset.title, "name": dataset.name,
            "description": dataset.description, "license": dataset.license_id,
            "tags": ", ".join(t.name for t in dataset.tags.all()), "themes": list(dataset.themes.all()),
            "spatial": ", ".join(dataset.spatial or []),
            "temporal_start": dataset.temporal_from.isoformat() if dataset.temporal_from else "",
            "temporal_end": dataset.temporal_to.isoformat() if dataset.temporal_to else "",
            "frequency": dataset.frequency, "legal_basis": dataset.legal_basis,
            "contact_name": dataset.contact_name, "contact_email": dataset.contact_email, "state": dataset.state,
        }


class ResourceForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300, required=False)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    format = forms.CharField(label=_("Format"), max_length=20, required=False,
                             help_text=_("Left empty, it is read from the file."))
    url = forms.URLField(label=_("Link"), required=False, assume_scheme="https")
    file = forms.FileField(label=_("File"), required=False)

    def clean(self):
        data = super().clean()
        if bool(data.get("url")) == bool(data.get("file")):
            raise forms.ValidationError(_("Give either a file or a link."))
        return data


class DataRequestForm(HoneypotForm, forms.ModelForm):
    """A public submission: with participation's honeypot field (`website`, hidden from people)."""

    class Meta:
        model = DataRequest
        fields = ["institution", "title", "description"]


class AnswerForm(forms.Form):
    status = forms.ChoiceField(label=_("Answer"), choices=[
        (status, label) for status, label in DataRequest.Status.choices if status != DataRequest.Status.OPEN],
        widget=forms.RadioSelect)
    planned_for = forms.DateField(label=_("Planned publication date"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))
    published_url = forms.URLField(label=_("Link to the published data"), required=False, assume_scheme="https")
    answer = forms.CharField(label=_("Explanation"), widget=forms.Textarea(attrs={"rows": 4}), required=False,
                             help_text=_("Required when the request is refused."))


def _https_urls(field, **kwargs):
    """A link typed without a scheme means https (Django 6's default, chosen now)."""
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class HarvestSourceForm(forms.ModelForm):
    class Meta:
        model = HarvestSource
        fields = ["url", "kind", "institution", "frequency", "enabled"]
        formfield_callback = _https_urls
