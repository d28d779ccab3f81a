"""Harvest sources that never finish, or send too much, end the run with a report instead of keeping it busy;
what was imported before stays."""

import http.server
import json
import threading
import time

import pytest

from apertura.catalog import harvest
from apertura.catalog.harvest import HarvestError, fetch_json, harvest_ckan


class _Trickle(http.server.BaseHTTPRequestHandler):
    """Answers 200 at once, then sends its JSON one byte at a time, a little apart: each read succeeds."""

    def do_GET(self):  # noqa: N802 - the http.server API
        body = json.dumps({"success": True, "result": {"results": [], "count": 0}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            for byte in body:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.05)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args):
        pass


@pytest.fixture
def trickling_source():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Trickle)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_a_source_sending_a_byte_at_a_time_is_cut_off_at_the_request_limit(trickling_source):
    started = time.monotonic()
    with pytest.raises(HarvestError, match="did not finish sending its answer within 0.5 s"):
        fetch_json(trickling_source + "/api/3/action/package_search", timeout=0.5)
    # The body takes several seconds to trickle out; the refusal does not wait for it.
    assert time.monotonic() - started < 3


def test_the_whole_run_has_a_deadline_even_when_every_request_is_quick(institutions, monkeypatch):
    pages = iter(range(10**6))

    def endless(url):
        # Every answer is a new, valid page: only the run's own limit ends this.
        n = next(pages)
        time.sleep(0.01)
        return {"success": True, "result": {"results": [{"id": f"id-{n}", "name": ""}]}}

    report = harvest_ckan(url="http://source.example", fetch=endless, run_seconds=0.3)
    assert "time limit" in report.error and "next run continues" in report.error


def test_a_scheduled_source_that_trickles_ends_its_run_with_the_reason(db, institutions, trickling_source,
                                                                       settings):
    from apertura.catalog.harvest import harvest_source_run
    from apertura.catalog.models import HarvestSource

    settings.APERTURA_HARVEST_RUN_SECONDS = 0.5
    source = HarvestSource.objects.create(url=trickling_source, kind=HarvestSource.Kind.CKAN)
    run = harvest_source_run(source=source)
    assert run.finished is not None and "did not finish sending" in run.error


def test_an_answer_over_the_size_limit_is_refused_not_truncated(monkeypatch):
    class Huge:
        headers = type("H", (), {"get_content_type": lambda self: "application/json"})()

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def read1(self, n):
            return b" " * n

    monkeypatch.setattr(harvest.urllib.request, "urlopen", lambda request, timeout: Huge())
    with pytest.raises(HarvestError, match="sent more than 50 MB"):
        fetch_json("http://source.example/api/3/action/package_search")
