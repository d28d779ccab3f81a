import smtplib
from base64 import b32encode

import rules
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from . import selectors, services
from .forms import (
    InvitationAcceptForm, InvitationForm, ResetPasswordForm, SignInForm, TokenForm,
)
from .qr import qr_svg
from .roles import roles_of

# Sign in, sign out, passwords ----------------------------------------------------------------------------


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = SignInForm

    def get_success_url(self):
        destination = super().get_success_url()
        # A password alone is not enough for administrators and editors: the second factor comes next.
        if roles_of(self.request.user).is_staff_role:
            step = "verify" if selectors.totp_device_confirmed(user=self.request.user) else "setup"
            return f"{reverse(f'accounts:two_factor_{step}')}?{urlencode({'next': destination})}"
        return destination


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    @property
    def extra_email_context(self):
        return {"site_name": settings.SITE_NAME}


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = ResetPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


# Invitations ---------------------------------------------------------------------------------------------

_INVITATION_STATUS = {"unknown": 404, "used": 410, "expired": 410}


@never_cache
@sensitive_post_parameters("password", "password_again")
def invitation_accept(request, token):
    try:
        invitation = services.invitation_get_valid(token=token)
    except ValidationError as error:
        return render(request, "accounts/invitation_invalid.html", {"message": error.messages[0]},
                      status=_INVITATION_STATUS.get(error.code, 400))
    form = InvitationAcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_accept(token=token, username=form.cleaned_data["username"],
                                       password=form.cleaned_data["password"],
                                       display_name=form.cleaned_data["display_name"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your account is ready. Sign in with your user name and password."))
            return redirect("accounts:login")
    return render(request, "accounts/invitation_accept.html", {"invitation": invitation, "form": form},
                  status=400 if form.errors else 200)


# Two-factor authentication -------------------------------------------------------------------------------

def _secret_groups(device) -> str:
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


@never_cache
@login_required
def two_factor_setup(request):
    if selectors.totp_device_confirmed(user=request.user):
        return redirect(f"{reverse('accounts:two_factor_verify')}?{urlencode({'next': _safe_next(request)})}")
    device = services.totp_device_create(user=request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.totp_device_confirm(device=device, token=form.cleaned_data["token"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            otp_login(request, device)
            messages.success(request, _("Two-factor authentication is on. From now on you will be asked for "
                                        "a code each time you sign in."))
            return redirect(_safe_next(request))
    return render(request, "accounts/two_factor_setup.html", {
        "form": form, "secret": _secret_groups(device), "next": _safe_next(request),
        "qr": qr_svg(device.config_url, label=_("QR code to scan with your authenticator app")),
        "required": roles_of(request.user).is_staff_role,
    }, status=400 if form.errors else 200)


@never_cache
@login_required
def two_factor_verify(request):
    if request.user.is_verified():
        return redirect(_safe_next(request))
    if selectors.totp_device_confirmed(user=request.user) is None:
        return redirect(f"{reverse('accounts:two_factor_setup')}?{urlencode({'next': _safe_next(request)})}")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.totp_verify(user=request.user, token=form.cleaned_data["token"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            otp_login(request, device)
            return redirect(_safe_next(request))
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next": _safe_next(request)},
                  status=400 if form.errors else 200)


# Administration ------------------------------------------------------------------------------------------
# The services refuse (and log) whatever someone who is not an administrator sends here; the views only decide
# that such a person sees no administration page.

def _refuse_to_show(request) -> None:
    if not rules.has_perm("accounts.manage_users", request.user):
        raise PermissionDenied(_("Only administrators may manage accounts."))


@login_required
def user_admin(request):
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _token = services.invitation_create(
                by=request.user, email=form.cleaned_data["email"], kind=form.cleaned_data["kind"],
                institution=form.cleaned_data["institution"], site_url=request.build_absolute_uri("/"))
        except ValidationError as error:
            form.add_error(None, error)
        except (smtplib.SMTPException, OSError) as error:
            form.add_error(None, _("The invitation e-mail could not be sent (%(error)s). Nothing was saved: "
                                   "check the e-mail settings and try again.") % {"error": error})
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
            return redirect("manage:users")
    _refuse_to_show(request)
    return render(request, "accounts/user_admin.html", {
        "users": selectors.user_list(), "invitations": selectors.invitation_pending_list(), "form": form,
    }, status=400 if form.errors else 200)


@require_POST
@login_required
def role_revoke(request, pk):
    role = selectors.role_find(pk=pk)
    if role is None:
        _refuse_to_show(request)  # nobody else learns which roles exist
        raise Http404
    try:
        services.role_revoke(by=request.user, role=role)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(user)s no longer holds the role «%(role)s».") % {
            "user": role.user.get_username(), "role": role.label})
    return redirect("manage:users")


@require_POST
@login_required
def two_factor_reset(request, pk):
    user = selectors.user_find(pk=pk)
    if user is None:
        _refuse_to_show(request)  # nobody else learns which accounts exist
        raise Http404
    services.totp_devices_reset(by=request.user, user=user)
    messages.success(request, _("%(user)s will set up a new authenticator app at the next sign-in.") % {
        "user": user.get_username()})
    return redirect("manage:users")
