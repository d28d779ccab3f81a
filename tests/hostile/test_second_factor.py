"""A staff member's password alone opens nothing: every page, download and API answer that could show what
only staff see waits for the second factor, reads included."""

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice


pytestmark = pytest.mark.django_db


@pytest.fixture
def private_table(catalog, django_capture_on_commit_callbacks):
    dataset = catalog.dataset("borrador", state="draft")
    resource = catalog.upload(dataset, "b.csv", b"a,b\nsecreto,2\n", capture=django_capture_on_commit_callbacks)
    return f"/datasets/borrador/resources/{resource.pk}/", resource


def _password_only(user) -> Client:
    """Signed in with the password, the authenticator set up, but no code given in this session."""
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def _surfaces(page: str, resource) -> list[str]:
    return [page, page + "table.csv", page + "table.json", page + "?format=json", page + "download/",
            f"/api/v1/datastore/{resource.pk}/rows", f"/api/v1/datastore/{resource.pk}/aggregate",
            "/datasets/borrador/", "/datasets/borrador/?format=json", "/datasets/tokens/", "/datasets/",
            "/", "/manage/users/", "/manage/harvest/"]


def test_an_editor_with_only_the_password_reads_no_private_table_and_no_page(catalog, private_table):
    page, resource = private_table
    client = _password_only(catalog.users["editor"])
    for url in _surfaces(page, resource):
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert b"secreto" not in body, url
        if url.startswith("/api/"):
            assert response.status_code == 403 and b"second factor" in body, url
        else:
            assert response.status_code == 302, url
            assert response["Location"].startswith("/accounts/two-factor/?next="), url


def test_writes_and_the_csv_api_wait_for_the_second_factor_too(catalog, private_table):
    page, _resource = private_table
    client = _password_only(catalog.users["admin"])
    assert client.post(page + "schema/", {"type-0": "integer"}).status_code == 302
    assert client.post("/datasets/tokens/", {"name": "robot"}).status_code == 302


def test_with_the_code_the_same_editor_reads_the_private_table(catalog, private_table):
    page, resource = private_table
    editor = catalog.users["editor"]
    client = _password_only(editor)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=editor).persistent_id
    session.save()
    assert b"secreto" in client.get(page + "table.csv").getvalue()
    assert b"secreto" in client.get(f"/api/v1/datastore/{resource.pk}/rows").content


def test_participants_and_monitors_are_not_asked_for_a_code(catalog):
    client = Client()
    client.force_login(catalog.users["participant"])
    assert client.get("/").status_code == 200
