"""Queries over published Parquet tables: CKAN's datastore_search / datastore_info / datastore_search_sql,
keyset pages, aggregates, column summaries and streamed downloads.

Every query the engine builds runs on a cursor of one process-wide DuckDB database that cannot touch files
outside the datastore folder (`enable_external_access=false` with the folder as the only allowed directory,
and the configuration locked), under a timeout that interrupts it. User values always travel as parameters;
names of columns are checked against the table's fields before they are quoted into SQL.

A user's own SQL (datastore_search_sql) never runs there: sqlguard binds each table it names to that table's
file, and it runs in a sandbox process (engine.sqlbox) whose database can read only those files.
"""

import base64
import csv
import datetime as dt
import decimal
import io
import json
import re
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb
import pyarrow.csv as pacsv
from django.utils.translation import gettext as _

from apertura.common.tabular import CSV_LINE_END, formula_safe_sql, neutralise, xlsx_bytes

from .. import conf
from . import sqlbox
from .sql import ident, literal
from .sqlguard import check_sql

MAX_LIMIT = 32000
DUCK_TYPES = {"integer": "BIGINT", "number": "DOUBLE", "boolean": "BOOLEAN", "date": "DATE",
              "datetime": "TIMESTAMP", "string": "VARCHAR"}
CKAN_TYPES = {"integer": "int", "number": "numeric", "boolean": "bool", "date": "date", "datetime": "timestamp",
              "string": "text"}
AGGREGATES = {"count", "sum", "avg", "min", "max"}
SQL_THREADS = 2  # as many as the shared database's, per datastore_search_sql query


class QueryError(ValueError):
    """A request the datastore cannot answer as asked; the message says why in plain words."""


class QueryTimeout(QueryError):
    pass


@dataclass
class TableRef:
    key: str
    path: Path
    fields: list[dict] = field(default_factory=list)
    row_count: int = 0

    @property
    def types(self) -> dict[str, str]:
        return {"_id": "integer", **{f["name"]: f["type"] for f in self.fields}}

    @property
    def source(self) -> str:
        """The table with CKAN's `_id`: the row's position in the file, from 1 (rows keep the upload's order)."""
        return self.rows()

    def rows(self, *, keep_position: bool = False, where: str = "") -> str:
        """`source`, optionally keeping `file_row_number` (the position from 0, which DuckDB can prune row
        groups by, unlike the computed `_id`) and with a condition applied inside the scan."""
        rest = "*" if keep_position else "* EXCLUDE (file_row_number)"
        return (f"(SELECT file_row_number + 1 AS _id, {rest} "
                f"FROM read_parquet({literal(str(self.path))}, file_row_number=true){where})")


# --- Connections -------------------------------------------------------------------------------------------

_bases: dict[str, duckdb.DuckDBPyConnection] = {}
_bases_lock = threading.Lock()


def connection() -> duckdb.DuckDBPyConnection:
    """A fresh cursor on the locked-down database of the current datastore folder."""
    root = str(conf.datastore_root())
    with _bases_lock:
        base = _bases.get(root)
        if base is None:
            base = duckdb.connect(config={"threads": 2, "memory_limit": conf.memory_limit()})
            # Spares each query re-reading the Parquet footer (a changed file is noticed by its modification time).
            base.execute("SET parquet_metadata_cache=true")
            base.execute(f"SET allowed_directories=[{literal(root.rstrip('/') + '/')}]")
            base.execute("SET enable_external_access=false")
            base.execute("SET lock_configuration=true")
            _bases[root] = base
    return base.cursor()


def run(cur, sql: str, params=None, *, timeout: float | None = None):
    """Execute with a timer that interrupts the query when it runs longer than `timeout` seconds."""
    timeout = conf.sql_timeout_seconds() if timeout is None else timeout
    timer = threading.Timer(timeout, cur.interrupt)
    timer.start()
    try:
        return cur.execute(sql, params or [])
    except duckdb.InterruptException as exc:
        raise QueryTimeout(_("The query took longer than %(s)s seconds and was stopped. Add filters or "
                             "download the table instead.") % {"s": timeout}) from exc
    finally:
        timer.cancel()


# --- Parameters ----------------------------------------------------------------------------------------------

def _names(table: TableRef, fields) -> list[str]:
    if fields in (None, "", []):
        return ["_id", *[f["name"] for f in table.fields]]
    if isinstance(fields, str):
        fields = [name.strip() for name in fields.split(",") if name.strip()]
    for name in fields:
        _known(table, name)
    return list(fields)


def _known(table: TableRef, name: str) -> str:
    if name not in table.types:
        raise QueryError(_("The table has no column “%(name)s”.") % {"name": name})
    return name


def _param(table: TableRef, name: str) -> str:
    return f"TRY_CAST(? AS {DUCK_TYPES[table.types[name]]})"


def _where(table: TableRef, filters: dict | None, q) -> tuple[list[str], list]:
    clauses, params = [], []
    if isinstance(filters, str):
        try:
            filters = json.loads(filters)
        except json.JSONDecodeError as exc:
            raise QueryError(_("filters must be a JSON object.")) from exc
    for name, value in (filters or {}).items():
        _known(table, name)
        values = value if isinstance(value, list) else [value]
        if not values:
            continue
        clauses.append(f"{ident(name)} IN ({', '.join(_param(table, name) for _v in values)})")
        params += [_plain(v) for v in values]
    text = [name for name, type_ in table.types.items() if type_ == "string"]
    if isinstance(q, dict):
        for name, words in q.items():
            _known(table, name)
            clauses.append(f"strip_accents(lower(CAST({ident(name)} AS VARCHAR))) LIKE "
                           "'%' || strip_accents(lower(?)) || '%'")
            params.append(str(words))
    elif q:
        haystack = ("strip_accents(lower(concat_ws(' ', " + ", ".join(ident(n) for n in text) + ")))"
                    if text else "''")
        for word in str(q).split():
            clauses.append(f"{haystack} LIKE '%' || strip_accents(lower(?)) || '%'")
            params.append(word)
    return clauses, params


def _plain(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return None if value is None else str(value)


SORT_ITEM = re.compile(r'^\s*("(?:[^"]|"")+"|[^\s"]+)(?:\s+(asc|desc))?(?:\s+nulls\s+(first|last))?\s*$', re.I)


def parse_sort(table: TableRef, sort) -> list[tuple[str, bool, bool]]:
    """CKAN's sort ("a desc, b nulls first" or a list) as (name, descending, nulls_first), ending with _id."""
    items = sort if isinstance(sort, list) else re.findall(r'(?:"(?:[^"]|"")*"|[^,])+', sort or "")
    keys = []
    for item in items:
        match = SORT_ITEM.match(item)
        if not match:
            raise QueryError(_("Cannot sort by “%(item)s”.") % {"item": item.strip()})
        name = match.group(1)
        if name.startswith('"'):
            name = name[1:-1].replace('""', '"')
        keys.append((_known(table, name), (match.group(2) or "asc").lower() == "desc",
                     (match.group(3) or "last").lower() == "first"))
    if "_id" not in [k[0] for k in keys]:
        keys.append(("_id", False, False))
    return keys


def _order(keys, *, position: bool = False) -> str:
    """ORDER BY text; with `position`, `_id` is sorted as `file_row_number` (same order, prunable)."""
    def ref(name):
        return "file_row_number" if position and name == "_id" else ident(name)

    return ", ".join(f"{ref(n)} {'DESC' if d else 'ASC'} NULLS {'FIRST' if nf else 'LAST'}" for n, d, nf in keys)


def _json_value(value):
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


def encode_cursor(keys, row: dict) -> str:
    payload = {"s": [[n, d, nf] for n, d, nf in keys], "v": [_json_value(row[n]) for n, _d, _nf in keys]}
    return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")


def _cursor_values(keys, token: str) -> list:
    try:
        payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        values = payload["v"]
        if [list(k) for k in keys] != payload["s"] or len(values) != len(keys):
            raise ValueError
    except (ValueError, KeyError, TypeError) as exc:
        raise QueryError(_("The page cursor does not belong to this query; start again from the first page.")) \
            from exc
    return values


def _cursor_position(keys, token: str) -> int:
    """The position (from 0) following a cursor on `_id` alone: the last row's `_id`."""
    value = _cursor_values(keys, token)[0]
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise QueryError(_("The page cursor does not belong to this query; start again from the first page."))
    return value


def _after(table: TableRef, keys, token: str) -> tuple[str, list]:
    """The keyset condition: rows strictly after the cursor's row in the sort order (NULLs placed as sorted)."""
    values = _cursor_values(keys, token)
    ors, params = [], []
    for i, (name, desc, nulls_first) in enumerate(keys):
        parts = []
        for j in range(i):
            prior, value = keys[j][0], values[j]
            if value is None:
                parts.append(f"{ident(prior)} IS NULL")
            else:
                parts.append(f"{ident(prior)} = {_param(table, prior)}")
                params.append(_plain(value))
        value = values[i]
        if value is None:
            if not nulls_first:
                continue
            parts.append(f"{ident(name)} IS NOT NULL")
        else:
            step = f"{ident(name)} {'<' if desc else '>'} {_param(table, name)}"
            parts.append(f"({step} OR {ident(name)} IS NULL)" if not nulls_first else step)
            params.append(_plain(value))
        ors.append("(" + " AND ".join(parts) + ")")
    return "(" + (" OR ".join(ors) or "false") + ")", params


# --- CKAN actions --------------------------------------------------------------------------------------------

def datastore_search(table: TableRef, *, filters=None, q=None, fields=None, sort=None, limit: int = 100,
                     offset: int = 0, include_total: bool = True, records_format: str = "objects",
                     cursor: str | None = None, timeout: float | None = None) -> dict:
    """CKAN's datastore_search, plus `cursor` (keyset paging: pass the previous result's `next_page`)."""
    try:
        limit, offset = int(limit), int(offset)
    except (TypeError, ValueError) as exc:
        raise QueryError(_("limit and offset must be whole numbers.")) from exc
    if not 0 <= limit <= MAX_LIMIT or offset < 0:
        raise QueryError(_("limit must be between 0 and %(max)s, and offset 0 or more.") % {"max": MAX_LIMIT})
    if records_format not in ("objects", "lists", "csv", "tsv"):
        raise QueryError(_("records_format must be objects, lists, csv or tsv."))
    names = _names(table, fields)
    keys = parse_sort(table, sort)
    clauses, params = _where(table, filters, q)
    page_clauses, page_params = list(clauses), list(params)
    if cursor:
        condition, extra = _after(table, keys, cursor)
        page_clauses.append(condition)
        page_params += extra
    where = f" WHERE {' AND '.join(page_clauses)}" if page_clauses else ""
    selected = list(dict.fromkeys(names + [k[0] for k in keys]))
    positional = not clauses and keys == [("_id", False, False)]
    if positional:
        # Rows in the file's order: the page is a range of positions, read from the row groups that hold it.
        start = _cursor_position(keys, cursor) if cursor else offset
        sql = (f"SELECT {', '.join(ident(n) for n in selected)} FROM "
               f"{table.rows(where=f' WHERE file_row_number >= {start} AND file_row_number < {start + limit}')} "
               "ORDER BY _id")
        page_params = []
    else:
        sql = _page_sql(table, page_clauses, keys, selected, limit, 0 if cursor else offset)
    count = f"SELECT count(*) FROM {table.source} WHERE {' AND '.join(clauses)}" if include_total and clauses \
        else None
    reach = limit + offset
    # Not after a cursor: its condition already narrows the rows, and would be evaluated twice.
    lead = keys[0] if not (positional or cursor) and keys[0][0] != "_id" and 0 < reach <= LEAD_BOUND_MAX \
        and table.row_count > SMALL_TABLE_ROWS else None

    def page_records():
        cur = connection()
        try:
            query, query_params = sql, page_params
            if lead:
                bound = _lead_bound(cur, table, where, page_params, lead, reach, timeout)
                if bound:
                    query = _page_sql(table, page_clauses + [bound[0]], keys, selected, limit, offset)
                    query_params = page_params + bound[1]
            rows = run(cur, query, query_params, timeout=timeout).fetchall()
            total = run(cur, count, params, timeout=timeout).fetchone()[0] if count else None
        finally:
            cur.close()
        dicts = [dict(zip(selected, row, strict=True)) for row in rows]
        after = encode_cursor(keys, dicts[-1]) if dicts and len(dicts) == limit else None
        return (format_records(dicts, names, records_format), after, total), \
            len(rows) * len(selected) <= CACHED_CELLS_MAX

    records, after, total = cached(table, (sql, count, records_format, tuple(names)), page_params + params,
                                   page_records)
    result = {
        "resource_id": table.key,
        "fields": [{"id": n, "type": CKAN_TYPES[table.types[n]]} for n in names],
        "records": records if isinstance(records, str) else [type(r)(r) for r in records],  # callers own theirs
        "limit": limit, "offset": 0 if cursor else offset, "filters": filters or {},
        "include_total": include_total, "records_format": records_format, "sort": _order(keys),
    }
    if include_total:
        result["total"] = table.row_count if total is None else total
    if after:
        result["next_page"] = after
    return result


LEAD_BOUND_MAX = 10_000
SMALL_TABLE_ROWS = 100_000


def _page_sql(table: TableRef, clauses: list[str], keys, selected: list[str], limit: int, offset: int) -> str:
    """Late materialisation: find the page's rows by reading only the filtered and sorted columns, then read
    every selected column of just those rows (DuckDB skips the row groups that hold none of them). A small
    table is read in one go: two steps would cost more than they save."""
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    if 0 < table.row_count <= SMALL_TABLE_ROWS:
        return (f"SELECT {', '.join(ident(n) for n in selected)} FROM {table.source}{where} ORDER BY {_order(keys)} "
                f"LIMIT {limit} OFFSET {offset}")
    page = (f"SELECT file_row_number FROM {table.rows(keep_position=True)}{where} "
            f"ORDER BY {_order(keys, position=True)} LIMIT {limit} OFFSET {offset}")
    return (f"WITH page AS ({page}) SELECT {', '.join(ident(n) for n in selected)} FROM "
            f"{table.rows(where=' WHERE file_row_number IN (SELECT file_row_number FROM page)')} "
            f"ORDER BY {_order(keys)}")


def _lead_bound(cur, table: TableRef, where: str, params: list, lead, reach: int, timeout) -> tuple | None:
    """A condition on the first sort column that every row up to the page's end meets: the value of the
    `reach`-th row, found by a sort on that column alone (which DuckDB does far faster than on several, as it
    can drop rows while scanning). The full sort then reads only rows at or before that value, and skips the
    row groups whose statistics place them after it (much of a file sorted by date, for instance)."""
    name, desc, nulls_first = lead
    c = ident(name)
    row = run(cur, f"SELECT {c} FROM {table.source}{where} ORDER BY {c} {'DESC' if desc else 'ASC'} "
                   f"NULLS {'FIRST' if nulls_first else 'LAST'} LIMIT 1 OFFSET {reach - 1}", params,
              timeout=timeout).fetchone()
    if row is None:  # fewer rows than the page's end: nothing to narrow
        return None
    if row[0] is None:  # the page reaches the empty values, sorted last (all rows needed) or first (only them)
        return (f"{c} IS NULL", []) if nulls_first else None
    bound = f"{c} {'>=' if desc else '<='} ?"
    return (f"({bound} OR {c} IS NULL)" if nulls_first else bound), [row[0]]


_results: OrderedDict = OrderedDict()
_results_lock = threading.Lock()
CACHED_CELLS_MAX = 5000  # a page of 100 rows of 50 columns; with 128 entries, a few tens of MB at most


def cached(table: TableRef, query, params: list, compute):
    """The value of `compute()` (which returns it and whether it is small enough to keep), kept per process
    for the same query on the same file: a published version's Parquet never changes (a file replaced in
    place has another inode or modification time). The least recently used is dropped first."""
    entries = conf.result_cache_entries()
    try:
        stat = table.path.stat()
    except OSError:
        entries = 0  # the query then says what is wrong with the file
    if not entries:
        return compute()[0]
    key = (str(table.path), stat.st_ino, stat.st_mtime_ns, stat.st_size, query, tuple(params))
    with _results_lock:
        if key in _results:
            _results.move_to_end(key)
            return _results[key]
    value, keep = compute()
    if keep:
        with _results_lock:
            _results[key] = value
            while len(_results) > entries:
                _results.popitem(last=False)
    return value


def format_records(rows: list[dict], names: list[str], records_format: str):
    if records_format == "objects":
        return [{n: _json_value(row[n]) for n in names} for row in rows]
    if records_format == "lists":
        return [[_json_value(row[n]) for n in names] for row in rows]
    buffer = io.StringIO()
    # CKAN's records_format=csv is PostgreSQL's COPY output, one line feed per row; clients split on it.
    writer = csv.writer(buffer, delimiter="\t" if records_format == "tsv" else ",", lineterminator="\n")
    for row in rows:
        writer.writerow(["" if row[n] is None else neutralise(_json_value(row[n])) for n in names])
    return buffer.getvalue()


def datastore_info(table: TableRef) -> dict:
    size = table.path.stat().st_size if table.path.exists() else 0
    fields = [{"id": "_id", "type": "int", "schema": {"native_type": "BIGINT"}}]
    for f in table.fields:
        info = {k: f[k] for k in ("title", "description", "unit") if f.get(k)}
        if "title" in info:
            info["label"] = info["title"]
        if "description" in info:
            info["notes"] = info["description"]
        fields.append({"id": f["name"], "type": CKAN_TYPES[f["type"]], "info": info,
                       "schema": {"native_type": DUCK_TYPES[f["type"]], "tableschema": f}})
    return {"meta": {"id": table.key, "count": table.row_count, "size": size, "table_type": "BASE TABLE",
                     "format": "parquet"}, "fields": fields}


def datastore_search_sql(sql: str, *, tables: dict[str, TableRef], timeout: float | None = None,
                         max_rows: int | None = None, max_bytes: int | None = None) -> dict:
    """A read-only SELECT over published tables: checked and bound to their files by sqlguard, run in a
    sandbox process (engine.sqlbox) that reads only those files, with one deadline for the whole answer, a row
    limit (beyond it the answer is cut, as CKAN does), and limits on the answer's bytes and the memory used."""
    timeout = conf.sql_timeout_seconds() if timeout is None else timeout
    max_rows = conf.sql_max_rows() if max_rows is None else max_rows
    max_bytes = conf.sql_max_bytes() if max_bytes is None else max_bytes
    began = time.monotonic()
    checked = check_sql(sql, allowed_tables=set(tables), relation=lambda key: _resolved(tables[key]).source)
    files = sorted(str(_resolved(tables[key]).path) for key in checked.tables)
    try:
        answer = sqlbox.run(checked.runnable, files=files, timeout=max(timeout - (time.monotonic() - began), 0),
                            max_rows=max_rows,
                            max_bytes=max_bytes, memory_bytes=conf.sql_memory_limit_bytes(),
                            threads=SQL_THREADS)
    except sqlbox.SandboxRefusal as refusal:
        raise _sql_refusal(refusal, timeout=timeout, max_bytes=max_bytes) from None
    result = {"sql": checked.text, "fields": answer["fields"], "records": answer["records"]}
    if answer["truncated"]:
        result["records_truncated"] = True
    return result


def _resolved(table: TableRef) -> TableRef:
    # Each reference becomes a read of a file DuckDB is allowed: both name it by the same resolved path.
    return replace(table, path=table.path.resolve())


def _sql_refusal(refusal: sqlbox.SandboxRefusal, *, timeout: float, max_bytes: int) -> QueryError:
    if refusal.kind == "timeout":
        return QueryTimeout(_("The query took longer than %(s)s seconds and was stopped. Add filters or "
                              "download the table instead.") % {"s": timeout})
    if refusal.kind == "too_large":
        return QueryError(_("The answer would be larger than %(mb)s MB, the most a query may return. Select "
                            "fewer columns, add a WHERE clause or a LIMIT, aggregate the rows, or download the "
                            "table instead.") % {"mb": f"{max_bytes / 1024 ** 2:g}"})
    if refusal.kind == "memory":
        return QueryError(_("The query needed more memory than a query may use (%(mb)s MB) and was stopped. "
                            "Select fewer or shorter values, add a WHERE clause or a LIMIT, or aggregate the "
                            "rows.") % {"mb": f"{conf.sql_memory_limit_bytes() / 1000 ** 2:g}"})
    if refusal.kind == "not_select":
        return QueryError(_("Only read-only SELECT queries are allowed."))
    if refusal.kind == "refused":
        return QueryError(_("The query tried to read something other than the published tables it names."))
    if refusal.kind == "failed":
        return QueryError(_("The query failed: %(reason)s") % {"reason": refusal.detail})
    return QueryError(_("The query stopped before it could answer. Simplify it and try again."))


def datastore_aggregate(table: TableRef, *, group_by=(), aggregates=("count:*",), filters=None, q=None,
                        limit: int = 1000, timeout: float | None = None) -> dict:
    """Grouping and aggregation: aggregates are "count:*", "sum:amount", "avg:…", "min:…", "max:…"."""
    groups = [_known(table, name) for name in group_by]
    selects = [ident(n) for n in groups]
    for item in aggregates:
        func, _colon, name = item.partition(":")
        if func not in AGGREGATES or not name:
            raise QueryError(_("“%(item)s” is not an aggregate (use count, sum, avg, min or max).") % {"item": item})
        if name == "*" and func == "count":
            selects.append(f"count(*) AS {ident(item)}")
            continue
        if func in ("sum", "avg") and table.types[_known(table, name)] not in ("integer", "number"):
            raise QueryError(_("“%(name)s” is not a numeric column.") % {"name": name})
        selects.append(f"{func}({ident(_known(table, name))}) AS {ident(item)}")
    clauses, params = _where(table, filters, q)
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    group = f" GROUP BY {', '.join(ident(n) for n in groups)} ORDER BY {', '.join(ident(n) for n in groups)}" \
        if groups else ""
    cur = connection()
    try:
        relation = run(cur, f"SELECT {', '.join(selects)} FROM {table.source}{where}{group} LIMIT {int(limit)}",
                       params, timeout=timeout)
        names = [d[0] for d in relation.description]
        rows = relation.fetchall()
    finally:
        cur.close()
    return {"resource_id": table.key, "group_by": groups, "records": [
        {n: _json_value(v) for n, v in zip(names, row, strict=True)} for row in rows]}


def column_summaries(table: TableRef, *, bins: int = 10, timeout: float | None = None) -> list[dict]:
    """Per column: count, nulls, distinct, min, max; for numbers an equal-width histogram."""
    selects = []
    for f in table.fields:
        c = ident(f["name"])
        orderable = f["type"] != "boolean"
        selects += [f"count({c})", f"count(*) - count({c})", f"count(DISTINCT {c})",
                    f"min({c})" if orderable else "NULL", f"max({c})" if orderable else "NULL"]
    cur = connection()
    try:
        row = run(cur, f"SELECT {', '.join(selects) or '1'} FROM {table.source}", timeout=timeout).fetchone()
        summaries = []
        for i, f in enumerate(table.fields):
            count, nulls, distinct, low, high = row[i * 5:(i + 1) * 5]
            summary = {"name": f["name"], "type": f["type"], "count": count, "nulls": nulls, "distinct": distinct,
                       "min": _json_value(low), "max": _json_value(high)}
            if f["type"] in ("integer", "number") and low is not None:
                summary["histogram"] = _histogram(cur, table, f["name"], float(low), float(high), bins, timeout)
            summaries.append(summary)
    finally:
        cur.close()
    return summaries


def _histogram(cur, table, name, low, high, bins, timeout) -> list[dict]:
    width = (high - low) / bins if high > low else 1.0
    c = ident(name)
    counts = dict(run(cur, f"SELECT least(CAST(floor(({c} - ?) / ?) AS BIGINT), {bins - 1}) AS b, count(*) "
                           f"FROM {table.source} WHERE {c} IS NOT NULL GROUP BY 1", [low, width],
                      timeout=timeout).fetchall())
    used = bins if high > low else 1
    return [{"from": low + i * width, "to": low + (i + 1) * width if high > low else high,
             "count": counts.get(i, 0)} for i in range(used)]


# --- Downloads -----------------------------------------------------------------------------------------------

EXPORT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json",
                "parquet": "application/vnd.apache.parquet",
                "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def export(table: TableRef, fmt: str, *, filters=None, q=None, sort=None, fields=None,
           xlsx_max_rows: int | None = None) -> Iterator[bytes]:
    """The full or filtered table as a stream of bytes (CSV and XLSX cells that could run as formulas are
    prefixed with an apostrophe)."""
    if fmt not in EXPORT_TYPES:
        raise QueryError(_("Downloads are available as CSV, JSON, Parquet or XLSX."))
    names = _names(table, fields)
    clauses, params = _where(table, filters, q)
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    order = _order(parse_sort(table, sort))
    columns = [_formula_safe(n) if fmt == "csv" and table.types[n] == "string" else ident(n) for n in names]
    sql = f"SELECT {', '.join(columns)} FROM {table.source}{where} ORDER BY {order}"
    if fmt == "xlsx":
        cap = conf.xlsx_export_max_rows() if xlsx_max_rows is None else xlsx_max_rows
        count = _count(table, clauses, params)
        if count > cap:
            raise QueryError(_("The spreadsheet download is limited to %(cap)s rows; this selection has %(n)s. "
                               "Download CSV or Parquet, or add filters.") % {"cap": cap, "n": count})
    if fmt == "parquet":
        return _export_parquet(table, sql, params, whole=not clauses and fields in (None, "", []))
    return _export_rows(fmt, sql, params, names)


def _count(table, clauses, params) -> int:
    if not clauses:
        return table.row_count
    cur = connection()
    try:
        return run(cur, f"SELECT count(*) FROM {table.source} WHERE {' AND '.join(clauses)}", params).fetchone()[0]
    finally:
        cur.close()


def _export_rows(fmt: str, sql: str, params: list, names: list[str]) -> Iterator[bytes]:
    cur = connection()
    try:
        if fmt == "csv":
            yield from _csv_batches(cur.sql(sql, params=params).to_arrow_reader(10_000))
            return
        cur.execute(sql, params)
        if fmt == "xlsx":
            yield xlsx_bytes({"data": (names, (list(row) for row in _batches(cur)))})
            return
        yield b"["
        for count, row in enumerate(_batches(cur)):
            record = {n: _json_value(v) for n, v in zip(names, row, strict=True)}
            yield (b",\n" if count else b"\n") + json.dumps(record, ensure_ascii=False).encode()
        yield b"\n]\n"
    finally:
        cur.close()


def _formula_safe(name: str) -> str:
    """Neutralised in the query, so the CSV is written by Arrow without a Python step per cell."""
    return formula_safe_sql(ident(name), ident(name))


def _csv_batches(reader) -> Iterator[bytes]:
    """RFC 4180 CSV (CRLF, quotes only where needed) from Arrow record batches, a batch at a time."""
    sink = io.BytesIO()
    options = pacsv.WriteOptions(eol=CSV_LINE_END, quoting_style="needed")
    with pacsv.CSVWriter(sink, reader.schema, write_options=options) as writer:
        for batch in reader:
            writer.write_batch(batch)
            yield sink.getvalue()
            sink.seek(0)
            sink.truncate()
    if tail := sink.getvalue():
        yield tail


def _batches(cur, size: int = 10000):
    while rows := cur.fetchmany(size):
        yield from rows


def _export_parquet(table: TableRef, sql: str, params: list, *, whole: bool) -> Iterator[bytes]:
    if whole:
        yield from _file_chunks(table.path)
        return
    target = conf.datastore_root() / ".tmp" / f"export-{uuid.uuid4().hex}.parquet"
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        cur = connection()
        try:
            run(cur, f"COPY ({sql}) TO {literal(str(target))} (FORMAT parquet, COMPRESSION zstd)", params)
        finally:
            cur.close()
        yield from _file_chunks(target)
    finally:
        target.unlink(missing_ok=True)


def _file_chunks(path: Path, size: int = 1024 * 1024) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(size):
            yield chunk


def top_values(table: TableRef, names: list[str], *, n: int = 5, timeout: float | None = None) -> dict[str, list]:
    """The most frequent non-empty values of each named column: {name: [(value, count), …]}, most first."""
    out = {}
    cur = connection()
    try:
        for name in names:
            c = ident(_known(table, name))
            rows = run(cur, f"SELECT {c}, count(*) AS n FROM {table.source} WHERE {c} IS NOT NULL "
                            f"GROUP BY {c} ORDER BY n DESC, {c} LIMIT {int(n)}", timeout=timeout).fetchall()
            out[name] = [(_json_value(value), count) for value, count in rows]
    finally:
        cur.close()
    return out
