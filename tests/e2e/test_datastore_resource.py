"""The resource page in a real browser: the preview sorts, filters and pages without JavaScript, and the page —
as the public sees it and as the publisher sees it, schema editor included — passes axe-core under the site's
Content-Security-Policy."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_pages import describe_violations
from tests.e2e.test_participation import administrator, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CSV = ("codigo,municipio,poblacion,tasa\n"
       + "".join(f"{i:04d},Municipio {i},{1000 + i * 37},{i / 4}\n" for i in range(1, 41))).encode()


@pytest.fixture
def resource_url(site, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from apertura.catalog.registers import seed
    from apertura.catalog.services import dataset_create, resource_add
    from apertura.institutions.models import Institution

    seed()
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.APERTURA_DATASTORE_ROOT = str(tmp_path / "datastore")
    device = administrator()
    dataset = dataset_create(by=device.user, publisher=Institution.objects.get(acronym="MINEDUC"),
                             name="municipios", title="Municipios", description="Población.", license="CC-BY-4.0",
                             state="published")
    resource = resource_add(dataset=dataset, by=device.user, upload=SimpleUploadedFile("municipios.csv", CSV))
    return f"/datasets/municipios/resources/{resource.pk}/", device


def test_resource_page_without_javascript_and_with_axe(new_page, axe, resource_url):
    url, device = resource_url
    page = new_page("es", js=False)
    page.goto(url)
    table = page.locator("table.preview")
    expect(table.locator("tbody tr")).to_have_count(25)
    page.get_by_role("link", name=re.compile("^poblacion")).click()  # ascending
    page.get_by_role("link", name=re.compile("^poblacion")).click()  # then descending
    expect(table.locator("tbody tr").first.locator("td").first).to_have_text("0040")
    expect(table.locator("tbody tr").first.locator("td").nth(3)).to_have_text("10,0")  # decimal comma
    page.locator("#filter-f1").fill("municipio 3")
    page.get_by_role("button", name=re.compile("Filt")).click()
    expect(table.locator("tbody tr")).to_have_count(11)  # 3 and 30–39
    page.goto(url)
    page.locator('a[rel="next"]').click()
    expect(table.locator("tbody tr")).to_have_count(15)
    page.locator('a[rel="prev"]').click()
    expect(table.locator("tbody tr").first.locator("td").first).to_have_text("0001")

    problems = []
    public = new_page("es")
    refused = []
    public.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    public.goto(url)
    violations = axe(public)
    if violations:
        problems.append(describe_violations(violations, f"{url} (public)"))
    english = new_page("en")
    english.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    english.goto(url)
    expect(english.locator("html")).to_have_attribute("lang", "en")
    violations = axe(english)
    if violations:
        problems.append(describe_violations(violations, f"{url} (public, English)"))
    publisher = new_page("en")
    sign_in(publisher, "admin", url, device)
    expect(publisher.get_by_role("button", name="Save the schema")).to_be_visible()
    violations = axe(publisher)
    if violations:
        problems.append(describe_violations(violations, f"{url} (publisher)"))
    assert not problems, "\n".join(problems)
    assert refused == []


def test_progress_is_polled_and_the_page_refreshes_when_the_table_is_ready(new_page, resource_url):
    from apertura.datastore.models import DatastoreTable

    url, _device = resource_url
    key = url.rstrip("/").rsplit("/", 1)[-1]
    DatastoreTable.objects.filter(resource_key=key).update(status="running", progress=0.3, progress_stage="checking")
    page = new_page("en")
    page.goto(url)
    expect(page.locator("#ingest-progress")).to_have_attribute("value", "30")
    DatastoreTable.objects.filter(resource_key=key).update(progress=0.7, progress_stage="writing")
    expect(page.locator("#ingest-progress")).to_have_attribute("value", "70", timeout=6000)  # swapped by htmx
    page.evaluate("window.beforeRefresh = true")
    DatastoreTable.objects.filter(resource_key=key).update(status="ready", progress=1, progress_stage="done")
    expect(page.locator("#ingest-progress")).to_have_count(0, timeout=6000)
    page.wait_for_function("window.beforeRefresh === undefined", timeout=6000)  # the whole page was reloaded
    expect(page.locator("#table-status")).to_contain_text("Version 1 is published")
