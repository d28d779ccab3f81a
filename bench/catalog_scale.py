"""The catalog at national scale: 100,000 datasets.

Generates 100,000 published datasets (40 institutions, 300 keywords, the seeded themes and licenses, one or two
link resources each, one in ten described in English) in a throwaway SQLite database with bulk_create, builds
the full-text index, then measures:

1. `package_search` (CKAN Action API, with six facets) p50/p95 for several queries — words, words with `fq`,
   `fq` alone — with the full-text index (FTS5, bm25) and, as the baseline in the same run, the substring
   search it replaced (LIKE over the folded columns, counting matched words per row);
2. `package_show` throughput under `wrk` (4 and 32 connections, 10 s each) against gunicorn with 2 workers;
   a Python thread-pool load generator stands in when `wrk` is not installed;
3. the dataset list page (/datasets/) latency, with and without words, FTS and substring;
4. the full DCAT export: every Hydra page of /catalog.ttl (1,000 datasets a page) and /data.json, each in a
   fresh process whose peak memory (max RSS) is reported beside the same process's RSS before the export;
   data.json is measured streamed (as served) and, as the baseline, built whole in memory as it used to be.

    .venv/bin/python bench/catalog_scale.py            (about forty minutes on two busy cores)
    CATALOG_SCALE=20000 .venv/bin/python bench/catalog_scale.py   (a quicker, smaller run)
    CATALOG_EXPORTS=0 .venv/bin/python bench/catalog_scale.py     (without the exports, a quarter of an hour)
"""

import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import textwrap
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from _harness import DATA_DIR, ROOT  # noqa: I001 - configures Django first

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

N = int(os.environ.get("CATALOG_SCALE", "100000"))
EXPORTS = os.environ.get("CATALOG_EXPORTS", "1") != "0"  # the full exports take a quarter of an hour at 100,000
BATCH = 5_000
SEARCH_REQUESTS, SEARCH_BUDGET_S = 15, 20.0  # per query, each way; a slow query stops after 3
FACETS = '["organization","groups","tags","res_format","license_id","department"]'
SEARCHES = [
    ("q=educación", {"q": "educación"}),
    ("q=escuelas rurales", {"q": "escuelas rurales"}),
    ("q=violence women", {"q": "violence women"}),
    ("q=presupuesto municipal 2023 ejecución", {"q": "presupuesto municipal 2023 ejecución"}),
    ("q=salud + fq=organization", {"q": "salud", "fq": "organization:inst-07"}),
    ("fq=tags + res_format", {"fq": "tags:agua AND res_format:CSV"}),
    ("q=*:* (facets only)", {"q": "*:*"}),
]
PAGES = [
    ("/datasets/", "/datasets/"),
    ("/datasets/?q=educación", "/datasets/?q=educaci%C3%B3n"),
    ("/datasets/?q=salud&organization", "/datasets/?q=salud&organization=inst-07"),
    ("/datasets/?page=2000", "/datasets/?page=2000"),
]

SUBJECTS_ES = ["educación", "salud", "presupuesto", "escuelas", "agua potable", "seguridad", "población",
               "nacimientos", "defunciones", "carreteras", "compras públicas", "becas", "vacunación", "empleo",
               "exportaciones", "lluvia", "incendios forestales", "energía eléctrica", "turismo", "delitos",
               "violencia contra la mujer", "desnutrición", "mercados municipales", "transporte", "vivienda"]
SUBJECTS_EN = ["education", "health", "budget", "schools", "drinking water", "security", "population", "births",
               "roads", "procurement", "scholarships", "vaccination", "employment", "exports", "rainfall",
               "violence against women", "malnutrition", "housing"]
QUALIFIERS_ES = ["por municipio", "por departamento", "mensual", "anual", "rurales", "urbanas", "ejecución",
                 "municipal", "nacional", "histórico", "2019", "2020", "2021", "2022", "2023", "2024"]
FILLER_ES = ("Datos abiertos publicados por la institución con información {q} para el seguimiento ciudadano "
             "de {s}. Incluye registros administrativos, fuentes y notas metodológicas.")
FILLER_EN = ("Open data published by the institution on {s}, {q}, for public oversight. It includes "
             "administrative records, sources and methodological notes.")


def generate():
    """Institutions, keywords and N datasets with their resources, keywords and themes, in bulk; then the
    full-text index. Returns the seconds each step took."""
    from apertura.catalog import fulltext
    from apertura.catalog.models import Dataset, License, Resource, Tag, Theme
    from apertura.common.text import fold
    from apertura.geo import regions as geography
    from apertura.institutions.models import Institution

    rng = random.Random(2026)
    steps, started = {}, time.perf_counter()
    call_command("migrate", verbosity=0)
    steps["migrate"] = time.perf_counter() - started
    started = time.perf_counter()
    institutions = Institution.objects.bulk_create([
        Institution(acronym=f"INST{k:02d}", slug=f"inst-{k:02d}", name_es=f"Institución pública número {k}",
                    name_en=f"Public institution number {k}", kind="public_entity") for k in range(40)])
    words = sorted({w for s in SUBJECTS_ES + QUALIFIERS_ES for w in fold(s).split() if len(w) > 3})
    tags = Tag.objects.bulk_create([Tag(name=w) for w in words]
                                   + [Tag(name=f"tema {k}") for k in range(300 - len(words))])
    themes = list(Theme.objects.all())
    licenses = list(License.objects.all())
    departments = [f"{k:02d}" for k in range(1, 23)]
    names = geography.names()
    tag_links, theme_links, resources = [], [], []
    for first in range(0, N, BATCH):
        batch = []
        for k in range(first, min(N, first + BATCH)):
            english = k % 10 == 0
            subject = rng.choice(SUBJECTS_EN if english else SUBJECTS_ES)
            qualifier = rng.choice(QUALIFIERS_ES)
            title = f"{subject.capitalize()} {qualifier} {k}"
            description = (FILLER_EN if english else FILLER_ES).format(s=subject, q=qualifier)
            publisher = institutions[k % len(institutions)]
            chosen_tags = rng.sample(tags, 3)
            chosen_themes = rng.sample(themes, rng.choice([1, 2]))
            spatial = rng.sample(departments, rng.choice([0, 1, 2]))
            title_text = fold(" ".join([f"dataset {k}", title, *(t.name for t in chosen_tags)]))
            search_text = fold(" ".join([title_text, description,
                                         *(f"{t.label_es} {t.label_en}" for t in chosen_themes),
                                         publisher.acronym, publisher.name_es, publisher.name_en,
                                         *(names.get(code, "") for code in spatial)]))
            dataset = Dataset(name=f"dataset-{k}", title=title, description=description, publisher=publisher,
                              license=licenses[k % len(licenses)], state="published", spatial=spatial,
                              title_text=title_text, search_text=search_text,
                              spatial_index=geography.spatial_index(spatial))
            batch.append(dataset)
            tag_links += [Dataset.tags.through(dataset_id=dataset.pk, tag_id=t.pk) for t in chosen_tags]
            theme_links += [Dataset.themes.through(dataset_id=dataset.pk, theme_id=t.pk) for t in chosen_themes]
            resources += [Resource(dataset_id=dataset.pk, title=f"Tabla {j}", format=fmt,
                                   url=f"https://datos.example.gt/{k}/{j}.{fmt.lower()}", position=j)
                          for j, fmt in enumerate(rng.sample(["CSV", "JSON", "XLSX", "PDF"], rng.choice([1, 2])))]
        with transaction.atomic():
            Dataset.objects.bulk_create(batch)
            Dataset.tags.through.objects.bulk_create(tag_links)
            Dataset.themes.through.objects.bulk_create(theme_links)
            Resource.objects.bulk_create(resources)
        tag_links, theme_links, resources = [], [], []
    steps[f"{N:,} datasets (bulk_create)"] = time.perf_counter() - started
    started = time.perf_counter()
    fulltext.rebuild()
    steps["full-text index (FTS5)"] = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return steps


def substring_search(qs, q):
    """The search FTS replaced, as the baseline: LIKE over the folded columns, words matched counted per row."""
    import functools
    import operator

    from django.db.models import Case, F, IntegerField, Value, When

    from apertura.catalog.search import required_matches, words

    def hits(column, terms):
        return functools.reduce(operator.add, [
            Case(When(**{f"{column}__contains": term}, then=Value(1)), default=Value(0), output_field=IntegerField())
            for term in terms])

    terms = words(q)
    if not terms:
        return qs.annotate(score=Value(0, output_field=IntegerField()))
    qs = qs.annotate(matched=hits("search_text", terms), in_title=hits("title_text", terms))
    return qs.filter(matched__gte=required_matches(len(terms))).annotate(score=F("matched") * 10 + F("in_title"))


def compare(pages, *, requests: int, budget_s: float) -> dict:
    """p50/p95 ms of each page with the full-text search and with the substring baseline, requests alternating
    between the two so that both see the same load on a shared machine."""
    from django.test import Client

    from apertura.catalog import search

    implementations = {"fts": search.text_search, "like": substring_search}
    client, figures = Client(), {}
    for name, url in pages:
        times = {"fts": [], "like": []}
        for implementation in implementations.values():
            search.text_search = implementation
            response = client.get(url)  # warm-up
            assert response.status_code == 200, (url, response.status_code)
        started = time.perf_counter()
        while len(times["fts"]) < requests and (len(times["fts"]) < 3 or time.perf_counter() - started < budget_s):
            for key, implementation in implementations.items():
                search.text_search = implementation
                begin = time.perf_counter()
                client.get(url).content  # noqa: B018 - read inside the timing
                times[key].append((time.perf_counter() - begin) * 1000)
        search.text_search = implementations["fts"]
        row = figures[name] = {"n": len(times["fts"])}
        for key, values in times.items():
            values.sort()
            row[key] = (statistics.median(values), values[min(len(values) - 1, round(0.95 * (len(values) - 1)))])
        body = client.get(url)
        row["count"] = body.json()["result"]["count"] if "/api/" in url else None
        row["bytes"] = len(body.content)
    return figures


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env() -> dict:
    return {**os.environ, "APERTURA_DATA_DIR": DATA_DIR, "APERTURA_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SETTINGS_MODULE": "apertura.settings"}


def throughput(names: list[str]) -> list[tuple]:
    """package_show under load against gunicorn (2 workers): wrk if installed, else a thread pool."""
    port = free_port()
    server = subprocess.Popen([str(ROOT / ".venv" / "bin" / "gunicorn"), "apertura.wsgi", "--workers", "2",
                               "--bind", f"127.0.0.1:{port}", "--log-level", "warning"], env=server_env(), cwd=ROOT)
    base = f"http://127.0.0.1:{port}/api/3/action/package_show?id="
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + names[0], timeout=2).read()  # noqa: S310 - local server
                break
            except OSError:
                time.sleep(0.2)
        rows = []
        wrk = shutil.which("wrk")
        for connections in (4, 32):
            if wrk:
                script = Path(DATA_DIR) / "show.lua"
                script.write_text(textwrap.dedent(f"""
                    local names = {{{",".join(json.dumps(n) for n in names)}}}
                    local i = 0
                    request = function()
                      i = i + 1
                      return wrk.format("GET", "/api/3/action/package_show?id=" .. names[(i % #names) + 1])
                    end
                """))
                out = subprocess.run([wrk, "-t2", f"-c{connections}", "-d10s", "--latency", "-s", str(script),
                                      f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True).stdout
                rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
                p50 = re.search(r"50%\s+([\d.]+\w+)", out).group(1)
                p99 = re.search(r"99%\s+([\d.]+\w+)", out).group(1)
                errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
                rows.append(("wrk", connections, rps, p50, p99, int(errors.group(1)) if errors else 0))
            else:
                rows.append(("python", connections, *python_load(base, names, connections)))
        return rows
    finally:
        server.terminate()
        server.wait(timeout=30)


def python_load(base, names, connections, seconds=10.0):
    deadline = time.perf_counter() + seconds
    times, errors = [], 0

    def worker(offset):
        nonlocal errors
        k = offset
        while time.perf_counter() < deadline:
            begin = time.perf_counter()
            try:
                urllib.request.urlopen(base + names[k % len(names)], timeout=30).read()  # noqa: S310 - local
            except OSError:
                errors += 1
            times.append(time.perf_counter() - begin)
            k += connections

    with ThreadPoolExecutor(connections) as pool:
        list(pool.map(worker, range(connections)))
    times.sort()
    p50, p99 = times[len(times) // 2] * 1000, times[int(len(times) * .99)] * 1000
    return len(times) / seconds, f"{p50:.1f}ms", f"{p99:.1f}ms", errors


EXPORT = """
import os, resource, sys, time
os.environ.update(DJANGO_SETTINGS_MODULE="apertura.settings", APERTURA_DATA_DIR=sys.argv[1],
                  APERTURA_ALLOWED_HOSTS="testserver")
sys.path.insert(0, sys.argv[3])
import django
django.setup()
from django.test import Client
client = Client()
client.get("/api/3/action/status_show")
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started, size, pages = time.perf_counter(), 0, 0
kind = sys.argv[2]
if kind == "ttl":
    from apertura.catalog.selectors import published
    last = -(-published().count() // 1000)
    for page in range(1, last + 1):
        size += len(client.get(f"/catalog.ttl?per_page=1000&page={page}").content)
        pages += 1
elif kind == "datajson-streamed":
    response = client.get("/data.json")
    for chunk in response.streaming_content if response.streaming else [response.content]:
        size += len(chunk)
    pages = 1
else:  # the baseline: the whole catalog built as one dict, then one JSON document
    from apertura.catalog import selectors
    from apertura.catalog.formats.datajson import catalog_data
    from apertura.common.twins import json_twin
    datasets = selectors.with_details(selectors.published().order_by("name"))
    size, pages = len(json_twin(catalog_data(datasets, "http://testserver")).content), 1
print(time.perf_counter() - started, before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, size, pages)
"""


def export(kind: str) -> tuple:
    done = subprocess.run([sys.executable, "-c", EXPORT, DATA_DIR, kind, str(ROOT)], capture_output=True, text=True,
                          cwd=ROOT, env=server_env())
    if done.returncode:
        raise RuntimeError(done.stderr[-3000:])
    out = done.stdout.split()
    seconds, before, after, size, pages = float(out[0]), int(out[1]), int(out[2]), int(out[3]), int(out[4])
    return seconds, before / 1024, after / 1024, size, pages


def main():
    try:
        steps = generate()
        print(f"Catalog at scale: {N:,} published datasets, SQLite (FTS5), {os.cpu_count()} cores\n")
        for step, seconds in steps.items():
            print(f"  {step:<34} {seconds:7.1f} s")

        from urllib.parse import urlencode

        searches = [(name, "/api/3/action/package_search?" + urlencode({**params, "facet.field": FACETS, "rows": 10}))
                    for name, params in SEARCHES]
        found = compare(searches, requests=SEARCH_REQUESTS, budget_s=SEARCH_BUDGET_S)
        print("\npackage_search with 6 facets, rows=10: p50 / p95 ms, FTS and LIKE requests alternating")
        print(f"{'query':<40} {'matches':>8} {'n':>3} {'FTS p50':>8} {'p95':>7} {'LIKE p50':>9} {'p95':>7} "
              f"{'LIKE/FTS':>8}")
        for name, _url in searches:
            row = found[name]
            (a50, a95), (b50, b95) = row["fts"], row["like"]
            print(f"{name:<40} {row['count']:>8,} {row['n']:>3} {a50:>8.0f} {a95:>7.0f} {b50:>9.0f} {b95:>7.0f} "
                  f"{b50 / a50:>7.1f}x")

        listed = compare(PAGES, requests=10, budget_s=SEARCH_BUDGET_S)
        print("\ndataset list page: p50 / p95 ms (without words both run the same code: the noise floor)")
        print(f"{'page':<40} {'n':>3} {'FTS p50':>8} {'p95':>7} {'LIKE p50':>9} {'p95':>7} {'bytes':>8}")
        for name, _url in PAGES:
            row = listed[name]
            (a50, a95), (b50, b95) = row["fts"], row["like"]
            print(f"{name:<40} {row['n']:>3} {a50:>8.0f} {a95:>7.0f} {b50:>9.0f} {b95:>7.0f} {row['bytes']:>8,}")

        connection.close()  # the server and exports open their own
        names = [f"dataset-{k}" for k in random.Random(7).sample(range(N), 200)]
        print("\npackage_show under load (gunicorn, 2 workers; 200 different datasets in turn, 10 s)")
        print(f"{'tool':<8} {'connections':>11} {'req/s':>8} {'p50':>9} {'p99':>9} {'errors':>7}")
        for tool, connections, rps, p50, p99, errors in throughput(names):
            print(f"{tool:<8} {connections:>11} {rps:>8.0f} {p50:>9} {p99:>9} {errors:>7}")

        if not EXPORTS:
            return
        print("\nfull export (a fresh process each; RSS in MB before the export and at its peak)")
        print(f"{'export':<34} {'seconds':>8} {'pages':>6} {'MB out':>8} {'RSS before':>11} {'RSS peak':>9}")
        for label, kind in [("DCAT Turtle, every Hydra page", "ttl"), ("data.json streamed (served)",
                                                                       "datajson-streamed"),
                            ("data.json whole in memory (old)", "datajson-whole")]:
            seconds, before, after, size, pages = export(kind)
            print(f"{label:<34} {seconds:>8.1f} {pages:>6} {size / 1e6:>8.1f} {before:>11.0f} {after:>9.0f}")
    finally:
        shutil.rmtree(DATA_DIR, ignore_errors=True)


if __name__ == "__main__":
    main()
