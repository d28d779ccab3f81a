"""The real `ckanapi` client, unchanged, against a live server: the portal mirrors with `ckanapi dump`."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from ckanapi import NotAuthorized, NotFound, RemoteCKAN, ValidationError

pytestmark = pytest.mark.django_db(transaction=True)
CKANAPI = str(Path(sys.executable).with_name("ckanapi"))



def test_ckanapi_python_client(small_catalog, live_server):
    # As a context manager the client closes its connections before the test server stops.
    with RemoteCKAN(live_server.url, user_agent="apertura-tests") as site:
        assert site.action.package_list() == ["censo-poblacion-2018", "escuelas", "presupuesto-educacion"]
        found = site.action.package_search(q="población", fq="organization:ine", rows=5)
        assert found["count"] == 1 and found["results"][0]["name"] == "censo-poblacion-2018"
        with pytest.raises(NotFound):
            site.action.package_show(id="nope")
        with pytest.raises(ValidationError):
            site.action.package_search(q='tags:"censo')


def test_ckanapi_creates_a_dataset_with_an_api_token(institutions, ine_editor, live_server):
    from apertura.catalog.services import api_token_create

    _token, key = api_token_create(by=ine_editor, name="ckanapi")
    with RemoteCKAN(live_server.url) as anonymous, pytest.raises(NotAuthorized):
        anonymous.action.package_create(name="sin-clave", owner_org="ine")
    with RemoteCKAN(live_server.url, apikey=key) as site:
        created = site.action.package_create(name="desde-ckanapi", title="Desde ckanapi", owner_org="ine",
                                             license_id="CC0-1.0", resources=[{"url": "https://ine.gob.gt/x.csv"}])
        assert created["organization"]["name"] == "ine" and created["resources"][0]["format"] == "CSV"
        assert site.action.package_show(id="desde-ckanapi")["title"] == "Desde ckanapi"


def test_ckanapi_command_line_search_and_dump(small_catalog, live_server, tmp_path):
    search = subprocess.run([CKANAPI, "action", "package_search", "-r", live_server.url, "q=escuelas"],
                            capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(search.stdout)["results"][0]["name"] == "escuelas"
    output = tmp_path / "datasets.jsonl"
    dump = subprocess.run([CKANAPI, "dump", "datasets", "--all", "-q", "-p", "2", "-O", str(output), "-r",
                           live_server.url], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PATH": f"{Path(CKANAPI).parent}:{os.environ.get('PATH', '')}"})
    assert dump.returncode == 0, dump.stderr + dump.stdout
    dumped = [json.loads(line) for line in output.read_text().splitlines()]
    assert sorted(d["name"] for d in dumped) == ["censo-poblacion-2018", "escuelas", "presupuesto-educacion"]
    assert {d["name"]: d["organization"]["name"] for d in dumped}["escuelas"] == "mineduc"
