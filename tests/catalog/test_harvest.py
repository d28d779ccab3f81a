"""Harvesting a CKAN portal: here the source is this portal's own CKAN API output, harvested after the local
datasets are gone (a second Apertura, as its clients see it); bad sources are reported, never half-imported."""

import io
import json
import urllib.error
from urllib.parse import urlsplit

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from apertura.audit.models import AuditEvent
from apertura.catalog import harvest
from apertura.catalog.harvest import HarvestError, fetch_json, harvest_ckan
from apertura.catalog.models import Dataset

pytestmark = pytest.mark.django_db
SOURCE = "https://datos.example.gt"


@pytest.fixture
def remote(small_catalog):
    """The CKAN answers of a portal holding the small catalog; then the local copies are removed."""
    pages = {}
    for start in (0, 3):  # the harvester pages on by the number of results received
        path = f"/api/3/action/package_search?rows=100&start={start}&sort=id+asc"
        pages[path] = Client().get(path).json()
    Dataset.objects.all().delete()

    def fetch(url):
        parts = urlsplit(url)
        assert f"{parts.scheme}://{parts.netloc}" == SOURCE
        return pages[f"{parts.path}?{parts.query}"]

    return fetch, pages


def test_harvest_is_complete_then_idempotent_then_incremental(remote, institutions):
    fetch, pages = remote
    report = harvest_ckan(url=SOURCE, fetch=fetch)
    assert sorted(report.created) == ["censo-poblacion-2018", "escuelas", "presupuesto-educacion"]
    census = Dataset.objects.get(name="censo-poblacion-2018")
    assert census.publisher.acronym == "INE" and census.harvest_source == SOURCE
    assert sorted(census.spatial) == ["0101", "16"] and str(census.temporal_from) == "2018"
    assert {t.name for t in census.tags.all()} == {"censo", "población"} and census.resources.count() == 1
    assert AuditEvent.objects.filter(action="dataset.harvest").count() == 3
    again = harvest_ckan(url=SOURCE, fetch=fetch)
    assert again.created == [] and len(again.unchanged) == 3
    package = next(p for p in pages[next(iter(pages))]["result"]["results"] if p["name"] == "escuelas")
    package.update(title="Escuelas 2026", metadata_modified="2099-01-01T00:00:00")
    package["resources"] = []
    third = harvest_ckan(url=SOURCE, fetch=fetch)
    assert third.updated == ["escuelas"] and Dataset.objects.get(name="escuelas").title == "Escuelas 2026"
    assert not Dataset.objects.get(name="escuelas").resources.exists()


def test_unknown_organizations_and_local_names_are_skipped(remote, institutions, make_dataset):
    fetch, pages = remote
    make_dataset("escuelas")  # a local dataset holds the name
    package = next(p for p in pages[next(iter(pages))]["result"]["results"] if p["name"] == "censo-poblacion-2018")
    package["organization"] = {"name": "nowhere", "title": "Nowhere"}
    report = harvest_ckan(url=SOURCE, fetch=fetch)
    assert report.created == ["presupuesto-educacion"]
    assert dict(report.skipped) == {"censo-poblacion-2018": "organization «nowhere» is not an institution here",
                                    "escuelas": "the name is taken by a dataset not harvested from this source"}


def test_a_failing_source_keeps_what_was_imported(remote, institutions):
    fetch, _pages = remote
    calls = []

    def flaky(url):
        calls.append(url)
        if len(calls) > 1:
            raise HarvestError(f"{url} did not answer within 30 s")
        return fetch(url)

    report = harvest_ckan(url=SOURCE, fetch=flaky)
    assert len(report.created) == 3 and "did not answer" in report.error
    repeated = harvest_ckan(url=SOURCE, fetch=lambda url: fetch(url.replace("start=3", "start=0")))
    assert "same page twice" in repeated.error


class FakeResponse(io.BytesIO):
    def __init__(self, body: bytes, kind: str):
        super().__init__(body)
        self.headers = type("H", (), {"get_content_type": lambda self: kind})()


@pytest.mark.parametrize("answer, says", [
    (lambda: FakeResponse(b"<html>Maintenance</html>", "text/html"), "returned text/html, not JSON"),
    (lambda: FakeResponse(b'{"success": tru', "application/json"), "malformed JSON"),
    (TimeoutError, "did not answer"),
    (urllib.error.HTTPError(SOURCE, 502, "Bad Gateway", {}, None), "HTTP 502"),
])
def test_bad_sources_are_reported(monkeypatch, answer, says):
    def urlopen(request, timeout):
        if isinstance(answer, type | Exception):
            raise answer
        return answer()

    monkeypatch.setattr(harvest.urllib.request, "urlopen", urlopen)
    with pytest.raises(HarvestError, match=says):
        fetch_json(SOURCE + "/api/3/action/package_search")


def test_command_reports_and_fails_on_a_bad_source(monkeypatch, institutions):
    monkeypatch.setattr(harvest.urllib.request, "urlopen",
                        lambda request, timeout: FakeResponse(json.dumps({"success": False}).encode(),
                                                              "application/json"))
    out = io.StringIO()
    with pytest.raises(CommandError, match="refused"):
        call_command("catalog", "harvest-ckan", SOURCE, stdout=out)
    assert "0 created" in out.getvalue()


def test_dcat_harvest_follows_hydra_paging(small_catalog, institutions):
    from rdflib import Graph

    from apertura.catalog.harvest import harvest_dcat

    documents = {}
    for path in ("/catalog.ttl?per_page=2", "/catalog.ttl?page=2&per_page=2"):
        documents["http://testserver" + path] = Client().get(path).content
    Dataset.objects.all().delete()

    def fetch(url):
        return Graph().parse(data=documents[url], format="turtle")

    report = harvest_dcat(url="http://testserver/catalog.ttl?per_page=2", fetch=fetch)
    assert sorted(report.created) == ["censo-poblacion-2018", "escuelas", "presupuesto-educacion"], report.lines()
    census = Dataset.objects.get(name="censo-poblacion-2018")
    assert census.publisher.acronym == "INE" and census.license_id == "CC-BY-4.0"
    assert {t.name for t in census.tags.all()} == {"censo", "población"} and sorted(census.spatial) == ["0101", "16"]
    assert str(census.temporal_to) == "2018-07" and census.frequency == "IRREG"
    assert census.themes.get().code == "soci" and census.resources.get().format == "CSV"
    assert len(harvest_dcat(url="http://testserver/catalog.ttl?per_page=2", fetch=fetch).unchanged) == 3


def test_dcat_source_returning_html_is_reported(monkeypatch):
    from apertura.catalog.harvest import harvest_dcat

    monkeypatch.setattr(harvest.urllib.request, "urlopen",
                        lambda request, timeout: FakeResponse(b"<html></html>", "text/html"))
    assert "not RDF" in harvest_dcat(url=SOURCE + "/catalog.ttl").error
