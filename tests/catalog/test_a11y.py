"""The catalog's public pages in headless Chromium: axe-core finds no serious or critical WCAG 2.2 AA problem,
with and without JavaScript nothing is missing (search and facets are plain links and GET forms)."""

from pathlib import Path

import pytest

from tests.conftest import headless_chromium

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="module")
def chromium():
    if not AXE_JS.exists():
        pytest.fail(f"axe-core ({AXE_JS}) comes from `make setup`")
    with headless_chromium() as browser:
        yield browser


def test_catalog_pages_pass_axe_and_work_without_javascript(chromium, live_server, small_catalog, make_user):
    from apertura.catalog.services import data_request_create

    request = data_request_create(by=make_user(), institution=small_catalog["census"].publisher, title="Homicidios",
                                  description="Por municipio y mes.")
    pages = ["/datasets/", "/datasets/?q=educación&groups=educ", "/datasets/censo-poblacion-2018/",
             "/data-requests/", f"/data-requests/{request.pk}/", "/data-requests/supply-and-demand/"]
    source = AXE_JS.read_text()
    problems = []
    for js in (True, False):
        context = chromium.new_context(locale="es-GT", base_url=live_server.url, java_script_enabled=js)
        page = context.new_page()
        for path in pages:
            assert page.goto(path).status == 200, path
            if js:
                page.evaluate(source)
                result = page.evaluate(
                    "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
                problems += [f"{path}: {v['id']} {v['help']} {[n['target'] for n in v['nodes'][:3]]}"
                             for v in result["violations"] if v["impact"] in ("serious", "critical")]
        if not js:  # a facet link narrows the results with JavaScript off
            page.goto("/datasets/")
            page.get_by_role("link", name="Ministerio de Educación (MINEDUC)").click()
            assert "organization=mineduc" in page.url and page.locator(".dataset-results > li").count() == 2
        context.close()
    assert not problems, "\n".join(problems)


def test_harvest_administration_passes_axe(chromium, live_server, admin, signed_in):
    from django.conf import settings

    from apertura.catalog.harvest import harvest_source_run
    from apertura.catalog.services import harvest_source_save

    source = harvest_source_save(by=admin, url="http://127.0.0.1:9/", kind="dcat", frequency="weekly")
    harvest_source_run(source=source)  # a failed run: its report shows on both pages
    session = signed_in(admin).cookies[settings.SESSION_COOKIE_NAME].value
    context = chromium.new_context(locale="es-GT", base_url=live_server.url)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
    page = context.new_page()
    source_js, problems = AXE_JS.read_text(), []
    for path in ["/manage/harvest/", f"/manage/harvest/{source.pk}/"]:
        assert page.goto(path).status == 200, path
        page.evaluate(source_js)
        result = page.evaluate(
            "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
        problems += [f"{path}: {v['id']} {v['help']} {[n['target'] for n in v['nodes'][:3]]}"
                     for v in result["violations"] if v["impact"] in ("serious", "critical")]
    context.close()
    assert not problems, "\n".join(problems)
