import json

import pytest
from django.core.management import CommandError, call_command

from apertura.datastore.models import DatastoreTable

pytestmark = pytest.mark.django_db


def test_ingest_then_query(write, capsys):
    path = write("d.csv", "code,name,n\n0101,Guatemala,3\n0108,Mixco,1\n1701,Flores,2\n")
    call_command("datastore", "ingest", "towns", str(path))
    out, err = capsys.readouterr()
    assert "towns: 3 rows, 3 columns published" in out and "100%" in err
    call_command("datastore", "query", "towns", "--filter", "code=0101", "--filter", "code=1701", "--sort", "n desc",
                 "--fields", "code,n", "--limit", "5")
    out, err = capsys.readouterr()
    assert out.splitlines() == ["code,n", "0101,3", "1701,2"] and "2 of 2 rows" in err
    call_command("datastore", "query", "towns", "--format", "json", "--limit", "1")
    assert json.loads(capsys.readouterr().out)["records"][0]["code"] == "0101"


def test_a_refused_file_fails_with_its_problems(write, capsys):
    with pytest.raises(CommandError, match="not published"):
        call_command("datastore", "ingest", "bad", str(write("r.csv", "a,b\n1,2,3\n")))
    assert "extra-cell: Row 2" in capsys.readouterr().out
    assert DatastoreTable.objects.get(resource_key="bad").status == "failed"


def test_query_errors_are_plain(write):
    with pytest.raises(CommandError, match="No published table"):
        call_command("datastore", "query", "nothing")
    call_command("datastore", "ingest", "t", str(write("t.csv", "a\n1\n")))
    with pytest.raises(CommandError, match="no column"):
        call_command("datastore", "query", "t", "--sort", "zzz")
    with pytest.raises(CommandError, match="COLUMN=VALUE"):
        call_command("datastore", "query", "t", "--filter", "a")
