"""Every write to accounts, roles and second factors. Views and the command line all come through here."""

from __future__ import annotations

import getpass
import hashlib
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from apertura.audit.services import audit_record
from apertura.institutions.models import Institution

from .models import Invitation, Role, RoleKind, check_role_institution
from .permissions import require

if TYPE_CHECKING:
    from django.contrib.auth.models import User as AuthUser

User = get_user_model()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _console_label() -> str:
    try:
        return f"console ({getpass.getuser()})"
    except (KeyError, OSError):
        return "console"


def _role_data(kind: str, institution: Institution | None) -> dict:
    return {"kind": kind, "institution": institution.acronym if institution else None}


def _role_phrase(kind: str, institution: Institution | None) -> str:
    return f"{kind} of {institution.acronym}" if institution else kind


def _check_kind(kind: str) -> None:
    if kind not in RoleKind.values:
        raise ValidationError({"kind": _("«%(kind)s» is not a role. Roles: %(roles)s.") % {
            "kind": kind, "roles": ", ".join(RoleKind.values)}})


# Invitations ---------------------------------------------------------------------------------------------

def invitation_link(token: str, *, site_url: str | None = None) -> str:
    base = (site_url or settings.SITE_URL).rstrip("/")
    return base + reverse("accounts:invitation_accept", args=[token])


def invitation_create(
    *, by: AuthUser | None, email: str, kind: str, institution: Institution | None = None, site_url: str | None = None,
    send_email: bool = True,
) -> tuple[Invitation, str]:
    """Invite an address to take a role; returns the invitation and its token, which is stored only hashed.

    `by=None` is the server's command line (`apertura invite`), whose operator already holds the database;
    every view passes the signed-in user, checked here.
    """
    if by is not None:
        require("accounts.invite", by=by, why=_("Only administrators may do this."))
    email = User.objects.normalize_email((email or "").strip())
    problems = {}
    try:
        validate_email(email)
    except ValidationError:
        problems["email"] = [_("«%(email)s» is not an e-mail address.") % {"email": email}]
    else:
        if User.objects.filter(email__iexact=email).exists():
            problems["email"] = [_("%(email)s already has an account; grant the role to it instead.")
                                 % {"email": email}]
    try:
        _check_kind(kind)
        check_role_institution(kind, institution.pk if institution else None)
    except ValidationError as error:
        problems.update(error.message_dict)
    if problems:
        raise ValidationError(problems)

    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        invitation = Invitation.objects.create(
            email=email, kind=kind, institution=institution, token_hash=token_hash(token), invited_by=by,
            expires_at=timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS),
        )
        audit_record(
            action="invitation.create", obj_type="invitation", obj_id=invitation.pk, actor=by,
            actor_label="" if by is not None else _console_label(),
            summary=f"Invited {email} as {_role_phrase(kind, institution)}",
            data={"email": email, **_role_data(kind, institution),
                  "expires_at": invitation.expires_at.isoformat()},
        )
        if send_email:
            # Inside the transaction: when the mail cannot be sent, no invitation is left behind unsent.
            context = {"invitation": invitation, "link": invitation_link(token, site_url=site_url),
                       "site_name": settings.SITE_NAME, "invited_by": by}
            send_mail(
                render_to_string("accounts/invitation_subject.txt", context).strip(),
                render_to_string("accounts/invitation_email.txt", context),
                None, [email],
            )
    return invitation, token


def invitation_get_valid(*, token: str, for_update: bool = False) -> Invitation:
    """The invitation behind a link, or a ValidationError saying why it cannot be used (code: unknown, used,
    expired)."""
    queryset = Invitation.objects.select_related("institution")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    invitation = queryset.filter(token_hash=token_hash(token or "")).first()
    if invitation is None:
        raise ValidationError(_("This invitation link is not valid. Check that you copied all of it, or ask "
                                "an administrator for a new invitation."), code="unknown")
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation has already been used. Sign in with the account created "
                                "with it, or ask an administrator for a new invitation."), code="used")
    if invitation.is_expired:
        expired = timezone.localtime(invitation.expires_at).strftime("%Y-%m-%d %H:%M")
        raise ValidationError(_("This invitation expired on %(date)s. Ask an administrator for a new one.")
                              % {"date": expired}, code="expired")
    return invitation


def new_user_problems(user: AuthUser, password: str, *, check_unique: bool = True) -> dict[str, list]:
    """Every problem with a new account's fields and password, keyed by the form field that shows it.
    Without `check_unique`, a user name already taken is not one of them (the caller deals with it)."""
    problems: dict[str, list] = {}
    try:
        user.full_clean(exclude=["password", "last_name"], validate_unique=check_unique)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            problems["display_name" if field == "first_name" else field] = messages
    if not user.first_name:
        problems["display_name"] = [_("Write the name other people will see.")]
    try:
        password_validation.validate_password(password or "", user)
    except ValidationError as error:
        problems["password"] = error.messages
    return problems


def invitation_accept(*, token: str, username: str, password: str, display_name: str) -> AbstractBaseUser:
    """Create the invited person's account and give it the invited role."""
    with transaction.atomic():
        invitation = invitation_get_valid(token=token, for_update=True)
        # Django's user has no display-name field; first_name holds the whole name so get_full_name() is it.
        user = User(username=(username or "").strip(), email=invitation.email,
                    first_name=(display_name or "").strip())
        problems = new_user_problems(user, password)
        if User.objects.filter(email__iexact=invitation.email).exists():
            problems["__all__"] = [_("%(email)s already has an account. Sign in with it.")
                                   % {"email": invitation.email}]
        if problems:
            raise ValidationError(problems)

        user.set_password(password)
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:
            taken = _("That user name was just taken; choose another.")
            raise ValidationError({"username": [taken]}) from None
        role = Role.objects.create(user=user, kind=invitation.kind, institution=invitation.institution,
                                   granted_by=invitation.invited_by)
        invitation.accepted_at = timezone.now()
        invitation.accepted_user = user
        invitation.save(update_fields=["accepted_at", "accepted_user"])
        audit_record(action="user.create", obj_type="user", obj_id=user.pk, actor=user,
                     summary=f"Account {user.username} created from invitation {invitation.pk}",
                     data={"username": user.username, "email": user.email, "invitation": invitation.pk})
        audit_record(action="role.grant", obj_type="role", obj_id=role.pk, actor=invitation.invited_by,
                     actor_label="" if invitation.invited_by else "invitation",
                     summary=f"{user.username} became {_role_phrase(role.kind, role.institution)} "
                             f"through invitation {invitation.pk}",
                     data={"user": user.username, **_role_data(role.kind, role.institution),
                           "invitation": invitation.pk})
    return user


# Roles ---------------------------------------------------------------------------------------------------

def role_grant(*, by: AuthUser, user: AuthUser, kind: str, institution: Institution | None = None) -> Role:
    require("accounts.manage_users", by=by, obj=user, why=_("Only administrators may do this."))
    _check_kind(kind)
    check_role_institution(kind, institution.pk if institution else None)
    with transaction.atomic():
        if Role.objects.filter(user=user, kind=kind, institution=institution).exists():
            raise ValidationError(_("%(user)s already holds this role.") % {"user": user.get_username()})
        role = Role.objects.create(user=user, kind=kind, institution=institution, granted_by=by)
        audit_record(action="role.grant", obj_type="role", obj_id=role.pk, actor=by,
                     summary=f"{user.get_username()} became {_role_phrase(kind, institution)}",
                     data={"user": user.get_username(), **_role_data(kind, institution)})
    return role


def _other_administrators_exist(role: Role) -> bool:
    roles = Role.objects.filter(kind=RoleKind.ADMINISTRATOR, user__is_active=True).exclude(pk=role.pk)
    return roles.exists() or User.objects.filter(is_superuser=True, is_active=True).exists()


def role_revoke(*, by: AuthUser, role: Role) -> None:
    require("accounts.manage_users", by=by, obj=role, why=_("Only administrators may do this."))
    with transaction.atomic():
        locked = Role.objects.select_for_update(of=("self",)).select_related("user", "institution")
        role = locked.get(pk=role.pk)
        if role.kind == RoleKind.ADMINISTRATOR and not _other_administrators_exist(role):
            raise ValidationError(_("%(user)s is the last administrator. Make someone else an administrator "
                                    "first, or nobody could manage accounts.")
                                  % {"user": role.user.get_username()})
        phrase = _role_phrase(role.kind, role.institution)
        audit_record(action="role.revoke", obj_type="role", obj_id=role.pk, actor=by,
                     summary=f"{role.user.get_username()} is no longer {phrase}",
                     data={"user": role.user.get_username(), **_role_data(role.kind, role.institution),
                           "granted_at": role.granted_at.isoformat()})
        role.delete()


# Passwords -----------------------------------------------------------------------------------------------

def user_password_set(*, user: AuthUser, password: str, via: str) -> None:
    """Store a new password the caller has validated (`via`: how the person proved who they are)."""
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit_record(action="user.password_set", obj_type="user", obj_id=user.pk, actor=user,
                     summary=f"{user.get_username()} set a new password ({via})", data={"via": via})
    if via == "reset":
        # Proving control of the mailbox ends a lockout that may have sent the person to reset it.
        from axes.utils import reset as axes_reset

        axes_reset(username=user.get_username())


# Two-factor authentication -------------------------------------------------------------------------------

def totp_device_create(*, user: AuthUser) -> TOTPDevice:
    """The person's unconfirmed authenticator, created once so that reloading the page keeps its secret."""
    with transaction.atomic():
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
            audit_record(action="totp.create", obj_type="totp_device", obj_id=device.pk, actor=user,
                         summary=f"{user.get_username()} started setting up an authenticator app")
    return device


def _verify(device: TOTPDevice, token: str) -> bool:
    allowed, details = device.verify_is_allowed()
    if not allowed:
        until = timezone.localtime(details["locked_until"]).strftime("%H:%M:%S")
        raise ValidationError({"token": [_("Too many wrong codes. Wait until %(time)s and try again.")
                                         % {"time": until}]})
    # Outside any transaction: a wrong code must still count towards the throttle.
    return device.verify_token((token or "").replace(" ", ""))


def totp_device_confirm(*, device: TOTPDevice, token: str) -> TOTPDevice:
    if not _verify(device, token):
        raise ValidationError({"token": [_("That code is not right. Check that your phone's clock is correct "
                                           "and type the code the app shows now.")]})
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        # One authenticator per person: earlier ones (a lost phone) stop working.
        TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
        audit_record(action="totp.confirm", obj_type="totp_device", obj_id=device.pk, actor=device.user,
                     summary=f"{device.user.get_username()} turned on two-factor authentication")
    return device


def totp_verify(*, user: AuthUser, token: str) -> TOTPDevice:
    """The second step of signing in: the device that accepted the code, or a ValidationError."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()
    if device is None:
        raise ValidationError({"token": [_("You have not set up an authenticator app yet.")]})
    verified = _verify(device, token)
    audit_record(action="login.second_factor" if verified else "login.second_factor_failure",
                 obj_type="user", obj_id=user.pk, actor=user,
                 summary=f"{user.get_username()} gave a {'right' if verified else 'wrong'} two-factor code")
    if not verified:
        raise ValidationError({"token": [_("That code is not right. Type the code your authenticator app "
                                           "shows now.")]})
    return device


def totp_devices_reset(*, by: AuthUser, user: AuthUser) -> int:
    """An administrator's answer to a lost phone: the person sets up a new authenticator at next sign-in."""
    require("accounts.manage_users", by=by, obj=user, why=_("Only administrators may do this."))
    with transaction.atomic():
        count, _details = TOTPDevice.objects.filter(user=user).delete()
        audit_record(action="totp.reset", obj_type="user", obj_id=user.pk, actor=by,
                     summary=f"Two-factor authentication of {user.get_username()} reset",
                     data={"user": user.get_username(), "devices": count})
    return count
