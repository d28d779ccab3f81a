"""Uploads found from outside to break a published table (issue 10, items 6 and 8).

A file with only its header replaced a published table with an empty one; a 20 MB header line crashed the
ingest with no report (Python's csv module: "field larger than field limit"); a valid UTF-16 CSV was refused at
upload as application/octet-stream. Now the empty or narrower file is held for the publisher's confirmation
while the table keeps serving its current version, a line over the limit is refused with a report naming it,
and UTF-16/UTF-32 text is recognised — while binary data and HTML dressed as such are still refused."""

import random

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from apertura.datastore.engine.query import datastore_search
from apertura.datastore.models import DatastoreTable
from apertura.datastore.selectors import published_table
pytestmark = pytest.mark.django_db

CSV = "municipio,nombre,poblacion\n0101,Guatemala,1205668\n0108,Mixco,465773\n"
TEXT = "municipio,nombre,poblacion\n0101,Cobán,212000\n1701,San José,53000\n"
MB = 1024 * 1024


@pytest.fixture
def published(catalog, django_capture_on_commit_callbacks):
    """A published table (version 1, 2 rows), and a way for its publisher to replace its file."""
    from apertura.catalog.services import resource_replace_file

    dataset = catalog.dataset()
    resource = catalog.upload(dataset, "poblacion.csv", CSV.encode(), capture=django_capture_on_commit_callbacks)

    def replace(name: str, content: bytes):
        with django_capture_on_commit_callbacks(execute=True):
            resource_replace_file(resource=resource, by=catalog.users["editor"],
                                  upload=SimpleUploadedFile(name, content))
        return DatastoreTable.objects.select_related("current").get(resource_key=str(resource.pk))

    return resource, replace


def _still_serving_version_1(client, resource, table):
    assert table.current.number == 1 and table.row_count == 2
    api = client.get(f"/api/v1/datastore/{resource.pk}/rows").json()
    assert [r["municipio"] for r in api["records"]] == ["0101", "0108"]
    page = client.get(f"/datasets/{resource.dataset.name}/resources/{resource.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert ("Version 1 is published: 2 rows and 3 columns." in html or "Version 1 is still the one published." in html)
    assert "<td>Guatemala</td>" in html and "Version 2" not in html


def test_a_header_only_csv_does_not_replace_a_published_table(client, published):
    resource, replace = published
    table = replace("poblacion.csv", b"municipio,nombre,poblacion\n")
    assert table.status == "held" and table.last_report["valid"] is True
    assert table.last_report["held"]["noRows"] is True and "not published" in table.last_report["summary"]
    _still_serving_version_1(client, resource, table)


def test_a_csv_that_drops_columns_does_not_replace_a_published_table(client, published):
    resource, replace = published
    table = replace("poblacion.csv", b"municipio,total\n0101,1\n0108,2\n0115,3\n")
    assert table.status == "held" and table.last_report["held"]["missingFields"] == ["nombre", "poblacion"]
    _still_serving_version_1(client, resource, table)


def test_a_20_mb_header_line_is_refused_with_a_report(client, published):
    resource, replace = published
    table = replace("poblacion.csv", b"municipio," + b"x" * (20 * MB) + b"\n0101,1\n")
    report = table.last_report
    assert table.status == "failed" and report["valid"] is False
    error = report["errors"][0]
    assert error["rowNumber"] == 1 and "longer than the 10 MB a row may have" in error["message"]
    assert "previous version" in report["summary"]
    _still_serving_version_1(client, resource, table)


def test_a_20_mb_field_is_refused_with_a_report(client, published):
    resource, replace = published
    table = replace("poblacion.csv", CSV.encode() + b'0115,"' + b"x" * (20 * MB) + b'",1\n0116,Villa Nueva,2\n')
    error = table.last_report["errors"][0]
    assert table.status == "failed" and error["rowNumber"] == 4
    assert "Row 4 is longer than the 10 MB a row may have" in error["message"]
    _still_serving_version_1(client, resource, table)


def test_the_row_limit_is_a_setting(published, settings):
    _resource, replace = published
    settings.APERTURA_DATASTORE_MAX_LINE_MB = 0.001  # about 1 KB
    table = replace("poblacion.csv", CSV.encode() + b"0115," + b"y" * 2000 + b",1\n")
    assert "Row 4 is longer than the 0.001 MB a row may have" in table.last_report["errors"][0]["message"]


ENCODINGS = {
    "UTF-16 LE with BOM": lambda text: b"\xff\xfe" + text.encode("utf-16-le"),
    "UTF-16 BE with BOM": lambda text: b"\xfe\xff" + text.encode("utf-16-be"),
    "UTF-16 LE without BOM": lambda text: text.encode("utf-16-le"),
    "UTF-16 BE without BOM": lambda text: text.encode("utf-16-be"),
    "UTF-32 LE with BOM": lambda text: b"\xff\xfe\x00\x00" + text.encode("utf-32-le"),
    "UTF-32 BE with BOM": lambda text: b"\x00\x00\xfe\xff" + text.encode("utf-32-be"),
    "UTF-32 LE without BOM": lambda text: text.encode("utf-32-le"),
    "UTF-32 BE without BOM": lambda text: text.encode("utf-32-be"),
}


@pytest.mark.parametrize("encoding", list(ENCODINGS))
def test_a_unicode_csv_is_accepted_and_read_right(catalog, django_capture_on_commit_callbacks, encoding):
    dataset = catalog.dataset()
    resource = catalog.upload(dataset, "unicode.csv", ENCODINGS[encoding](TEXT),
                              capture=django_capture_on_commit_callbacks)
    assert resource.media_type == "text/csv"
    table = DatastoreTable.objects.get(resource_key=str(resource.pk))
    assert table.status == "ready", table.last_report
    records = datastore_search(published_table(str(resource.pk)))["records"]
    assert [(r["municipio"], r["nombre"], r["poblacion"]) for r in records] == [
        ("0101", "Cobán", 212000), ("1701", "San José", 53000)]


def _noise(size: int) -> bytes:
    return random.Random(10).randbytes(size)


BINARY = {
    "UTF-16 mark, then binary": b"\xff\xfe" + _noise(9000),
    "UTF-16 BE mark, then binary": b"\xfe\xff" + _noise(9000),
    "UTF-32 mark, then binary": b"\xff\xfe\x00\x00" + _noise(9000),
    "a UTF-16 header, then binary": b"\xff\xfe" + "a,b\n1,2\n".encode("utf-16-le") + _noise(9000),
    "UTF-16 text holding NUL characters": ("a,b\n1,\x00\n" * 100).encode("utf-16"),
    "UTF-16-looking zeros, then binary": "a,b\n".encode("utf-16-le") + _noise(9000),
}


@pytest.mark.parametrize("case", list(BINARY))
def test_binary_data_wearing_a_unicode_mark_is_still_refused(catalog, case):
    from apertura.catalog.services import resource_add

    with pytest.raises(ValidationError, match="application/octet-stream"):
        resource_add(dataset=catalog.dataset(), by=catalog.users["editor"],
                     upload=SimpleUploadedFile("datos.csv", BINARY[case]))


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_a_web_page_in_utf16_or_utf32_is_still_refused(catalog, encoding):
    from apertura.catalog.services import resource_add

    page = "<!DOCTYPE html><html><body><script>alert(1)</script></body></html>".encode(encoding)
    with pytest.raises(ValidationError, match="text/html"):
        resource_add(dataset=catalog.dataset(), by=catalog.users["editor"],
                     upload=SimpleUploadedFile("datos.csv", page))


def test_binary_data_past_what_the_upload_check_reads_is_refused_by_the_ingest(client, published):
    # The upload check reads the first 8 KB; the engine reads every byte, and binary read as UTF-16 shows as
    # control characters, which no text table holds.
    resource, replace = published
    good = ("municipio,nombre,poblacion\n" + "0101,Guatemala,1\n" * 1000).encode("utf-16")
    table = replace("poblacion.csv", good + _noise(4 * MB))
    assert table.status == "failed" and table.last_report["errorCounts"] == {"encoding-error": 1}
    _still_serving_version_1(client, resource, table)


def test_binary_data_that_decodes_as_utf16_is_refused_by_the_ingest(client, published):
    # Bytes that happen to make valid UTF-16 (no lone surrogates) but hold control characters: binary.
    resource, replace = published
    good = ("municipio,nombre,poblacion\n" + "0101,Guatemala,1\n" * 1000).encode("utf-16")
    table = replace("poblacion.csv", good + "0102,\x01\x02\x03,2\n".encode("utf-16-le"))
    assert table.status == "failed" and table.last_report["errorCounts"] == {"encoding-error": 1}
    assert "binary data near row 1002" in table.last_report["errors"][0]["message"]
    _still_serving_version_1(client, resource, table)
