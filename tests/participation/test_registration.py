"""Self-registration with e-mail confirmation; downloading and deleting one's data."""

import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from apertura.audit.models import AuditEvent
from apertura.participation.models import Participant

pytestmark = pytest.mark.django_db
STRONG = "correct horse battery staple"


def _register(client, **overrides):
    data = {"display_name": "María López", "email": "maria@example.org", "affiliation": "Red de Jóvenes",
            "username": "maria", "password": STRONG, "password_again": STRONG, "website": "", **overrides}
    return client.post(reverse("accounts:register"), data)


def _sign_in(client):
    return client.post(reverse("accounts:login"), {"username": "maria", "password": STRONG})


@pytest.fixture
def client():
    return Client(headers={"accept-language": "en"})


def test_registration_sends_a_confirmation_link_and_the_account_waits_for_it(client):
    response = _register(client)
    assert response.status_code == 200
    assert "Check your e-mail" in response.content.decode()
    user = get_user_model().objects.get(username="maria")
    assert not user.is_active and user.first_name == "María López"
    assert Participant.objects.get(user=user).affiliation == "Red de Jóvenes"
    assert len(mail.outbox) == 1
    link = re.search(r"http\S+/accounts/register/confirm/\S+/", mail.outbox[0].body).group(0)
    assert _sign_in(client).status_code == 200  # refused: the form is shown again

    response = client.get(link[link.index("/accounts"):])
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    user.refresh_from_db()
    assert user.is_active
    assert _sign_in(client).status_code == 302
    assert set(AuditEvent.objects.values_list("action", flat=True)) >= {
        "user.register", "participant.create", "user.confirm"}


def test_a_forged_or_altered_confirmation_link_is_refused(client):
    _register(client)
    link = re.search(r"/accounts/register/confirm/(\S+)/", mail.outbox[0].body).group(1)
    assert client.get(reverse("accounts:register_confirm", args=[link[:-2] + "xx"])).status_code == 404
    assert client.get(reverse("accounts:register_confirm", args=["nonsense"])).status_code == 404
    assert not get_user_model().objects.get(username="maria").is_active


def test_registration_errors_keep_what_was_typed_and_never_echo_the_password(client):
    response = _register(client, password_again="something else entirely")
    assert response.status_code == 400
    page = response.content.decode()
    assert "María López" in page and "maria@example.org" in page and "Red de Jóvenes" in page
    assert STRONG not in page
    assert not get_user_model().objects.filter(username="maria").exists()


def test_registering_an_address_that_has_an_account_says_the_same_and_creates_nothing(client, make_user):
    existing = make_user()
    existing.email = "maria@example.org"
    existing.save()
    response = _register(client, username="other")
    assert response.status_code == 200 and "Check your e-mail" in response.content.decode()
    assert not get_user_model().objects.filter(username="other").exists()
    assert "already has one" in mail.outbox[0].body


def test_the_honeypot_refuses_bots(client):
    response = _register(client, website="http://spam.example")
    assert response.status_code == 400
    assert not get_user_model().objects.filter(username="maria").exists()
    assert not mail.outbox


def test_registrations_are_rate_limited_per_address(client, settings):
    settings.APERTURA_PARTICIPATION_LIMIT_PER_ADDRESS = 2
    for n in range(2):
        assert _register(client, username=f"u{n}", email=f"u{n}@example.org").status_code == 200
    response = _register(client, username="u3", email="u3@example.org")
    assert response.status_code == 429 and "too many" in response.content.decode()
    assert not get_user_model().objects.filter(username="u3").exists()


def test_a_participant_downloads_all_their_data(participant, as_user, make_proposal):
    user = participant("Ana")
    make_proposal(user, title="Mine")
    response = as_user(user).get(reverse("participation:account_data"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert "Access-Control-Allow-Origin" not in response
    data = json.loads(response.content)
    assert data["account"]["email"] == user.email and data["account"]["affiliation"] == "Colectivo"
    assert [p["title"] for p in data["proposals"]] == ["Mine"]
    assert data["follows"]  # the author follows their own proposal


def test_the_data_download_needs_signing_in(client):
    assert client.get(reverse("participation:account_data")).status_code == 302


def test_deleting_an_account_anonymises_public_contributions(participant, as_user, make_proposal):
    user = participant("Ana Pública")
    proposal = make_proposal(user, title="Stays public")
    client = as_user(user)
    assert client.post(reverse("participation:account_delete"), {"password": "wrong"}).status_code == 400
    response = client.post(reverse("participation:account_delete"), {"password": "a long test password"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.is_active and not user.email and not user.first_name and not user.has_usable_password()
    page = Client(headers={"accept-language": "en"}).get(proposal.get_absolute_url()).content.decode()
    assert "Stays public" in page and "Former participant" in page and "Ana Pública" not in page
    assert not Participant.objects.get(user=user).affiliation


def test_accounts_with_a_role_are_not_deleted_by_their_holder(make_user, signed_in):
    editor = make_user("administrator")
    client = signed_in(editor, headers={"accept-language": "en"})
    response = client.post(reverse("participation:account_delete"), {"password": "a long test password"})
    assert response.status_code == 400 and "closed by an administrator" in response.content.decode()
    editor.refresh_from_db()
    assert editor.is_active


def test_a_participant_changes_their_display_name_and_affiliation(participant, as_user, make_proposal):
    user = participant("Ana")
    proposal = make_proposal(user)
    client = as_user(user)
    assert client.post(reverse("participation:account"), {"display_name": "", "affiliation": "X"}).status_code == 400
    response = client.post(reverse("participation:account"),
                           {"display_name": "Ana M.", "affiliation": "Colectivo Zeta"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.first_name == "Ana M." and user.participant.affiliation == "Colectivo Zeta"
    page = Client().get(proposal.get_absolute_url()).content.decode()
    assert "Ana M." in page and "Colectivo Zeta" not in page
