"""Charts, maps and breakdowns of a datastore table in a real browser: axe-core finds nothing serious, the chart
becomes interactive with JavaScript under the site's Content-Security-Policy, and stays a drawn SVG without."""

import os

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import _requests_in_flight
from tests.e2e.test_pages import describe_violations
from tests.explore.conftest import VIOLENCE_CSV

SCREENSHOTS = os.environ.get("APERTURA_SCREENSHOTS", "")  # a folder to look at the pages in, when set
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def violence_url(live_server, transactional_db, settings, tmp_path, make_user):
    from apertura.catalog.registers import seed
    from apertura.catalog.services import dataset_create, resource_add
    from apertura.datastore.services import datastore_ingest
    from apertura.institutions.models import Institution

    settings.APERTURA_DATASTORE_ROOT = str(tmp_path / "datastore")
    seed()
    publisher = Institution.objects.create(acronym="MINGOB", slug="mingob", name_es="Ministerio de Gobernación",
                                           name_en="Ministry of the Interior", kind="public_entity")
    admin = make_user("administrator")
    dataset = dataset_create(by=admin, publisher=publisher, name="violencia", title="Violencia",
                             description="Muertes por violencia.", license="CC-BY-4.0", state="published")
    resource = resource_add(dataset=dataset, by=admin, title="Tabla", url="https://example.org/violencia.csv")
    source = tmp_path / "violencia.csv"
    source.write_text(VIOLENCE_CSV, encoding="utf-8")
    assert datastore_ingest(key=str(resource.pk), source_path=source).ok
    return f"{live_server.url}/explore/{resource.pk}"


@pytest.fixture
def open_page(browser):
    contexts = []

    def make(*, js=True, lang="es-GT"):
        context = browser.new_context(locale=lang, java_script_enabled=js)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.refused = []
        page.on("console", lambda m: page.refused.append(m.text) if "Content Security Policy" in m.text else None)
        return page

    yield make
    for context in contexts:
        context.close()
    _requests_in_flight.wait_idle(timeout=10)  # see tests/e2e/conftest.py


@pytest.mark.parametrize("lang", ["es-GT", "en-US"])
@pytest.mark.parametrize("path", ["/map/?column=departamento&level=department&aggregate=sum&measure=casos",
                                  "/map/?column=municipio&level=municipality&aggregate=count",
                                  "/breakdowns/?measure=casos"])
def test_map_and_breakdowns_pass_axe(open_page, axe, violence_url, path, lang):
    page = open_page(lang=lang)
    assert page.goto(violence_url + path).status == 200  # the error page, too, has a heading and lang="es"
    expect(page.locator("main h1")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", lang[:2])
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/{path.split('/')[1]}-{len(path)}-{lang}.png", full_page=True)
    violations = axe(page)
    assert not violations, describe_violations(violations, f"{path} ({lang})")


def test_chart_is_interactive_with_javascript_and_drawn_by_the_server_without(open_page, axe, violence_url):
    path = "/chart/?kind=bar&x=sexo&aggregate=sum&y=casos"
    page = open_page()
    page.goto(violence_url + path)
    expect(page.locator(".vega-chart svg.marks")).to_be_visible()  # vega-embed drew it
    expect(page.locator("svg.static-chart")).to_be_hidden()
    assert not page.refused, page.refused  # nothing blocked by the Content-Security-Policy
    violations = axe(page)
    assert not violations, describe_violations(violations, path)
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/chart.png", full_page=True)

    english = open_page(lang="en-US")
    english.goto(violence_url + path)
    expect(english.locator(".vega-chart svg.marks")).to_be_visible()
    expect(english.locator("html")).to_have_attribute("lang", "en")
    violations = axe(english)
    assert not violations, describe_violations(violations, f"{path} (en)")

    plain = open_page(js=False)
    plain.goto(violence_url + path)
    expect(plain.locator("svg.static-chart rect")).to_have_count(2)
    if SCREENSHOTS:
        plain.screenshot(path=f"{SCREENSHOTS}/chart-nojs.png", full_page=True)
    expect(plain.get_by_role("cell", name="18")).to_be_visible()
    # axe-core needs JavaScript, so the server-drawn chart is scanned by keeping Vega from loading instead.
    drawn = open_page(lang="en-US")
    drawn.route("**/vendor/vega*/**", lambda route: route.abort())
    drawn.goto(violence_url + path)
    expect(drawn.locator("svg.static-chart rect")).to_have_count(2)
    expect(drawn.locator("svg.static-chart")).to_be_visible()
    violations = axe(drawn)
    assert not violations, describe_violations(violations, f"{path} (en, the server-drawn chart)")
