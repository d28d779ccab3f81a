"""The real `ckanapi` client's DataStore calls against a live server."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from ckanapi import NotFound, RemoteCKAN, ValidationError

pytestmark = pytest.mark.django_db(transaction=True)
CKANAPI = str(Path(sys.executable).with_name("ckanapi"))
CSV = b"departamento,nombre,escuelas\n01,Guatemala,1520\n16,Alta Verapaz,2010\n17,Peten,980\n"


@pytest.fixture
def resource(catalog, django_capture_on_commit_callbacks):
    return catalog.upload(catalog.dataset(), "escuelas.csv", CSV, capture=django_capture_on_commit_callbacks)


def test_ckanapi_command_line_datastore_search(resource, live_server):
    search = subprocess.run([CKANAPI, "action", "datastore_search", "-r", live_server.url,
                             f"resource_id={resource.pk}", 'filters={"departamento": "16"}'],
                            capture_output=True, text=True, timeout=60)
    assert search.returncode == 0, search.stderr
    assert json.loads(search.stdout)["records"] == [
        {"_id": 2, "departamento": "16", "nombre": "Alta Verapaz", "escuelas": 2010}]


def test_ckanapi_python_client_datastore_calls(resource, live_server):
    with RemoteCKAN(live_server.url, user_agent="apertura-tests") as site:
        page = site.action.datastore_search(resource_id=str(resource.pk), sort="escuelas desc", limit=2)
        assert [r["nombre"] for r in page["records"]] == ["Alta Verapaz", "Guatemala"] and page["total"] == 3
        assert site.action.datastore_info(id=str(resource.pk))["meta"]["count"] == 3
        total = site.action.datastore_search_sql(sql=f'SELECT sum(escuelas) AS n FROM "{resource.pk}"')
        assert total["records"] == [{"n": 4510}]
        with pytest.raises(ValidationError):
            site.action.datastore_search_sql(sql=f'DROP TABLE "{resource.pk}"')
        with pytest.raises(NotFound):
            site.action.datastore_search(resource_id="00000000-0000-0000-0000-000000000000")
        assert site.action.resource_show(id=str(resource.pk))["datastore_active"] is True
