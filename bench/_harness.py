"""What the page benchmarks share: a throwaway SQLite with the 5th plan, timing pages, and the table.

Imported first by each script: it configures Django for a fresh data directory before anything else runs.
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLAN_FILE = ROOT / "data" / "plans" / "gt-2021-2023.yaml"
DATA_DIR = tempfile.mkdtemp(prefix="apertura-bench-", dir="/tmp")
os.environ.update(DJANGO_SETTINGS_MODULE="apertura.settings", APERTURA_DATA_DIR=DATA_DIR,
                  APERTURA_ALLOWED_HOSTS="testserver")
os.environ.pop("DATABASE_URL", None)  # always the embedded SQLite: the figures compare runs, not servers
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def import_plan():
    from apertura.plans.formats.plan_file import read_plan_file
    from apertura.plans.services import plan_import

    call_command("migrate", verbosity=0)
    plan_import(data=read_plan_file(PLAN_FILE), source=PLAN_FILE.name)


def measure(pages, *, requests: int, budget_s: float, min_requests: int, uncounted: int = 0) -> dict:
    """p50/p95 ms over up to `requests` requests per page (fewer once `budget_s` is spent, never fewer than
    `min_requests`), after `uncounted` warm-up requests and one whose queries are counted."""
    client = Client()
    figures = {}
    for name, url in pages:
        for _ in range(uncounted):
            client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
            if response.streaming:
                response.getvalue()
        assert response.status_code == 200, (url, response.status_code)
        query_count = len(queries)  # now: the next request clears the connection's query log
        times = []
        started = time.perf_counter()
        while len(times) < requests and (len(times) < min_requests or time.perf_counter() - started < budget_s):
            begin = time.perf_counter()
            response = client.get(url)
            # A streamed response is produced while it is read: read it inside the timing.
            body = response.getvalue() if response.streaming else response.content
            times.append((time.perf_counter() - begin) * 1000)
        times.sort()
        figures[name] = {"n": len(times), "p50": statistics.median(times),
                         "p95": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
                         "queries": query_count, "bytes": len(body)}
    return figures


def table(pages, before: dict, after: dict, *, baseline: str, loaded: str, width: int = 26) -> str:
    lines = [f"{'page':<{width}} {'data':<30} {'n':>3} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8} {'bytes':>11}",
             "-" * (width + 73)]
    for name, _url in pages:
        b, a = before[name], after[name]
        lines.append(f"{name:<{width}} {baseline:<30} {b['n']:>3} {b['p50']:>8.1f} {b['p95']:>8.1f} "
                     f"{b['queries']:>8} {b['bytes']:>11,}")
        lines.append(f"{'':<{width}} {loaded:<30} {a['n']:>3} {a['p50']:>8.1f} {a['p95']:>8.1f} "
                     f"{a['queries']:>8} {a['bytes']:>11,}")
        lines.append(f"{'':<{width}} {'growth':<30} {'':>3} {a['p50'] / b['p50']:>7.1f}x {a['p95'] / b['p95']:>7.1f}x "
                     f"{a['queries'] - b['queries']:>+8} {a['bytes'] / b['bytes']:>10.1f}x")
    return "\n".join(lines)
