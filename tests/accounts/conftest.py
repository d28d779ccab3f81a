import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from apertura.accounts.models import Role, RoleKind
from apertura.institutions.models import Institution

PASSWORD = "a long enough passphrase 42"


def code_for(device: TOTPDevice) -> str:
    """The code the person's phone would show now."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):0{device.digits}d}"


def english_client() -> Client:
    # The interface is Spanish first; English keeps assertions about wording stable while the Spanish
    # catalog catches up with new strings.
    return Client(headers={"accept-language": "en"})


@pytest.fixture
def client():
    return english_client()


@pytest.fixture
def institution(db):
    return Institution.objects.create(acronym="MINGOB", slug="mingob", name_es="Ministerio de Gobernación",
                                      name_en="Ministry of the Interior", kind=Institution.Kind.PUBLIC_ENTITY)


@pytest.fixture
def make_account(db, institution):
    """make_account("elena", RoleKind.EDITOR, two_factor=True): a person who signs in with PASSWORD through the
    real pages (editors and monitors belong to MINGOB); not tests/conftest.py's make_user, which picks the name."""

    def make(username: str, kind: str | None = None, *, two_factor: bool = False, **fields):
        user = get_user_model().objects.create_user(username=username, password=PASSWORD,
                                                    email=f"{username}@example.org", **fields)
        if kind:
            for_institution = kind in (RoleKind.EDITOR, RoleKind.MONITOR)
            Role.objects.create(user=user, kind=kind, institution=institution if for_institution else None)
        if two_factor:
            TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
        return user

    return make


@pytest.fixture
def admin_account(make_account):
    """Ana, an administrator with a confirmed authenticator (tests/conftest.py's `admin` has none, and
    pytest-django's `admin_user` is a superuser without roles)."""
    return make_account("ana", RoleKind.ADMINISTRATOR, two_factor=True, first_name="Ana Admin")


def sign_in(client: Client, user, password: str = PASSWORD):
    return client.post(reverse("accounts:login"), {"username": user.get_username(), "password": password})


def sign_in_verified(client: Client, user) -> Client:
    """Password, then the code from the person's (confirmed) authenticator."""
    response = sign_in(client, user)
    assert response.status_code == 302, response.content
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    response = client.post(reverse("accounts:two_factor_verify"), {"token": code_for(device)})
    assert response.status_code == 302, response.content
    return client


@pytest.fixture
def admin_account_client(client, admin_account):
    """An English client Ana signed into, through the sign-in page and her second factor."""
    return sign_in_verified(client, admin_account)
