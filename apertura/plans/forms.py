from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Assessment, ProgressReport, Validation
from .models.progress import ProgressStatus


class DateInput(forms.DateInput):
    input_type = "date"


class ProgressForm(forms.ModelForm):
    institution = forms.ModelChoiceField(queryset=None, label=_("Reporting for"), empty_label=None)
    based_on = forms.IntegerField(widget=forms.HiddenInput, required=False)
    evidence_file = forms.FileField(label=_("Evidence file"), required=False,
                                    help_text=_("PDF, image, office document, CSV or text."))
    evidence_url = forms.URLField(label=_("Evidence link"), required=False, assume_scheme="https")
    evidence_title = forms.CharField(label=_("What the evidence shows"), required=False, max_length=300)

    class Meta:
        model = ProgressReport
        fields = ["institution", "status", "percent", "as_of", "completed_on", "narrative"]
        widgets = {"as_of": DateInput, "completed_on": DateInput,
                   "percent": forms.NumberInput(attrs={"min": 0, "max": 100, "step": 1}),
                   "narrative": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, institutions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions
        self.fields["as_of"].initial = timezone.localdate()
        self.fields["status"].choices = ProgressStatus.choices
        self.fields["narrative"].help_text = _("Markdown: *emphasis*, lists with -, links.")

    def clean(self):
        data = super().clean()
        if data.get("evidence_file") and data.get("evidence_url"):
            self.add_error("evidence_url", _("Give either a file or a link; add more evidence afterwards."))
        return data


class EvidenceForm(forms.Form):
    title = forms.CharField(label=_("What the evidence shows"), max_length=300)
    file = forms.FileField(label=_("File"), required=False)
    url = forms.URLField(label=_("Link"), required=False, assume_scheme="https")

    def clean(self):
        data = super().clean()
        if bool(data.get("file")) == bool(data.get("url")):
            raise forms.ValidationError(_("Give either a file or a link."))
        return data


class ValidationForm(forms.Form):
    organization = forms.ModelChoiceField(queryset=None, label=_("On behalf of"), empty_label=None)
    verdict = forms.ChoiceField(label=_("Verdict"), choices=Validation.Verdict.choices, widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000,
                             help_text=_("What you checked and what you found."))

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


class ResponseForm(forms.Form):
    text = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class AssessmentForm(forms.ModelForm):
    class Meta:
        model = Assessment
        fields = [name for indicator in Assessment.INDICATORS for name in (indicator, f"{indicator}_why")]
        widgets = {f"{name}_why": forms.Textarea(attrs={"rows": 2}) for name in Assessment.INDICATORS}
