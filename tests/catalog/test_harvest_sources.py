"""Scheduled harvest sources: administrators configure them; due sources run and keep a report per run; a failing
source records its error and loses nothing already imported."""

import datetime as dt
import io
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from apertura.catalog.harvest import HarvestError, harvest_run_due
from apertura.catalog.services import harvest_source_save
from apertura.catalog.models import Dataset, HarvestRun, HarvestSource

pytestmark = pytest.mark.django_db
SOURCE = "https://datos.example.gt"


@pytest.fixture
def remote(small_catalog):
    """A CKAN portal holding the small catalog (its answers, taken before the local copies are removed)."""
    path = "/api/3/action/package_search?rows=100&start=0&sort=id+asc"
    pages = {path: Client().get(path).json(), path.replace("start=0", "start=3"): Client().get(
        path.replace("start=0", "start=3")).json()}
    Dataset.objects.all().delete()
    asked = []

    def fetch(url):
        asked.append(url)
        parts = urlsplit(url)
        query = "&".join(p for p in parts.query.split("&") if not p.startswith("fq="))
        return pages[f"{parts.path}?{query}"]

    fetch.asked = asked
    return fetch


@pytest.fixture
def source(admin, institutions):
    return harvest_source_save(by=admin, url=SOURCE, kind="ckan", frequency="daily")


def test_due_sources_run_keep_reports_and_ask_only_for_changes_next_time(remote, source):
    first, = harvest_run_due(fetch=remote)
    assert (first.created, first.updated, first.error) == (3, 0, "")
    assert Dataset.objects.filter(harvest_source=SOURCE).count() == 3
    assert harvest_run_due(fetch=remote) == []  # not due again within a day
    later = timezone.now() + dt.timedelta(days=1, minutes=1)
    second, = harvest_run_due(now=later, fetch=remote)
    assert second.unchanged == 3 and second.created == 0
    assert "metadata_modified" in remote.asked[-1]  # incremental: only what changed since the last success
    assert list(source.runs.order_by("started")) == [first, second]


@pytest.mark.parametrize("problem", ["did not answer within 30 s", "returned text/html, not JSON",
                                     "returned malformed JSON (Expecting value)"])
def test_a_failing_source_records_the_error_and_loses_nothing(remote, source, problem):
    harvest_run_due(fetch=remote)

    def broken(url):
        raise HarvestError(f"{url} {problem}")

    run, = harvest_run_due(now=timezone.now() + dt.timedelta(days=2), fetch=broken)
    assert problem in run.error and run.finished is not None
    assert Dataset.objects.filter(harvest_source=SOURCE).count() == 3
    assert HarvestRun.objects.count() == 2


def test_disabled_sources_do_not_run(source, admin):
    harvest_source_save(by=admin, source=source, enabled=False)
    assert harvest_run_due() == []


def test_run_due_command_reports_failures(admin, institutions):
    harvest_source_save(by=admin, url="http://127.0.0.1:9/", kind="dcat")  # nothing listens on port 9
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 of 1 sources failed"):
        call_command("harvest", "run-due", stdout=out)
    assert "could not be reached" in out.getvalue()
    assert HarvestSource.objects.get().last_run is not None


def test_only_administrators_manage_sources(client, signed_in, admin, ine_editor):
    assert client.get("/manage/harvest/").status_code == 302  # to sign in
    assert signed_in(ine_editor).get("/manage/harvest/").status_code == 403
    with pytest.raises(PermissionDenied):
        harvest_source_save(by=ine_editor, url=SOURCE)
    manager = signed_in(admin)
    response = manager.post("/manage/harvest/", {"url": "http://127.0.0.1:9/", "kind": "ckan", "frequency": "weekly",
                                               "enabled": "on"})
    source = HarvestSource.objects.get()
    assert response.status_code == 302 and source.frequency == "weekly" and source.institution is None
    assert manager.post(f"/manage/harvest/{source.pk}/run/").status_code == 302
    page = manager.get(f"/manage/harvest/{source.pk}/").content.decode()
    assert "could not be reached" in page
    assert "127.0.0.1:9" in manager.get("/manage/harvest/").content.decode()
    bad = manager.post("/manage/harvest/", {"url": "not an address", "kind": "ckan", "frequency": "daily"})
    assert bad.status_code == 400
