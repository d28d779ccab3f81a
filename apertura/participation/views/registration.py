"""Self-registration, under /accounts/ in the accounts namespace (apertura/urls.py mounts these): the form, and
the e-mailed link that confirms the address."""

import smtplib

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from apertura.common.forms import form_status, submitted

from .. import services
from ..forms import RegistrationForm
from ..limits import client_address


@never_cache
@sensitive_post_parameters("password", "password_again")
def register(request):
    if request.user.is_authenticated:
        return redirect("participation:account")
    form = RegistrationForm(request.POST or None)

    def register_and_mail(data):
        try:
            return services.participant_register(
                email=data["email"], username=data["username"], display_name=data["display_name"],
                password=data["password"], affiliation=data["affiliation"],
                site_url=request.build_absolute_uri("/"), address=client_address(request))
        except (smtplib.SMTPException, OSError) as error:
            raise ValidationError(_("The confirmation e-mail could not be sent (%(error)s). Try again later.")
                                  % {"error": error}) from error

    if submitted(request, form, register_and_mail) is not None:
        return render(request, "accounts/register_sent.html", {"email": form.cleaned_data["email"]})
    return render(request, "accounts/register.html", {"form": form}, status=form_status(form))


@never_cache
def register_confirm(request, token):
    try:
        services.participant_confirm(token=token)
    except ValidationError as error:
        return render(request, "accounts/register_invalid.html", {"message": error.messages[0]},
                      status=410 if error.code == "expired" else 404)
    messages.success(request, _("Your e-mail address is confirmed. Sign in with your user name and password."))
    return redirect("accounts:login")
