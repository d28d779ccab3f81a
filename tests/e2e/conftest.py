"""Browser tests: Guatemala's 5th plan served by pytest-django's live server, read in headless Chromium.

One Chromium for this package's tests (launching it is the slow part); a fresh browser context per page, so
cookies, language and JavaScript settings never leak from one test into another.
"""

import threading
from pathlib import Path

import pytest
from django.core.signals import request_finished, request_started

from tests.conftest import fifth_plan_in, headless_chromium

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
LOCALES = {"es": "es-GT", "en": "en-US"}


@pytest.fixture(scope="package")
def browser():
    """Closed when this package's last test has run: see headless_chromium."""
    with headless_chromium() as chromium:
        yield chromium


@pytest.fixture
def site(live_server, transactional_db, _fifth_plan_rows):
    """The live server's base URL, with the 5th plan in its database.

    live_server runs in another thread with its own connection, so the data must be committed: that is why the
    tests use transactional database access, and why the plan is written again for every test (the database is
    flushed after each one) from the rows the session's import wrote.
    """
    fifth_plan_in(_fifth_plan_rows)
    return live_server.url


class _InFlight:
    """Requests the live server's threads are serving now (Django's request_started/request_finished signals;
    the database connection is closed by an earlier receiver of request_finished)."""

    def __init__(self):
        self.count = 0
        self.idle = threading.Condition()
        request_started.connect(self.started, weak=False)
        request_finished.connect(self.finished, weak=False)

    def started(self, **kwargs):
        if threading.current_thread() is not threading.main_thread():  # the test client runs in the main thread
            with self.idle:
                self.count += 1

    def finished(self, **kwargs):
        if threading.current_thread() is not threading.main_thread():
            with self.idle:
                self.count -= 1
                self.idle.notify_all()

    def wait_idle(self, timeout: float):
        with self.idle:
            self.idle.wait_for(lambda: self.count <= 0, timeout=timeout)


_requests_in_flight = _InFlight()


@pytest.fixture
def new_page(browser, site):
    """new_page(lang="es"|"en", js=True, **context_options) opens a page in a fresh context whose browser
    asks for that language (Accept-Language and navigator.language) and resolves relative URLs against the
    live server."""
    contexts = []

    def open_page(lang="es", *, js=True, **options):
        context = browser.new_context(locale=LOCALES[lang], base_url=site, java_script_enabled=js, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()
    # A request the browser started just before closing may still be served; the database is flushed next,
    # which SQLite refuses while the server thread reads a table.
    _requests_in_flight.wait_idle(timeout=10)


@pytest.fixture
def axe():
    """axe(page) runs axe-core on the page as it is now and returns its serious and critical violations."""
    if not AXE_JS.exists():
        pytest.fail(f"No axe-core at {AXE_JS}; `make setup` installs the npm packages")

    source = AXE_JS.read_text()

    def run(page, impacts=("serious", "critical")):
        # Evaluated through the DevTools protocol rather than a <script> tag: the site's Content Security
        # Policy (rightly) refuses inline scripts, and the tests keep that policy switched on.
        page.evaluate(source)
        result = page.evaluate(
            "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
        return [v for v in result["violations"] if v["impact"] in impacts]

    return run

