"""Hostile or broken files at the engine: each is refused with a message that says what is wrong, before
any large amount of work, and the version already published stays served."""

import struct
import zipfile

import pytest

from apertura.datastore.engine.query import datastore_search
from apertura.datastore.selectors import published_table
from apertura.datastore.services import datastore_ingest

pytestmark = pytest.mark.django_db

GOOD = "municipio,poblacion\n0101,1205668\n0108,465773\n"


def _lying_zip(path, *, declared: int, sheet: str = "<worksheet><sheetData/></worksheet>"):
    """An XLSX whose sheet's headers declare `declared` uncompressed bytes, whatever it really holds."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    data = bytearray(path.read_bytes())
    name = b"xl/worksheets/sheet1.xml"
    # The uncompressed size sits 22 bytes into a local header (name at 30), 24 into a central one (name at 46).
    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        start = data.find(signature)
        while start != -1:
            if data[start + name_at:start + name_at + len(name)] == name:
                struct.pack_into("<I", data, start + size_at, declared)
            start = data.find(signature, start + 4)
    path.write_bytes(bytes(data))
    return path


def _refused(write, key, path) -> dict:
    datastore_ingest(key=key, source_path=write("good.csv", GOOD))
    result = datastore_ingest(key=key, source_path=path)
    assert not result.ok and not result.report["valid"]
    assert published_table(key).row_count == 2
    assert len(datastore_search(published_table(key))["records"]) == 2
    return result.report


def test_an_xlsx_declaring_a_huge_uncompressed_size_is_refused_unopened(write, tmp_path):
    bomb = _lying_zip(tmp_path / "bomb.xlsx", declared=3 * 1024 ** 3)
    assert bomb.stat().st_size < 1024
    report = _refused(write, "bomb-declared", bomb)
    assert "expands to 3072 MB" in report["errors"][0]["message"]


def test_an_xlsx_whose_headers_understate_its_size_is_refused(write, tmp_path):
    sheet = "<worksheet><sheetData>" + "<row/>" * 50000 + "</sheetData></worksheet>"  # 300 kB, said to be 100 B
    path = _lying_zip(tmp_path / "liar.xlsx", declared=100, sheet=sheet)
    report = _refused(write, "bomb-liar", path)
    assert report["errors"][0]["type"] == "format-error"


def test_a_file_over_the_size_limit_is_refused_without_reading_it(write, tmp_path, settings):
    settings.APERTURA_DATASTORE_MAX_MB = 1024
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as handle:  # 2 GB, sparse: it takes no room on disk
        handle.write(b"a,b\n1,2\n")
        handle.truncate(2 * 1024 ** 3)
    report = _refused(write, "huge", huge)
    assert "2048 MB, more than the 1024 MB" in report["errors"][0]["message"]


@pytest.mark.parametrize("page", [
    b"\xef\xbb\xbf  <HTML><HEAD><TITLE>Error</TITLE></HEAD></HTML>",
    b"\n\n<html lang=\"es\"><body>Acceso denegado</body></html>",
    b"<head><meta charset=\"utf-8\"><title>Portal</title></head>",
])
def test_a_csv_that_is_really_a_web_page_is_refused(write, page):
    report = _refused(write, "html", write("datos.csv", page))
    assert report["errors"][0]["type"] == "format-error" and "web page" in report["errors"][0]["message"]


def test_a_csv_cut_short_inside_a_multibyte_character_is_refused(write):
    text = ("a,b\n" + "1,Cobán\n" * 10).encode("utf-8")
    report = _refused(write, "cut-char", write("cut.csv", text[:-3]))  # ends with half of "á"
    assert set(report["errorCounts"]) & {"encoding-error", "format-error"}


def test_utf16_without_a_byte_order_mark_is_read(write):
    text = "departamento,nota\n01,Educación\n16,Año\n"
    result = datastore_ingest(key="utf16", source_path=write("u.csv", text.encode("utf-16-le")))
    assert result.ok, result.report
    assert datastore_search(published_table("utf16"))["records"][0]["nota"] == "Educación"


def test_mixed_delimiters_after_the_first_rows_are_refused(write):
    rows = "a;b;c\n" + "1;2;3\n" * 50 + "4,5,6\n" * 50
    report = _refused(write, "mixed-late", write("m.csv", rows))
    error = report["errors"][0]
    assert error["type"] == "format-error" and error["rowNumber"] == 52 and "comma" in error["message"]


def test_a_truncated_csv_names_the_last_row(write):
    body = "a,b,c\n" + "".join(f"{i},x{i},{i * 2}\n" for i in range(1, 100)) + "100,x1"
    report = _refused(write, "truncated", write("t.csv", body))
    error = next(e for e in report["errors"] if e["type"] == "missing-cell")
    assert error["rowNumber"] == 101 and "cut short" in error["message"]


def test_a_header_line_over_the_limit_is_refused_without_reading_it_whole(write, tmp_path):
    from apertura.datastore.engine.ingest import Limits, ingest_file

    # No line break at all: the reader stops at the limit instead of reading the whole file into memory.
    path = write("one-line.csv", b"a," * 600_000)
    result = ingest_file(path, dest=tmp_path / "out.parquet", workdir=tmp_path / "work",
                         limits=Limits(max_line_bytes=1024 * 1024))
    error = result.report["errors"][0]
    assert not result.ok and (error["type"], error["rowNumber"]) == ("source-error", 1)
    assert "longer than the 1 MB a row may have" in error["message"]


def test_a_long_header_under_the_limit_is_read(write):
    # Python's CSV reader alone refuses a field over 128 KB ("field larger than field limit").
    name = "n" * 200_000
    result = datastore_ingest(key="long-header", source_path=write("l.csv", f"{name},b\n1,2\n"))
    assert result.ok, result.report
    assert published_table("long-header").fields[0]["name"] == name
