import re
import smtplib
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone, translation
from django_otp.plugins.otp_totp.models import TOTPDevice

from apertura.accounts import services
from apertura.accounts.models import Invitation, Role, RoleKind
from apertura.audit.models import AuditEvent

from .conftest import code_for, english_client, sign_in

pytestmark = pytest.mark.django_db
User = get_user_model()
LINK = re.compile(r"https?://\S+/accounts/invitation/[\w-]+/")
NEW_PASSWORD = "river stones and 7 owls"


def accept_form(**overrides):
    return {"display_name": "Beatriz López", "username": "beatriz", "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD, **overrides}


def test_an_invited_administrator_signs_up_sets_up_two_factor_and_reaches_administration(admin_account_client):
    invite = {"email": "beatriz@example.org", "kind": "administrator"}
    response = admin_account_client.post(reverse("manage:users"), invite)
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["beatriz@example.org"]
    link = LINK.search(mail.outbox[0].body).group(0)
    invitation = Invitation.objects.get()
    assert invitation.token_hash not in mail.outbox[0].body  # only the hash is stored, only the token is sent
    path = link.split("testserver", 1)[1]

    newcomer = english_client()
    page = newcomer.get(path)
    assert page.status_code == 200 and "beatriz@example.org" in page.content.decode()
    response = newcomer.post(path, accept_form())
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    user = User.objects.get(username="beatriz")
    assert user.email == "beatriz@example.org" and user.get_full_name() == "Beatriz López"
    assert list(user.roles.values_list("kind", flat=True)) == ["administrator"]
    invitation.refresh_from_db()
    assert invitation.accepted_user == user and invitation.accepted_at is not None

    # Password first; an administrator without an authenticator is sent to set one up, and cannot go round it.
    response = sign_in(newcomer, user, NEW_PASSWORD)
    assert response["Location"].startswith(reverse("accounts:two_factor_setup"))
    forced = newcomer.get(reverse("manage:users"))
    assert forced.status_code == 302 and forced["Location"].startswith(reverse("accounts:two_factor_setup"))

    setup = newcomer.get(forced["Location"])
    html = setup.content.decode()
    assert setup.status_code == 200 and "<svg" in html and "otpauth" not in html  # a drawing, not a link
    assert re.search(r"([A-Z2-7]{4} ){7}[A-Z2-7]{4}", html)  # the secret, in groups of four
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = newcomer.post(forced["Location"], {"token": code_for(device)})
    assert response.status_code == 302 and response["Location"] == reverse("manage:users")
    device.refresh_from_db()
    assert device.confirmed
    assert newcomer.get(reverse("manage:users")).status_code == 200

    actions = list(AuditEvent.objects.values_list("action", flat=True))
    for action in ("invitation.create", "user.create", "role.grant", "totp.confirm"):
        assert action in actions


def test_an_editor_invitation_needs_an_institution(admin_account, institution):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.invitation_create(by=admin_account, email="e@example.org", kind=RoleKind.EDITOR)
    assert "choose one" in caught.value.message_dict["institution"][0]
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.invitation_create(by=admin_account, email="e@example.org", kind=RoleKind.REVIEWER,
                                   institution=institution)
    assert "not tied to an institution" in caught.value.message_dict["institution"][0]
    invitation, _token = services.invitation_create(by=admin_account, email="e@example.org",
                                                    kind=RoleKind.EDITOR, institution=institution)
    assert invitation.institution == institution and not mail.outbox[0].body.count("None")


def test_an_address_with_an_account_is_not_invited_again(admin_account):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.invitation_create(by=admin_account, email="ANA@example.org", kind=RoleKind.REVIEWER)
    assert "already has an account" in caught.value.message_dict["email"][0]
    assert not Invitation.objects.exists() and not mail.outbox


def test_the_administration_form_shows_every_problem(admin_account_client):
    response = admin_account_client.post(reverse("manage:users"), {"email": "not-an-address", "kind": "editor"})
    assert response.status_code == 400
    assert "Enter a valid email address" in response.content.decode()
    response = admin_account_client.post(reverse("manage:users"), {"email": "x@example.org", "kind": "editor"})
    assert response.status_code == 400 and "choose one" in response.content.decode()
    assert not Invitation.objects.exists()


def test_a_mail_that_cannot_be_sent_leaves_nothing_behind(admin_account_client, monkeypatch):
    def refuse(*args, **kwargs):
        raise smtplib.SMTPException("connection refused")

    monkeypatch.setattr(services, "send_mail", refuse)
    response = admin_account_client.post(reverse("manage:users"), {"email": "x@example.org", "kind": "reviewer"})
    assert response.status_code == 400
    assert "could not be sent (connection refused). Nothing was saved" in response.content.decode()
    assert not Invitation.objects.exists()
    assert not AuditEvent.objects.filter(action="invitation.create").exists()


@pytest.mark.parametrize("kind", [None, RoleKind.EDITOR, RoleKind.MONITOR, RoleKind.REVIEWER])
def test_only_administrators_invite(make_account, kind):
    someone = make_account("someone", kind)
    with pytest.raises(PermissionDenied):
        services.invitation_create(by=someone, email="x@example.org", kind=RoleKind.ADMINISTRATOR)
    assert not Invitation.objects.exists()


def test_an_expired_invitation_is_refused_with_its_date(admin_account):
    invitation, token = services.invitation_create(by=admin_account, email="late@example.org",
                                                   kind=RoleKind.REVIEWER)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    path = reverse("accounts:invitation_accept", args=[token])
    client = english_client()
    for response in (client.get(path), client.post(path, accept_form())):
        assert response.status_code == 410
        assert "This invitation expired on" in response.content.decode()
    assert not User.objects.filter(username="beatriz").exists()
    with translation.override("en"), pytest.raises(ValidationError, match="expired on") as caught:
        services.invitation_accept(token=token, username="beatriz", password=NEW_PASSWORD, display_name="B")
    assert caught.value.code == "expired"


def test_a_used_invitation_is_refused(admin_account):
    _invitation, token = services.invitation_create(by=admin_account, email="b@example.org",
                                                    kind=RoleKind.REVIEWER)
    services.invitation_accept(token=token, username="beatriz", password=NEW_PASSWORD, display_name="Beatriz")
    response = english_client().post(reverse("accounts:invitation_accept", args=[token]),
                                     accept_form(username="second"))
    assert response.status_code == 410 and "already been used" in response.content.decode()
    assert not User.objects.filter(username="second").exists()
    assert Role.objects.filter(user__username="beatriz").count() == 1


def test_an_unknown_token_is_refused():
    response = english_client().get(reverse("accounts:invitation_accept", args=["made-up"]))
    assert response.status_code == 404 and "not valid" in response.content.decode()


def test_accepting_reports_every_problem_and_keeps_the_invitation(admin_account, make_account):
    make_account("taken")
    _invitation, token = services.invitation_create(by=admin_account, email="b@example.org",
                                                    kind=RoleKind.REVIEWER)
    path = reverse("accounts:invitation_accept", args=[token])
    response = english_client().post(path, accept_form(username="taken", password="12345678901",
                                                       password_again="12345678901"))
    html = response.content.decode()
    assert response.status_code == 400
    assert "A user with that username already exists." in html
    assert "This password is entirely numeric." in html
    response = english_client().post(path, accept_form(password_again="something else"))
    assert response.status_code == 400 and "The two passwords are different." in response.content.decode()
    assert Invitation.objects.get().is_pending and not User.objects.filter(email="b@example.org").exists()


def test_the_first_administrator_is_invited_from_the_command_line(db, capsys):
    call_command("invite", "first@example.org", "--role", "administrator",
                 "--site-url", "https://gob.example")
    out = capsys.readouterr().out
    link = re.search(r"https://gob\.example(/accounts/invitation/[\w-]+/)", out)
    assert link and "valid until" in out and not mail.outbox
    services.invitation_accept(token=link.group(1).rsplit("/", 2)[1], username="first", password=NEW_PASSWORD,
                               display_name="First")
    assert Role.objects.get(user__username="first").kind == RoleKind.ADMINISTRATOR
    assert AuditEvent.objects.get(action="invitation.create").actor_label.startswith("console")


def test_the_command_line_names_what_is_wrong(db, institution):
    with pytest.raises(CommandError, match="There is no institution «NOPE»"):
        call_command("invite", "x@example.org", "--role", "editor", "--institution", "NOPE")
    with translation.override("en"), pytest.raises(CommandError, match="institution: Editors and monitors"):
        call_command("invite", "x@example.org", "--role", "editor")
    call_command("invite", "x@example.org", "--role", "editor", "--institution", "mingob")
    assert Invitation.objects.get().institution == institution
