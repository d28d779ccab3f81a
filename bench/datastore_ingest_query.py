"""Datastore: ingest throughput, search latency (first page and a deep keyset page), a group-by aggregate
and the peak memory of an ingest — against DuckDB's bare read_csv → Parquet and against PostgreSQL COPY
(the way CKAN's DataStore loads and queries tables), all in the same run.

    .venv/bin/python bench/datastore_ingest_query.py [--rows 1000000] [--reps 20] [--runs 3] [--big 5]
                                                     [--pg postgres://…]

`--rows 10000000` is the issue's size (≈ 1 GB of CSV); `--big 5` adds the peak memory of ingesting a 5 GB
file (generated in /tmp and deleted). Prints figures; it is not a test. See bench/README.md.
"""

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEPARTMENTS = ["Guatemala", "El Progreso", "Sacatepéquez", "Chimaltenango", "Escuintla", "Santa Rosa", "Sololá",
               "Totonicapán", "Quetzaltenango", "Suchitepéquez", "Retalhuleu", "San Marcos", "Huehuetenango",
               "Quiché", "Baja Verapaz", "Alta Verapaz", "Petén", "Izabal", "Zacapa", "Chiquimula", "Jalapa",
               "Jutiapa"]
INSTITUTIONS = ["Ministerio de Educación", "Ministerio de Salud Pública y Asistencia Social",
                "Ministerio de Gobernación", "Ministerio de Desarrollo Social", "Secretaría de Bienestar Social",
                "Ministerio de Trabajo y Previsión Social", "Procuraduría de los Derechos Humanos"]
COLUMNS = ["municipio", "departamento", "institucion", "sexo", "edad", "fecha", "monto", "cantidad", "atendido",
           "nota"]
# PostgreSQL's boolean input does not accept "sí": that column stays text in the typed table.
PG_TYPES = ["text", "text", "text", "text", "integer", "date", "numeric", "integer", "text", "text"]


def setup_django(data_dir: Path):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "apertura.settings")
    os.environ["APERTURA_DATA_DIR"] = str(data_dir)
    os.environ["APERTURA_DATASTORE_ROOT"] = str(data_dir / "datastore")
    os.environ["APERTURA_DATASTORE_SQL_TIMEOUT"] = "60"
    sys.path.insert(0, str(HERE.parent))
    import django

    django.setup()


def generate(path: Path, rows: int):
    """INE-style municipality codes with leading zeros, names with accents, sex, age, a date, an amount, a
    count, a yes/no ("sí"/"no") and a note: about 100 bytes a row."""
    import duckdb

    def names(values):
        return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"

    con = duckdb.connect(config={"threads": 2, "memory_limit": "512MB"})
    con.execute(f"""
        COPY (SELECT
            lpad(CAST(i % 22 + 1 AS VARCHAR), 2, '0') || lpad(CAST(i % 17 + 1 AS VARCHAR), 2, '0') AS municipio,
            {names(DEPARTMENTS)}[i % 22 + 1] AS departamento,
            {names(INSTITUTIONS)}[CAST(hash(i * 3) % 7 AS BIGINT) + 1] AS institucion,
            CASE WHEN i % 2 = 0 THEN 'F' ELSE 'M' END AS sexo,
            CAST(hash(i) % 90 AS INTEGER) AS edad,
            DATE '2015-01-01' + CAST(hash(i * 7) % 3650 AS INTEGER) AS fecha,
            round((hash(i * 13) % 1000000) / 100.0, 2) AS monto,
            CAST(hash(i * 17) % 500 AS INTEGER) AS cantidad,
            CASE WHEN hash(i * 19) % 3 = 0 THEN 'no' ELSE 'sí' END AS atendido,
            'registro ' || i AS nota
        FROM range({rows}) t(i)) TO '{path}' (HEADER, DELIMITER ',')""")
    con.close()


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000


def timed(fn, reps: int) -> tuple[float, float]:
    fn()  # warm-up
    samples = []
    for _ in range(reps):
        began = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - began)
    return percentiles(samples)


def _cpu_and_peak() -> tuple[float, int]:
    """This process's CPU seconds (user + system: less sensitive than wall time to other work on the machine)
    and its peak resident memory in MB."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024


def child_ingest(source: str, dest: str, workdir: str) -> int:
    """Run in its own process so that its peak memory is its own."""
    setup_django(Path(workdir).parent)
    from apertura.datastore.engine.ingest import ingest_file

    cpu, _peak = _cpu_and_peak()
    began = time.perf_counter()
    result = ingest_file(Path(source), dest=Path(dest), workdir=Path(workdir))
    seconds = time.perf_counter() - began
    Path(dest).with_suffix(".schema.json").write_text(json.dumps(result.schema))
    after, peak = _cpu_and_peak()
    print(f"{seconds:.4f} {after - cpu:.4f} {peak} {result.row_count} {int(result.ok)}")
    return 0 if result.ok else 1


def child_bare(source: str, dest: str) -> int:
    import duckdb

    con = duckdb.connect(config={"threads": 2, "memory_limit": "512MB"})
    cpu, _peak = _cpu_and_peak()
    began = time.perf_counter()
    con.execute(f"COPY (SELECT * FROM read_csv('{source}')) TO '{dest}' (FORMAT parquet, COMPRESSION zstd)")
    seconds = time.perf_counter() - began
    after, peak = _cpu_and_peak()
    print(f"{seconds:.4f} {after - cpu:.4f} {peak}")
    return 0


def run_child(*args) -> list[str]:
    """Run this script in a child process; returns the words it printed."""
    return subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=True).stdout.split()


def _backend_cpu(pid: int) -> float | None:
    """CPU seconds of a PostgreSQL backend on this machine (from /proc), or None when it cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _copy(con, table: str, csv_path: Path) -> tuple[float, float | None]:
    """Wall seconds of a COPY and its CPU seconds: the server backend's plus this client's."""
    pid = con.execute("SELECT pg_backend_pid()").fetchone()[0]
    backend, client = _backend_cpu(pid), _cpu_and_peak()[0]
    began = time.perf_counter()
    with con.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN WITH (FORMAT csv, "
                                       "HEADER true)") as copy, csv_path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            copy.write(chunk)
    seconds = time.perf_counter() - began
    after = _backend_cpu(pid)
    cpu = None if backend is None or after is None else after - backend + _cpu_and_peak()[0] - client
    return seconds, cpu


def postgres(pg_url: str, csv_path: Path, page_size: int, deep_offset: int, reps: int, runs: int) -> dict:
    """CKAN's xloader COPYs every column as text (`text_copy`); datapusher-style typed columns (`copy`) are
    what the queries run on, with the index that serves the search."""
    import psycopg

    figures = {"text_copy": (float("inf"), None), "copy": (float("inf"), None)}
    admin = psycopg.connect(pg_url, autocommit=True)
    admin.execute("DROP DATABASE IF EXISTS apertura_bench")
    admin.execute("CREATE DATABASE apertura_bench")
    try:
        base = pg_url.rsplit("/", 1)[0]
        with psycopg.connect(f"{base}/apertura_bench", autocommit=True) as con:
            for _run in range(runs):
                for key, types in (("text_copy", ["text"] * len(COLUMNS)), ("copy", PG_TYPES)):
                    con.execute("DROP TABLE IF EXISTS t")
                    columns = ", ".join(f"{name} {type_}" for name, type_ in zip(COLUMNS, types, strict=True))
                    con.execute(f"CREATE TABLE t (_id serial PRIMARY KEY, {columns})")
                    figures[key] = min(figures[key], _copy(con, "t", csv_path), key=lambda f: f[0])
            began = time.perf_counter()
            con.execute("CREATE INDEX ON t (sexo, edad DESC, _id)")
            con.execute("ANALYZE t")
            figures["index"] = time.perf_counter() - began
            query = "SELECT * FROM t WHERE sexo = 'F' ORDER BY edad DESC, _id LIMIT %s OFFSET %s"
            figures["first"] = timed(lambda: con.execute(query, (page_size, 0)).fetchall(), reps)
            figures["deep"] = timed(lambda: con.execute(query, (page_size, deep_offset)).fetchall(), reps)
            figures["group"] = timed(lambda: con.execute(
                "SELECT departamento, count(*), avg(monto) FROM t GROUP BY departamento").fetchall(), max(3, reps // 4))
    finally:
        admin.execute("DROP DATABASE IF EXISTS apertura_bench")
        admin.close()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the generated CSV (≈ 100 bytes each)")
    parser.add_argument("--reps", type=int, default=20, help="timed repetitions of each query")
    parser.add_argument("--runs", type=int, default=3, help="ingests of each kind (the best is reported)")
    parser.add_argument("--big", type=float, default=0, metavar="GB",
                        help="also ingest a generated file of this many GB once, for its peak memory")
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--child-ingest", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--child-bare", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_ingest:
        return child_ingest(*args.child_ingest)
    if args.child_bare:
        return child_bare(*args.child_bare)

    work = Path(tempfile.mkdtemp(prefix="apertura-bench-datastore-"))
    try:
        return measure(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def ingest_runs(csv_path: Path, root: Path, work: Path, runs: int) -> dict:
    dest = root / "bench" / "v1.parquet"
    best = {"ours": (float("inf"),) * 3, "bare": (float("inf"),) * 3}
    for _run in range(runs):  # the best of a few runs: the machine's other work only ever adds time
        seconds, cpu, peak, ingested, ok = run_child("--child-ingest", str(csv_path), str(dest),
                                                     str(root / ".tmp" / "ingest"))
        if ok != "1":
            raise SystemExit(f"our ingest failed ({ingested} rows)")
        best["ours"] = min(best["ours"], (float(seconds), float(cpu), int(peak)))
        seconds, cpu, peak = run_child("--child-bare", str(csv_path), str(work / "bare.parquet"))
        best["bare"] = min(best["bare"], (float(seconds), float(cpu), int(peak)))
        (work / "bare.parquet").unlink(missing_ok=True)
    best["dest"], best["rows"] = dest, int(ingested)
    return best


def big_ingest(gigabytes: float, bytes_per_row: float, work: Path) -> dict:
    rows = int(gigabytes * 1e9 / bytes_per_row)
    free = shutil.disk_usage(work).free
    if free < gigabytes * 1e9 * 1.6:
        raise SystemExit(f"--big {gigabytes}: needs {gigabytes * 1.6:.0f} GB free in {work}, has {free / 1e9:.0f}")
    big = work / "big.csv"
    began = time.perf_counter()
    generate(big, rows)
    size = big.stat().st_size
    print(f"generated {rows:,} rows, {size / 1e9:.1f} GB CSV in {time.perf_counter() - began:.0f} s", flush=True)
    root = work / "big-datastore"
    try:
        seconds, cpu, peak, ingested, ok = run_child("--child-ingest", str(big), str(root / "big.parquet"),
                                                     str(root / ".tmp" / "ingest"))
    finally:
        big.unlink()
        shutil.rmtree(root, ignore_errors=True)
    return {"rows": int(ingested), "bytes": size, "seconds": float(seconds), "cpu": float(cpu), "peak": int(peak),
            "ok": ok == "1"}


def measure(args, work: Path) -> int:
    rows = args.rows
    csv_path = work / "data.csv"
    began = time.perf_counter()
    generate(csv_path, rows)
    size = csv_path.stat().st_size
    print(f"generated {rows:,} rows, {size / 1e6:,.0f} MB CSV in {time.perf_counter() - began:.1f} s", flush=True)

    root = work / "datastore"
    ingests = ingest_runs(csv_path, root, work, args.runs)
    if ingests["rows"] != rows:
        print(f"our ingest read {ingests['rows']} rows of {rows}", file=sys.stderr)
        return 1
    print("ingests done; querying", flush=True)

    setup_django(work)
    from django.conf import settings  # the environment is read once, at start-up: switch the cache here

    from apertura.datastore.engine.query import TableRef, datastore_aggregate, datastore_search

    dest = ingests["dest"]
    schema = json.loads(dest.with_suffix(".schema.json").read_text())
    table = TableRef(key="bench", path=dest, fields=schema["fields"], row_count=rows)
    matches = datastore_search(table, filters={"sexo": "F"}, limit=0)["total"]
    page_size = max(1, min(100, matches // 10_000))
    deep_offset = page_size * 9_999
    search = {"filters": {"sexo": "F"}, "sort": "edad desc", "limit": page_size}
    cursor = datastore_search(table, offset=deep_offset - page_size, include_total=False, **search)["next_page"]
    ours = {}
    for cache in ("0", "128"):  # every query executed; then repeated queries answered from the result cache
        settings.APERTURA_DATASTORE_RESULT_CACHE = int(cache)
        ours["first", cache] = timed(lambda: datastore_search(table, include_total=False, **search), args.reps)
        ours["deep", cache] = timed(lambda: datastore_search(table, cursor=cursor, include_total=False, **search),
                                    args.reps)
        ours["plain", cache] = timed(lambda: datastore_search(table, include_total=False, limit=page_size),
                                     args.reps)
    settings.APERTURA_DATASTORE_RESULT_CACHE = 0
    ours["offset"] = timed(lambda: datastore_search(table, offset=deep_offset, include_total=False, **search),
                           max(3, args.reps // 4))
    ours["group"] = timed(lambda: datastore_aggregate(table, group_by=["departamento"],
                                                      aggregates=["count:*", "avg:monto"]), max(3, args.reps // 4))
    print("queries done; PostgreSQL", flush=True)
    pg = postgres(args.pg, csv_path, page_size, deep_offset, args.reps, args.runs)
    big = big_ingest(args.big, size / rows, work) if args.big else None
    report(rows, size, page_size, deep_offset, matches, args, ingests, ours, pg, big)
    return 0


def report(rows, size, page_size, deep_offset, matches, args, ingests, ours, pg, big):
    print(f"\n{rows:,} rows, {size / 1e6:,.0f} MB CSV; page size {page_size}, page 10,000 = rows "
          f"{deep_offset + 1:,}–{deep_offset + page_size:,} of {matches:,} matching sexo='F', sorted by edad desc\n")
    ours_s, ours_cpu, ours_peak = ingests["ours"]
    bare_s, bare_cpu, bare_peak = ingests["bare"]
    print(f"{'ingest':<48}{'seconds':>9}{'CPU s':>8}{'rows/s':>12}{'peak MB':>9}{'÷ ours':>8}")
    (text_s, text_cpu), (typed_s, typed_cpu) = pg["text_copy"], pg["copy"]
    lines = [("DuckDB bare read_csv → Parquet (the limit)", bare_s, bare_cpu, bare_peak),
             ("Apertura ingest (validate, infer, Parquet)", ours_s, ours_cpu, ours_peak),
             ("PostgreSQL COPY, all text (CKAN xloader)", text_s, text_cpu, None),
             ("PostgreSQL COPY, typed columns", typed_s, typed_cpu, None),
             ("PostgreSQL COPY typed + search index", typed_s + pg["index"], None, None)]
    for label, seconds, cpu, peak in lines:
        print(f"{label:<48}{seconds:>9.2f}{'' if cpu is None else f'{cpu:.2f}':>8}{rows / seconds:>12,.0f}"
              f"{'' if peak is None else peak:>9}{seconds / ours_s:>7.2f}×")

    def by_cpu(cpu):
        return "" if cpu is None else f" ({cpu / ours_cpu:.1f}× by CPU time)"

    print(f"\nours / bare: {bare_s / ours_s:.0%} of the throughput by wall time, {bare_cpu / ours_cpu:.0%} by CPU "
          f"time (target ≥ 70%)")
    print(f"ours vs PostgreSQL COPY: {text_s / ours_s:.1f}× faster than text{by_cpu(text_cpu)}, "
          f"{typed_s / ours_s:.1f}× than typed{by_cpu(typed_cpu)} (target ≥ 3×)")
    print(f"(wall times: the best of {args.runs} runs each; CPU s: user + system time of our or DuckDB's process, "
          "or of the PostgreSQL backend plus the client sending the file)")
    if big:
        print(f"\n{big['bytes'] / 1e9:.1f} GB file, {big['rows']:,} rows: peak memory of our ingest "
              f"{big['peak']} MB (target < 1 GB); {big['seconds']:.0f} s, {big['rows'] / big['seconds']:,.0f} rows/s"
              + ("" if big["ok"] else " — FAILED"))
    print(f"\n{'query (ms)':<60}{'p50':>9}{'p95':>9}")
    for label, (p50, p95) in [
        ("first page — Apertura, executed", ours["first", "0"]),
        ("first page — Apertura, repeated (result cache)", ours["first", "128"]),
        ("first page — PostgreSQL (indexed)", pg["first"]),
        ("page 10,000 — Apertura keyset, executed", ours["deep", "0"]),
        ("page 10,000 — Apertura keyset, repeated (result cache)", ours["deep", "128"]),
        ("page 10,000 — Apertura OFFSET, executed (for reference)", ours["offset"]),
        ("page 10,000 — PostgreSQL OFFSET (indexed)", pg["deep"]),
        ("first page, no filter or sort — Apertura, executed", ours["plain", "0"]),
        ("group by departamento, count + avg — Apertura", ours["group"]),
        ("group by departamento, count + avg — PostgreSQL", pg["group"]),
    ]:
        print(f"{label:<60}{p50:>9.2f}{p95:>9.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
