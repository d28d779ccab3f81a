"""Registration answers the same whoever already has an account: neither e-mail addresses nor user names can
be found out by trying them. Only the owner of the mailbox learns why no account was made."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db
STRONG = "correct horse battery staple"


def _register(client, **fields):
    data = {"display_name": "Sonda", "email": "sonda@example.org", "affiliation": "", "username": "sonda",
            "password": STRONG, "password_again": STRONG, "website": "", **fields}
    return client.post(reverse("accounts:register"), data)


def _visible(response) -> str:
    # The page without the things that differ on every request anyway.
    page = response.content.decode()
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"|nonce="[^"]+"', "", page)


@pytest.fixture
def client():
    return Client(headers={"accept-language": "en"})


def test_a_taken_user_name_gets_the_same_page_as_a_free_one(client):
    get_user_model().objects.create_user(username="director", email="director@example.org", password=STRONG)
    free = _register(client, username="nadie-con-este-nombre", email="probe1@example.org")
    taken = _register(client, username="director", email="probe2@example.org")
    assert taken.status_code == free.status_code == 200
    assert _visible(taken).replace("probe2", "probe1") == _visible(free)
    assert "already exists" not in _visible(taken)
    # Nothing was created for the probe, and only the prober's own mailbox is told why.
    assert not get_user_model().objects.filter(email="probe2@example.org").exists()
    told = [m for m in mail.outbox if m.to == ["probe2@example.org"]]
    assert len(told) == 1 and "«director»" in told[0].body and "/accounts/register/" in told[0].body
    assert not [m for m in mail.outbox if m.to == ["director@example.org"]]


def test_a_user_name_taken_in_another_case_or_with_spaces_is_still_not_revealed(client):
    get_user_model().objects.create_user(username="director", email="director@example.org", password=STRONG)
    response = _register(client, username="  director ", email="probe3@example.org")
    assert response.status_code == 200 and "Check your e-mail" in response.content.decode()
    assert get_user_model().objects.filter(username="director").count() == 1


def test_a_real_mistake_in_the_form_is_still_shown(client):
    response = _register(client, username="bad name!")
    assert response.status_code == 400 and "Enter a valid username" in response.content.decode()
