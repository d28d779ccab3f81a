"""Data requests are public submissions with participation's safeguards: a rate limit per account and per address,
a honeypot field, and the same text from the same person refused as a duplicate. Every refusal keeps what was
typed."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from apertura.catalog import services
from apertura.catalog.models import DataRequest

pytestmark = pytest.mark.django_db


@pytest.fixture
def form(institutions):
    return {"institution": institutions["INE"].pk, "title": "Homicidios por municipio",
            "description": "Para un estudio de la violencia."}


def _request(by, institutions, n, **values):
    return services.data_request_create(by=by, institution=institutions["INE"], title=f"Datos {n}",
                                        description="Para un estudio.", **values)


def test_the_rate_limit_per_account_refuses_and_keeps_the_text(settings, signed_in, make_user, institutions, form):
    settings.APERTURA_PARTICIPATION_LIMIT_PER_ACCOUNT = 2
    citizen = make_user()
    for n in range(2):
        _request(citizen, institutions, n)
    with pytest.raises(ValidationError) as refusal:
        _request(citizen, institutions, 3)
    assert refusal.value.code == "rate_limited"
    page = signed_in(citizen).post("/data-requests/new/", form)
    assert page.status_code == 429 and "Homicidios por municipio" in page.content.decode()
    assert DataRequest.objects.filter(requester=citizen).count() == 2


def test_the_rate_limit_per_address(settings, make_user, institutions):
    settings.APERTURA_PARTICIPATION_LIMIT_PER_ADDRESS = 2
    for n in range(2):
        _request(make_user(), institutions, n, address="203.0.113.9")
    with pytest.raises(ValidationError, match="too many"):
        _request(make_user(), institutions, 3, address="203.0.113.9")
    _request(make_user(), institutions, 4, address="203.0.113.10")  # another address is counted apart


def test_the_same_text_again_is_a_duplicate_until_the_window_passes(settings, signed_in, make_user, institutions,
                                                                     form):
    citizen = make_user()
    browser = signed_in(citizen, headers={"accept-language": "en"})
    assert browser.post("/data-requests/new/", form).status_code == 302
    again = browser.post("/data-requests/new/", {**form, "title": "  homicidios POR municipio "})
    assert again.status_code == 400 and "You already sent this request" in again.content.decode()
    assert "homicidios POR municipio" in again.content.decode()  # what was typed is kept
    assert DataRequest.objects.count() == 1
    DataRequest.objects.update(created=timezone.now() - dt.timedelta(
        hours=settings.APERTURA_PARTICIPATION_DUPLICATE_HOURS + 1))
    assert browser.post("/data-requests/new/", form).status_code == 302
    other = services.data_request_create(by=make_user(), institution=institutions["INE"], title=form["title"],
                                         description=form["description"])  # someone else may ask the same
    assert other.pk


def test_a_filled_honeypot_is_refused(signed_in, make_user, form):
    page = signed_in(make_user()).post("/data-requests/new/", {**form, "website": "http://spam.example"})
    assert page.status_code == 400 and "Homicidios por municipio" in page.content.decode()
    assert not DataRequest.objects.exists()


def test_the_honeypot_is_hidden_from_people(signed_in, make_user):
    html = signed_in(make_user()).get("/data-requests/new/").content.decode()
    assert 'class="hp"' in html and 'name="website"' in html and 'tabindex="-1"' in html
