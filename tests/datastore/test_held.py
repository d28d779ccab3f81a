"""Nothing published gets worse by accident: a valid upload that would replace a table with one without rows, or
without some of its columns, is held for the publisher's confirmation while the current version stays served."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from apertura.audit.models import AuditEvent
from apertura.datastore.engine.query import datastore_search
from apertura.datastore.models import DatastoreTable
from apertura.datastore.selectors import published_table, table_versions
from apertura.datastore.services import NothingHeld, datastore_held_discard, datastore_held_publish, datastore_ingest

pytestmark = pytest.mark.django_db

GOOD = "municipio,nombre,poblacion\n0101,Guatemala,1205668\n0108,Mixco,465773\n1701,Flores,53000\n"


def _table(key) -> DatastoreTable:
    return DatastoreTable.objects.select_related("current").get(resource_key=key)


def _served(key) -> list[str]:
    return [r["municipio"] for r in datastore_search(published_table(key))["records"]]


def test_a_header_only_file_is_held_and_the_published_table_stays_served(write):
    datastore_ingest(key="h", source_path=write("v1.csv", GOOD))
    result = datastore_ingest(key="h", source_path=write("v2.csv", "municipio,nombre,poblacion\n"))
    assert result.ok and not result.published
    assert result.held == {"publishedVersion": 1, "publishedRows": 3, "rows": 0, "noRows": True, "missingFields": []}
    report = result.report
    assert report["valid"] is True and report["held"] == result.held
    assert "not published" in report["summary"] and "no rows; the published table has 3" in report["summary"]
    table = _table("h")
    assert table.status == "held" and table.last_report == report
    assert table.current.number == 1 and table.row_count == 3 and len(table.schema["fields"]) == 3
    assert _served("h") == ["0101", "0108", "1701"]
    # Not a version: nothing that lists or reads versions reaches it.
    assert [v.number for v in table_versions("h")] == [1]
    assert Path(table.held["parquet_path"]).is_file() and table.held["source_name"] == "v2.csv"
    assert AuditEvent.objects.filter(action="datastore.ingest_held", object_id="h").exists()


def test_publishing_the_held_file_anyway_makes_it_the_next_version(write):
    datastore_ingest(key="p", source_path=write("v1.csv", GOOD))
    datastore_ingest(key="p", source_path=write("v2.csv", "municipio,nombre,poblacion\n"))
    version = datastore_held_publish(key="p", held_id=_table("p").held["id"], system=True)
    table = _table("p")
    assert (version.number, version.row_count, version.source_name) == (2, 0, "v2.csv")
    assert table.current == version and table.status == "ready" and table.held == {} and table.row_count == 0
    assert table.last_report["valid"] and "held" not in table.last_report
    assert datastore_search(published_table("p"))["records"] == []
    assert published_table("p", version=1).row_count == 3  # the earlier version stays downloadable
    assert AuditEvent.objects.filter(action="datastore.held_publish", object_id="p").exists()


def test_discarding_the_held_file_removes_it_and_keeps_the_current(write, django_capture_on_commit_callbacks):
    datastore_ingest(key="d", source_path=write("v1.csv", GOOD))
    datastore_ingest(key="d", source_path=write("v2.csv", "municipio\n"))
    held_file = Path(_table("d").held["parquet_path"])
    with django_capture_on_commit_callbacks(execute=True):
        datastore_held_discard(key="d", held_id=_table("d").held["id"], system=True)
    table = _table("d")
    assert not held_file.exists() and table.held == {} and table.status == "ready"
    assert table.current.number == 1 and _served("d") == ["0101", "0108", "1701"]
    assert AuditEvent.objects.filter(action="datastore.held_discard", object_id="d").exists()
    with pytest.raises(NothingHeld):
        datastore_held_publish(key="d", system=True)
    # The next upload is numbered after the published versions only.
    datastore_ingest(key="d", source_path=write("v3.csv", GOOD + "0201,Cobán,212000\n"))
    assert _table("d").current.number == 2


def test_a_file_that_loses_columns_is_held_naming_them(write):
    datastore_ingest(key="c", source_path=write("v1.csv", GOOD))
    result = datastore_ingest(key="c", source_path=write("v2.csv", "municipio,habitantes\n0101,1205668\n"))
    assert result.held["missingFields"] == ["nombre", "poblacion"] and not result.held["noRows"]
    assert "lacks the columns “nombre”, “poblacion”" in result.report["summary"]
    assert _table("c").status == "held" and published_table("c").fields[2]["name"] == "poblacion"


def test_a_first_upload_without_rows_is_published(write):
    # With nothing published, nothing gets worse: the table exists (its columns are known) with no rows yet.
    result = datastore_ingest(key="f", source_path=write("v1.csv", "municipio,poblacion\n"))
    assert result.published and _table("f").current.row_count == 0
    # Nor does an empty table get worse by staying empty, or a table by gaining columns and rows.
    assert datastore_ingest(key="f", source_path=write("v2.csv", "municipio,poblacion\n")).published
    assert datastore_ingest(key="f", source_path=write("v3.csv", "municipio,poblacion,area\n0101,1,urbana\n")).published
    assert _table("f").current.number == 3


def test_confirm_publishes_at_once(write):
    datastore_ingest(key="k", source_path=write("v1.csv", GOOD))
    result = datastore_ingest(key="k", source_path=write("v2.csv", "municipio\n"), confirm=True)
    assert result.published and _table("k").current.number == 2 and _table("k").held == {}


def test_a_newer_upload_replaces_the_held_one(write, django_capture_on_commit_callbacks):
    datastore_ingest(key="n", source_path=write("v1.csv", GOOD))
    datastore_ingest(key="n", source_path=write("v2.csv", "municipio\n"))
    first = _table("n").held
    with django_capture_on_commit_callbacks(execute=True):
        datastore_ingest(key="n", source_path=write("v3.csv", "nombre\n"))
    second = _table("n").held
    assert second["id"] != first["id"] and second["source_name"] == "v3.csv"
    assert not Path(first["parquet_path"]).exists()
    # The page the publisher saw named the first: confirming it does not publish the second unseen.
    with pytest.raises(NothingHeld):
        datastore_held_publish(key="n", held_id=first["id"], system=True)
    # A refused upload also ends it: the notice is always about the last upload.
    with django_capture_on_commit_callbacks(execute=True):
        datastore_ingest(key="n", source_path=write("v4.csv", "a,b\n1,2,3\n"))
    table = _table("n")
    assert table.status == "failed" and table.held == {} and not Path(second["parquet_path"]).exists()
    assert table.current.number == 1


def test_the_command_line_says_it_is_held_and_how_to_confirm(write, capsys):
    call_command("datastore", "ingest", "cli", str(write("v1.csv", GOOD)))
    capsys.readouterr()
    with pytest.raises(CommandError, match="apertura datastore confirm cli") as raised:
        call_command("datastore", "ingest", "cli", str(write("v2.csv", "municipio\n")))
    assert raised.value.returncode == 2
    out = capsys.readouterr().out
    assert "held: The new file has no rows" in out and "lacks the columns “nombre”, “poblacion”" in out
    call_command("datastore", "confirm", "cli")
    assert "version 2 published, 0 rows" in capsys.readouterr().out
    with pytest.raises(CommandError, match="No upload"):
        call_command("datastore", "discard", "cli")
    call_command("datastore", "ingest", "cli", str(write("v3.csv", GOOD)))
    with pytest.raises(CommandError):
        call_command("datastore", "ingest", "cli", str(write("v4.csv", "municipio\n")))
    call_command("datastore", "discard", "cli")
    assert "version 3 stays published" in capsys.readouterr().out
    call_command("datastore", "ingest", "cli", str(write("v5.csv", "municipio\n")), "--confirm")
    assert _table("cli").current.number == 4


def test_an_error_while_publishing_leaves_a_report(write, monkeypatch):
    datastore_ingest(key="e", source_path=write("v1.csv", GOOD))

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("apertura.datastore.services._sha256", broken)
    with pytest.raises(OSError):
        datastore_ingest(key="e", source_path=write("v2.csv", GOOD))
    table = _table("e")
    assert table.status == "failed" and "server" in table.last_report["summary"]
    assert table.current.number == 1 and table.versions.count() == 1
