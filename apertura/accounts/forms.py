from django import forms
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.utils.translation import gettext_lazy as _

from . import services
from .models import RoleKind
from .selectors import institution_choices


class InstitutionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.acronym} — {obj.name}"


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    kind = forms.ChoiceField(label=_("Role"), choices=RoleKind.choices)
    institution = InstitutionChoiceField(
        label=_("Institution"), queryset=institution_choices(), required=False,
        empty_label=_("None (administrators and reviewers)"),
        help_text=_("Editors and monitors act for one institution or organization."),
    )


class InvitationAcceptForm(forms.Form):
    display_name = forms.CharField(label=_("Your name"), max_length=150,
                                   help_text=_("As other people will see it."))
    username = forms.CharField(label=_("User name"), max_length=150,
                               help_text=_("You sign in with it. Letters, digits and @ . + - _ only."))
    password = forms.CharField(label=_("Password"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                               help_text=_("At least 10 characters, not only digits, and not a common "
                                           "password."))
    password_again = forms.CharField(label=_("Password again"), strip=False,
                                     widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password_again") and data["password"] != data["password_again"]:
            self.add_error("password_again", _("The two passwords are different."))
        return data


class SignInForm(AuthenticationForm):
    """Django's sign-in form; its fields get the autocomplete hints password managers look for."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs["autocomplete"] = "username"
        self.fields["password"].widget.attrs["autocomplete"] = "current-password"


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=_("Six-digit code"), regex=r"^\s*\d{3}\s?\d{3}\s*$",
        error_messages={"invalid": _("Type the six digits your authenticator app shows.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "size": 8}),
    )


class ResetPasswordForm(SetPasswordForm):
    """The last step of a password reset, stored (and audited) through the accounts service."""

    def save(self, commit=True):
        services.user_password_set(user=self.user, password=self.cleaned_data["new_password1"], via="reset")
        return self.user
