import json
import re

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from apertura.accounts.models import RoleKind
from apertura.audit.models import AuditEvent

from .conftest import PASSWORD, code_for, sign_in

pytestmark = pytest.mark.django_db
WRONG = "not the password at all"


def test_sign_in_and_out_are_audited_and_no_password_is_kept(client, make_account):
    user = make_account("pablo")
    assert sign_in(client, user, WRONG).status_code == 200
    response = sign_in(client, user)
    # No role, no second factor.
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.get(reverse("accounts:logout")).status_code == 405  # signing out is a POST
    assert client.post(reverse("accounts:logout")).status_code == 302

    events = {e.action: e for e in AuditEvent.objects.order_by("id")}
    assert events["login.failure"].data["username"] == "pablo" and events["login.failure"].actor is None
    assert events["login.success"].actor == user and events["logout"].actor == user
    everything = json.dumps(list(AuditEvent.objects.values()), default=str)
    assert WRONG not in everything and PASSWORD not in everything


def test_the_header_offers_sign_in_then_sign_out(client, make_account):
    assert reverse("accounts:login") in client.get(reverse("home")).content.decode()
    client.force_login(make_account("pablo"))
    html = client.get(reverse("home")).content.decode()
    assert reverse("accounts:logout") in html and "Sign out (pablo)" in html


def test_repeated_failures_lock_the_account_even_against_the_right_password(client, make_account):
    user = make_account("pablo")
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, user, WRONG).status_code == 200
    locked = sign_in(client, user, WRONG)
    assert locked.status_code == 429
    response = sign_in(client, user)
    html = response.content.decode()
    assert response.status_code == 429 and "_auth_user_id" not in client.session
    assert f"After {settings.AXES_FAILURE_LIMIT} failed attempts" in html
    assert "You can try again in 1\xa0hour" in html
    assert "even with the right password" in html
    assert AuditEvent.objects.filter(action="login.failure", data__locked_out=True).exists()


def test_a_password_reset_mails_a_link_that_sets_a_new_password_and_ends_a_lockout(client, make_account):
    user = make_account("pablo")
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, user, WRONG)
    response = client.post(reverse("accounts:password_reset"), {"email": "pablo@example.org"})
    assert response.status_code == 302 and len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/password-reset/\S+/\S+/)", mail.outbox[0].body).group(1)
    assert "pablo" in mail.outbox[0].body and "Apertura" in mail.outbox[0].subject
    form_page = client.get(link, follow=True)
    assert "new_password1" in form_page.content.decode()
    new = "a brand new passphrase 9"
    response = client.post(form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:password_reset_complete")
    assert sign_in(client, user, new).status_code == 302  # new password works, and the lockout is over
    assert AuditEvent.objects.filter(action="user.password_set", actor=user).exists()


def test_an_unknown_address_gets_no_mail_and_the_same_answer(client):
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302 and not mail.outbox


def test_an_editor_without_the_second_factor_reaches_only_the_page_that_sets_it_up(client, make_account):
    editor = make_account("elena", RoleKind.EDITOR)
    response = sign_in(client, editor)
    setup = reverse("accounts:two_factor_setup")
    assert response["Location"] == f"{setup}?next=%2F"
    assert client.get(setup).status_code == 200
    for response in (client.get(reverse("home")), client.get(reverse("manage:users")),
                     client.get(reverse("accounts:password_reset")), client.post(reverse("home"))):
        assert response.status_code == 302 and response["Location"].startswith(setup)
    assert client.post(reverse("accounts:logout")).status_code == 302  # signing out is always possible


def test_a_monitor_is_not_asked_for_a_second_factor(client, make_account):
    response = sign_in(client, make_account("mario", RoleKind.MONITOR))
    assert response["Location"] == reverse("home")


def test_a_wrong_code_is_refused_and_recorded(client, make_account):
    editor = make_account("elena", RoleKind.EDITOR, two_factor=True)
    response = sign_in(client, editor)
    verify = reverse("accounts:two_factor_verify")
    assert response["Location"].startswith(verify)
    wrong = f"{(int(code_for(TOTPDevice.objects.get(user=editor))) + 500000) % 1000000:06d}"
    response = client.post(verify, {"token": wrong})
    assert response.status_code == 400 and "That code is not right" in response.content.decode()
    assert AuditEvent.objects.filter(action="login.second_factor_failure", actor=editor).exists()
    # django-otp throttles: the next try, even right, waits.
    response = client.post(verify, {"token": code_for(TOTPDevice.objects.get(user=editor))})
    assert response.status_code == 400 and "Too many wrong codes" in response.content.decode()
    assert client.get(reverse("manage:users")).status_code == 302


def test_the_second_factor_does_not_redirect_elsewhere(client, make_account):
    editor = make_account("elena", RoleKind.EDITOR, two_factor=True)
    sign_in(client, editor)
    response = client.post(f"{reverse('accounts:two_factor_verify')}?next=https://evil.example/",
                           {"token": code_for(TOTPDevice.objects.get(user=editor))})
    assert response.status_code == 302 and response["Location"] == reverse("home")
