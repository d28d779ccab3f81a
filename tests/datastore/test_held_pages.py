"""The held upload on the resource page: the publisher sees what is held and why, and publishes or discards it
with a plain form (no JavaScript); the public sees the published table as before, and may do neither."""

import re
from pathlib import Path

import pytest

from apertura.datastore.models import DatastoreTable

pytestmark = pytest.mark.django_db

CSV = b"codigo,nombre,tasa\n0001,Uno,1.5\n0002,Dos,2.5\n0003,Tres,3.5\n"


@pytest.fixture
def held_page(catalog, signed_in, django_capture_on_commit_callbacks):
    """A published table of 3 rows whose publisher then uploaded a file with the header only."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    dataset = catalog.dataset()
    resource = catalog.upload(dataset, "tasas.csv", CSV, capture=django_capture_on_commit_callbacks)
    url = f"/datasets/{dataset.name}/resources/{resource.pk}/"
    editor = signed_in(catalog.users["editor"], HTTP_ACCEPT_LANGUAGE="en")
    with django_capture_on_commit_callbacks(execute=True):
        editor.post(url + "replace/", {"file": SimpleUploadedFile("vacio.csv", b"codigo,nombre\n")})
    return url, resource, editor


def _table(resource) -> DatastoreTable:
    return DatastoreTable.objects.select_related("current").get(resource_key=str(resource.pk))


def _hidden_held(html: str) -> str:
    return re.search(r'name="held" value="([0-9a-f]+)"', html).group(1)


def test_the_publisher_sees_what_is_held_and_why(held_page):
    url, resource, editor = held_page
    html = editor.get(url).content.decode()
    notice = html.split('id="held-heading"')[1].split("</section>")[0]
    assert "A new file waits for your confirmation" in notice and "“vacio.csv”" in notice
    assert "The new file has no rows; the published table has 3." in notice
    assert "The new file lacks the column “tasa”, which the published table has." in notice
    assert "Version 1 stays published until you decide." in notice
    assert f'action="{url}held/publish/"' in notice and f'action="{url}held/discard/"' in notice
    assert notice.count("csrfmiddlewaretoken") == 2
    assert "The last upload waits for your confirmation." in html and 'href="#held-heading"' in html
    # The published table is what the page still previews.
    assert "3 rows" in html and "<td>Uno</td>" in html


def test_the_public_sees_the_published_table_and_no_notice(client, held_page, catalog, signed_in):
    url, resource, _editor = held_page
    for browser in (client, signed_in(catalog.users["other_editor"])):
        html = browser.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert 'id="held-heading"' not in html and "held/publish" not in html and "waits for" not in html
        assert "Version 1 is published: 3 rows and 3 columns." in html and "<td>Uno</td>" in html
    api = client.get(f"/api/v1/datastore/{resource.pk}/rows").json()
    assert [r["codigo"] for r in api["records"]] == ["0001", "0002", "0003"]
    assert client.get(url + "table.csv").status_code == 200
    twin = client.get(url, {"format": "json"}).json()
    assert twin["table"]["status"] == "held" and twin["table"]["version"] == 1 and twin["table"]["held"] is None
    assert twin["total"] == 3


def test_the_json_twin_tells_the_publisher_what_is_held(held_page):
    url, resource, editor = held_page
    held = editor.get(url, {"format": "json"}).json()["table"]["held"]
    assert held["file"] == "vacio.csv" and held["rows"] == 0 and held["fields"] == ["codigo", "nombre"]
    assert held["noRows"] is True and held["missingFields"] == ["tasa"] and len(held["reasons"]) == 2
    assert held["publish"].endswith(f"{url}held/publish/") and held["id"] == _table(resource).held["id"]


@pytest.mark.parametrize("who", ["anonymous", "participant", "other_editor"])
@pytest.mark.parametrize("action", ["publish", "discard"])
def test_only_the_publisher_may_decide(held_page, client, catalog, signed_in, who, action):
    url, resource, editor = held_page
    held_id = _hidden_held(editor.get(url).content.decode())
    browser = client if who == "anonymous" else signed_in(catalog.users[who])
    response = browser.post(f"{url}held/{action}/", {"held": held_id})
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert "login" in response["Location"]
    table = _table(resource)
    assert table.held["id"] == held_id and table.current.number == 1 and table.status == "held"
    assert browser.get(f"{url}held/{action}/").status_code in (302, 403, 405)


def test_publishing_from_the_page(held_page, client, django_capture_on_commit_callbacks):
    url, resource, editor = held_page
    held_id = _hidden_held(editor.get(url).content.decode())
    page = editor.post(url + "held/publish/", {"held": held_id}, follow=True).content.decode()
    assert "The new file is published as version 2." in page and 'id="held-heading"' not in page
    table = _table(resource)
    assert table.current.number == 2 and table.row_count == 0 and table.status == "ready"
    assert client.get(f"/api/v1/datastore/{resource.pk}/rows").json()["records"] == []
    # Sent again (a second click, the back button): nothing is held any more, and the page says so.
    again = editor.post(url + "held/publish/", {"held": held_id}, follow=True).content.decode()
    assert "No upload of this table waits for confirmation" in again and _table(resource).current.number == 2


def test_discarding_from_the_page(held_page, client, django_capture_on_commit_callbacks):
    url, resource, editor = held_page
    held_file = Path(_table(resource).held["parquet_path"])
    held_id = _hidden_held(editor.get(url).content.decode())
    with django_capture_on_commit_callbacks(execute=True):
        page = editor.post(url + "held/discard/", {"held": held_id}, follow=True).content.decode()
    assert "The new file was discarded; the published table has not changed." in page
    assert 'id="held-heading"' not in page and "Version 1 is published: 3 rows" in page
    table = _table(resource)
    assert table.held == {} and table.current.number == 1 and table.status == "ready" and not held_file.exists()
    assert len(client.get(f"/api/v1/datastore/{resource.pk}/rows").json()["records"]) == 3


def test_a_stale_page_does_not_publish_a_newer_upload(held_page, catalog, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url, resource, editor = held_page
    stale = _hidden_held(editor.get(url).content.decode())
    with django_capture_on_commit_callbacks(execute=True):
        editor.post(url + "replace/", {"file": SimpleUploadedFile("otro.csv", b"codigo\n")})
    page = editor.post(url + "held/publish/", {"held": stale}, follow=True).content.decode()
    assert "replaced by a newer upload" in page
    table = _table(resource)
    assert table.current.number == 1 and table.held["source_name"] == "otro.csv"


def test_the_uploader_is_told_it_waits(held_page, catalog):
    _url, resource, _editor = held_page
    note = catalog.users["editor"].notifications.order_by("id").last()
    assert note.title == "Your file vacio.csv waits for your confirmation"
    assert note.body == _table(resource).last_report["summary"]
    assert "not published" in note.body and "publishes the new file anyway or discards it" in note.body


def test_the_notice_in_spanish_fits_a_phone(held_page, catalog, signed_in):
    url, _resource, _editor = held_page
    html = signed_in(catalog.users["editor"]).get(url).content.decode()  # Spanish, the default language
    notice = html.split('id="held-heading"')[1].split("</section>")[0]
    assert notice.count("<form") == 2 and 'type="submit"' in notice and 'style="' not in html
    assert 'class="held-actions"' in notice
