import io
import json
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook

from apertura.audit.models import AuditEvent
from apertura.datastore.engine.query import datastore_search
from apertura.datastore.models import DatastoreTable
from apertura.datastore.selectors import published_table, table_versions
from apertura.datastore.services import SchemaError, datastore_ingest, datastore_ingest_queue, datastore_schema_update

pytestmark = pytest.mark.django_db

GOOD = ("municipio,nombre,poblacion,tasa,fecha,urbano,fecha_local\n"
        "0101,Guatemala,1205668,12.5,2024-01-02,sí,02/01/2024\n"
        "0108,\"Mixco, zona 1\",465773,3,2024-02-03,no,03/02/2024\n"
        "1701,Flores,53000,0.25,2024-03-04,no,04/03/2024\n")


def types(key):
    return {f["name"]: f["type"] for f in published_table(key).fields}


def test_types_are_inferred_and_leading_zero_codes_stay_text(write):
    result = datastore_ingest(key="pob", source_path=write("pob.csv", GOOD))
    assert result.ok and result.report["valid"]
    assert types("pob") == {"municipio": "string", "nombre": "string", "poblacion": "integer", "tasa": "number",
                            "fecha": "date", "urbano": "boolean", "fecha_local": "date"}
    records = datastore_search(published_table("pob"))["records"]
    assert records[0]["municipio"] == "0101" and records[2]["municipio"] == "1701"
    assert records[1]["nombre"] == "Mixco, zona 1" and records[0]["urbano"] is True
    assert records[0]["fecha_local"] == "2024-01-02"
    table = DatastoreTable.objects.get(resource_key="pob")
    assert table.status == "ready" and table.row_count == 3 and table.current.number == 1
    assert AuditEvent.objects.filter(action="datastore.ingest", object_id="pob").exists()


def test_a_column_of_codes_mixing_leading_zeros_and_not_stays_text(write):
    datastore_ingest(key="codes", source_path=write("c.csv", "code,n\n1701,1\n0101,2\n2217,3\n"))
    assert types("codes") == {"code": "string", "n": "integer"}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16", "utf-16-be", "utf-32",
                                      "utf-32-le", "utf-32-be"])
def test_encodings_are_detected(write, encoding):
    text = "departamento;municipio;nota\n01;Guatemala;Educación básica\n16;Cobán;Año de señales ñandú\n"
    result = datastore_ingest(key=f"enc-{encoding}", source_path=write("e.csv", text, encoding))
    assert result.ok, result.report
    records = datastore_search(published_table(f"enc-{encoding}"))["records"]
    assert records[1]["municipio"] == "Cobán" and records[1]["nota"] == "Año de señales ñandú"
    assert records[0]["departamento"] == "01"


def test_a_single_byte_encoding_is_found_even_when_accents_come_late(write):
    text = "a,b\n" + "1,ok\n" * 70000 + "2,café señor\n"
    result = datastore_ingest(key="late-enc", source_path=write("late.csv", text, "cp1252"))
    assert result.ok, result.report
    assert datastore_search(published_table("late-enc"), sort="_id desc", limit=1)["records"][0]["b"] == "café señor"


@pytest.mark.parametrize("delimiter", [",", ";", "|", "\t"])
def test_delimiters_are_detected(write, delimiter):
    rows = [["a", "b", "c"], ["1", "x y", "2024-01-01"], ["2", "z", "2024-01-02"]]
    result = datastore_ingest(key="delim", source_path=write("d.txt", "\n".join(delimiter.join(r) for r in rows)))
    assert result.ok, result.report
    assert result.report["delimiter"] == delimiter
    assert types("delim") == {"a": "integer", "b": "string", "c": "date"}


def test_xlsx_with_formula_and_codes(write, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["codigo", "monto", "texto"])
    sheet.append(["0101", 10, "placeholder"])
    sheet.append(["0102", 2.5, "normal"])
    sheet["C2"].value, sheet["C2"].data_type = "=HYPERLINK(\"http://evil\")", "s"  # text that looks like a formula
    book.create_sheet("Notas").append(["ignored"])
    path = tmp_path / "libro.xlsx"
    book.save(path)
    result = datastore_ingest(key="xl", source_path=path)
    assert result.ok, result.report
    assert types("xl") == {"codigo": "string", "monto": "number", "texto": "string"}
    assert any("formulas" in w for w in result.report["warnings"])
    assert any("only the first" in w for w in result.report["warnings"])


def test_json_array_of_objects(write):
    data = [{"code": "0101", "n": 1, "ok": True, "tags": ["a"]}, {"code": "0102", "n": 2, "ok": False, "tags": []}]
    result = datastore_ingest(key="js", source_path=write("d.json", json.dumps(data)))
    assert result.ok, result.report
    assert types("js") == {"code": "string", "n": "integer", "ok": "boolean", "tags": "string"}


def test_parquet_keeps_its_types(tmp_path):
    path = tmp_path / "p.parquet"
    pq.write_table(pa.table({"code": ["0101", "0102"], "n": [1, 2], "x": [0.5, 1.5]}), path)
    result = datastore_ingest(key="pq", source_path=path)
    assert result.ok, result.report
    assert types("pq") == {"code": "string", "n": "integer", "x": "number"}
    assert [r["_id"] for r in datastore_search(published_table("pq"))["records"]] == [1, 2]


def test_new_version_replaces_the_table_and_old_versions_stay(write):
    datastore_ingest(key="v", source_path=write("v1.csv", "a\n1\n2\n"))
    datastore_ingest(key="v", source_path=write("v2.csv", "a\n1\n2\n3\n"))
    assert published_table("v").row_count == 3
    old = published_table("v", version=1)
    assert old.row_count == 2 and old.path.exists()
    assert len(datastore_search(old)["records"]) == 2
    assert [(v.number, v.source_name, v.row_count) for v in table_versions("v")] == [(2, "v2.csv", 3), (1, "v1.csv", 2)]


def test_progress_is_reported(write):
    seen = []
    datastore_ingest(key="prog", source_path=write("p.csv", GOOD), progress=lambda s, f: seen.append((s, f)))
    assert seen[-1] == ("done", 1.0)
    assert [f for _s, f in seen] == sorted(f for _s, f in seen)


def test_queued_ingest_runs_as_a_task(write):
    datastore_ingest_queue(key="task", source_path=write("t.csv", GOOD), source_name="t.csv", system=True)
    table = DatastoreTable.objects.get(resource_key="task")
    assert table.status == "ready" and table.current.source_name == "t.csv"


def _zip_bomb(tmp_path) -> Path:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (8 * 1024 * 1024))
    return path


def _cut(data: bytes, keep: float) -> bytes:
    return data[:int(len(data) * keep)]


def _xlsx_bytes() -> bytes:
    book = Workbook()
    book.active.append(["a", "b"])
    for i in range(200):
        book.active.append([i, f"row {i}"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _parquet_bytes() -> bytes:
    buffer = io.BytesIO()
    pq.write_table(pa.table({"a": list(range(1000))}), buffer)
    return buffer.getvalue()


BAD = {
    "empty file": ("e.csv", b"", "source-error"),
    "truncated inside a quoted value": ("t.csv", b'a,b\n1,"two\n2,"three', "format-error"),
    "truncated in the middle of a row": ("t.csv", b"a,b,c\n1,2,3\n4,5", "missing-cell"),
    "truncated xlsx": ("t.xlsx", _cut(_xlsx_bytes(), 0.6), "format-error"),
    "truncated parquet": ("t.parquet", _cut(_parquet_bytes(), 0.7), "format-error"),
    "mixed encodings": ("w.csv", "a,b\n1,Cobán\n".encode() + b"2,caf\xe9\n", "encoding-error"),
    "binary file": ("b.csv", b"a,b\n\x00\x01\x02\x03", "encoding-error"),
    "mixed delimiters": ("m.csv", b"a;b;c\n1;2;3\n4,5,6\n7,8,9\n", "format-error"),
    "ragged rows": ("r.csv", b"a,b,c\n1,2,3\n4,5,6,7\n8,9\n", "extra-cell"),
    "html": ("h.csv", b"<!DOCTYPE html><html><body>Not found</body></html>", "format-error"),
    "blank row": ("b.csv", b"a,b\n1,2\n,\n3,4\n", "blank-row"),
    "duplicate header": ("d.csv", b"a,b,a\n1,2,3\n", "duplicate-label"),
    "blank header": ("d.csv", b"a,,c\n1,2,3\n", "blank-label"),
    "json that is not a list": ("j.json", b'{"a": 1}', "format-error"),
    "truncated json": ("j.json", b'[{"a": 1}, {"a": ', "format-error"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_reported_and_the_previous_version_stays(write, case):
    datastore_ingest(key="keep", source_path=write("good.csv", GOOD))
    name, content, error_type = BAD[case]
    result = datastore_ingest(key="keep", source_path=write(name, content))
    assert not result.ok
    report = result.report
    assert not report["valid"] and error_type in report["errorCounts"], report
    assert all(e["message"] for e in report["errors"])
    assert "previous version" in report["summary"]
    table = DatastoreTable.objects.get(resource_key="keep")
    assert table.status == "failed" and table.last_report == report
    assert table.current.number == 1 and published_table("keep").row_count == 3
    assert len(datastore_search(published_table("keep"))["records"]) == 3
    assert AuditEvent.objects.filter(action="datastore.ingest_failed", object_id="keep").exists()


def test_errors_name_their_row_and_column(write):
    result = datastore_ingest(key="place", source_path=write("r.csv", "a,b,c\n1,2,3\n4,5,6,7\n8,9\n"))
    errors = {e["type"]: e for e in result.report["errors"]}
    assert errors["extra-cell"]["rowNumber"] == 3
    assert errors["missing-cell"]["rowNumber"] == 4 and errors["missing-cell"]["fieldName"] == "c"


def test_mixed_delimiters_names_the_row(write):
    result = datastore_ingest(key="mixed", source_path=write("m.csv", "a;b\n1;2\n3,4\n"))
    assert result.report["errors"][0]["rowNumber"] == 3
    assert "semicolon" in result.report["errors"][0]["message"]


def test_zip_bomb_is_refused_before_opening(tmp_path, write):
    datastore_ingest(key="bomb", source_path=write("good.csv", GOOD))
    result = datastore_ingest(key="bomb", source_path=_zip_bomb(tmp_path))
    assert not result.ok and "expands" in result.report["errors"][0]["message"]
    assert published_table("bomb").row_count == 3


def test_declared_types_are_checked_on_the_next_upload(write):
    datastore_ingest(key="decl", source_path=write("d1.csv", "code,n\n0101,1\n0102,2\n"))
    datastore_schema_update(key="decl", schema={"fields": [
        {"name": "n", "type": "integer", "title": "Número", "unit": "personas"}]}, system=True)
    result = datastore_ingest(key="decl", source_path=write("d2.csv", "code,n\n0101,1\n0102,n/a\n0103,3\n"))
    assert not result.ok
    error = result.report["errors"][0]
    assert (error["type"], error["rowNumber"], error["fieldName"]) == ("type-error", 3, "n")
    assert "n/a" in error["message"]
    assert published_table("decl").row_count == 2
    assert published_table("decl").fields[1]["title"] == "Número"
    result = datastore_ingest(key="decl", source_path=write("d3.csv", "code,n\n0101,1\n0102,7\n"))
    assert result.ok and published_table("decl").fields[1]["unit"] == "personas"


def test_a_file_over_the_size_limit_is_refused_before_reading(write, tmp_path):
    from apertura.datastore.engine.ingest import Limits, ingest_file

    result = ingest_file(write("big.csv", GOOD), dest=tmp_path / "out.parquet", workdir=tmp_path / "work",
                         limits=Limits(max_bytes=100))
    assert not result.ok and "MB a table may have" in result.report["errors"][0]["message"]
    assert not (tmp_path / "out.parquet").exists()


def test_schema_edits_are_checked(write):
    datastore_ingest(key="edit", source_path=write("e.csv", "a\n1\n"))
    with pytest.raises(SchemaError):
        datastore_schema_update(key="edit", schema={"fields": [{"name": "nope", "title": "x"}]}, system=True)
    with pytest.raises(SchemaError):
        datastore_schema_update(key="edit", schema={"fields": [{"name": "a", "type": "money"}]}, system=True)


def test_values_after_the_sampled_rows_correct_the_guessed_types(write):
    rows = [f"{1000 + i},{i},2024-01-01" for i in range(6000)] + ["0101,2.5,not a date"]
    result = datastore_ingest(key="late", source_path=write("late.csv", "code,n,d\n" + "\n".join(rows) + "\n"))
    assert result.ok, result.report
    assert types("late") == {"code": "string", "n": "number", "d": "string"}
    last = datastore_search(published_table("late"), sort="_id desc", limit=1)["records"][0]
    assert (last["code"], last["n"], last["d"]) == ("0101", 2.5, "not a date")


def test_an_error_on_the_server_marks_the_table_and_keeps_the_version(write, monkeypatch):
    datastore_ingest(key="boom", source_path=write("good.csv", GOOD))

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("apertura.datastore.services.ingest_file", broken)
    with pytest.raises(OSError):
        datastore_ingest(key="boom", source_path=write("good.csv", GOOD))
    table = DatastoreTable.objects.get(resource_key="boom")
    assert table.status == "failed" and "server" in table.last_report["summary"]
    assert published_table("boom").row_count == 3
