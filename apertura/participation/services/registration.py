"""Self-registration: the account (inactive until the e-mailed link confirms the address) and its participant
profile. Anyone may register: the rate limit per address, the form's honeypot and answering every attempt alike
(an address or a user name that has an account is told so by e-mail, never on the page) are what guard it."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from apertura.accounts.services import new_user_problems
from apertura.audit.services import audit_record

from ..limits import rate_limit_check
from ..models import Participant

if TYPE_CHECKING:
    from django.contrib.auth.models import User as AuthUser

User = get_user_model()


def participant_profile_create(*, user: AuthUser, affiliation: str = "") -> Participant:
    """The participation side of a new self-registered account (called by `participant_register`)."""
    affiliation = (affiliation or "").strip()
    if len(affiliation) > 200:
        raise ValidationError({"affiliation": [_("Keep the affiliation under 200 characters.")]})
    with transaction.atomic():
        participant, _created = Participant.objects.update_or_create(user=user,
                                                                     defaults={"affiliation": affiliation})
        audit_record(action="participant.create", obj_type="user", obj_id=user.pk, actor=user,
                     summary=f"{user.get_username()} registered as a participant")
    return participant


# The tokens' salt keeps its old name so that links mailed before registration moved here still work.
REGISTRATION_SALT = "apertura.accounts.registration"


def registration_link(token: str, *, site_url: str | None = None) -> str:
    base = (site_url or settings.SITE_URL).rstrip("/")
    return base + reverse("accounts:register_confirm", args=[token])


def participant_register(*, email: str, username: str, display_name: str, password: str, affiliation: str = "",
                         site_url: str | None = None, address: str | None = None) -> AbstractBaseUser | None:
    """Create a participant's account, inactive until the e-mailed link confirms the address.

    When the address already has an account, or the user name is taken, nothing is created and the address is
    told why by e-mail. The page says the same thing in every case, so nobody learns from it which addresses or
    user names have an account: only the owner of the mailbox does. Every attempt counts against the rate limit
    of the network `address` it came from. Returns the new user or None.
    """
    rate_limit_check(action="register", address=address)
    email = User.objects.normalize_email((email or "").strip())
    user = User(username=(username or "").strip(), email=email, first_name=(display_name or "").strip(),
                is_active=False)
    problems = new_user_problems(user, password, check_unique=False)
    try:
        validate_email(email)
    except ValidationError:
        problems["email"] = [_("«%(email)s» is not an e-mail address.") % {"email": email}]
    if problems:
        raise ValidationError(problems)
    context = {"site_name": settings.SITE_NAME, "email": email}
    if User.objects.filter(email__iexact=email).exists():
        context["login"] = (site_url or settings.SITE_URL).rstrip("/") + reverse("accounts:password_reset")
        send_mail(render_to_string("accounts/register_subject.txt", context).strip(),
                  render_to_string("accounts/register_exists_email.txt", context), None, [email])
        audit_record(action="user.register_existing", obj_type="email", obj_id=email,
                     summary="Registration attempted for an address that has an account")
        return None
    if User.objects.filter(username=user.username).exists():
        _registration_name_taken(user, context, site_url)
        return None
    with transaction.atomic():
        user.set_password(password)
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:  # taken between the check and the save
            _registration_name_taken(user, context, site_url)
            return None
        participant_profile_create(user=user, affiliation=affiliation)
        audit_record(action="user.register", obj_type="user", obj_id=user.pk, actor_label="registration",
                     summary=f"Account {user.username} registered, awaiting e-mail confirmation",
                     data={"username": user.username})
        token = signing.dumps({"u": user.pk, "e": email}, salt=REGISTRATION_SALT)
        context["link"] = registration_link(token, site_url=site_url)
        context["days"] = settings.INVITATION_VALID_DAYS
        send_mail(render_to_string("accounts/register_subject.txt", context).strip(),
                  render_to_string("accounts/register_email.txt", context), None, [email])
    return user


def _registration_name_taken(user: AuthUser, context: dict, site_url: str | None) -> None:
    context = {**context, "username": user.username,
               "register": (site_url or settings.SITE_URL).rstrip("/") + reverse("accounts:register")}
    send_mail(render_to_string("accounts/register_subject.txt", context).strip(),
              render_to_string("accounts/register_name_taken_email.txt", context), None, [user.email])
    audit_record(action="user.register_name_taken", obj_type="email", obj_id=user.email,
                 summary="Registration attempted with a user name that is taken")
    return None


def participant_confirm(*, token: str) -> AbstractBaseUser:
    """Activate the account whose e-mail address the link proves, or a ValidationError saying why not."""
    try:
        data = signing.loads(token or "", salt=REGISTRATION_SALT,
                             max_age=timedelta(days=settings.INVITATION_VALID_DAYS))
    except signing.SignatureExpired:
        raise ValidationError(_("This confirmation link has expired. Register again."), code="expired") from None
    except signing.BadSignature:
        raise ValidationError(_("This confirmation link is not valid. Check that you copied all of it."),
                              code="unknown") from None
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=data.get("u"), email__iexact=data.get("e", "")).first()
        if user is None or not user.has_usable_password():
            raise ValidationError(_("This confirmation link is not valid. Check that you copied all of it."),
                                  code="unknown")
        if not user.is_active:
            user.is_active = True
            user.save(update_fields=["is_active"])
            audit_record(action="user.confirm", obj_type="user", obj_id=user.pk, actor=user,
                         summary=f"{user.username} confirmed their e-mail address")
    return user
