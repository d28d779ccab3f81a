import csv
import io
import json
import time

import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

from apertura.datastore.engine.query import (
    QueryError,
    QueryTimeout,
    column_summaries,
    datastore_aggregate,
    datastore_info,
    datastore_search,
    datastore_search_sql,
    export,
)
from apertura.datastore.engine.sqlguard import SQLRefused, check_sql
from apertura.datastore.selectors import published_tables

pytestmark = pytest.mark.django_db

DEPARTMENTS = ["Guatemala", "Petén", "Quiché", "Alta Verapaz", "Escuintla"]


def _people_csv(n=60):
    lines = ["municipio,departamento,sexo,edad,monto,nota"]
    for i in range(n):
        note = "=CMD()" if i == 0 else ("" if i % 7 == 0 else f"registro {i}")
        lines.append(f"{i % 5:02d}{i % 3 + 1:02d},{DEPARTMENTS[i % 5]},{'MF'[i % 2]},{i % 90},{i * 1.5},{note}")
    return "\n".join(lines) + "\n"


@pytest.fixture
def people(published):
    return published("people", _people_csv())


def test_filters_sort_fields_limit_offset_total(people):
    result = datastore_search(people, filters={"sexo": "F", "departamento": ["Petén", "Escuintla"]},
                              sort="edad desc, monto", fields="municipio,edad", limit=3, offset=1)
    assert result["total"] == 12
    assert [f["id"] for f in result["fields"]] == ["municipio", "edad"]
    everything = datastore_search(people, filters={"sexo": "F", "departamento": ["Petén", "Escuintla"]},
                                  sort="edad desc, monto", fields="municipio,edad", limit=100)["records"]
    assert result["records"] == everything[1:4]
    assert [r["edad"] for r in everything] == sorted((r["edad"] for r in everything), reverse=True)


def test_filter_values_are_cast_to_the_column_type(people):
    assert datastore_search(people, filters={"edad": "3"})["total"] == 1
    assert datastore_search(people, filters='{"municipio": "0101"}')["total"] == 4


def test_q_searches_text_columns_ignoring_accents_and_case(people):
    assert datastore_search(people, q="PETEN")["total"] == 12
    assert datastore_search(people, q="peten registro 11")["total"] == 1
    assert datastore_search(people, q={"departamento": "verapaz"})["total"] == 12


def test_include_total_and_records_formats(people):
    result = datastore_search(people, include_total=False, limit=2, records_format="lists", fields=["edad", "nota"])
    assert "total" not in result and result["records"] == [[0, "=CMD()"], [1, "registro 1"]]
    text = datastore_search(people, limit=1, records_format="csv", fields=["nota"])["records"]
    assert text == "'=CMD()\n"


def test_keyset_pages_equal_offset_pages(people):
    for sort in ["edad desc, monto", "departamento, nota desc", "nota nulls first", None]:
        by_offset = [datastore_search(people, sort=sort, limit=7, offset=o)["records"] for o in range(0, 63, 7)]
        pages, cursor = [], None
        for _page in range(9):
            result = datastore_search(people, sort=sort, limit=7, cursor=cursor)
            pages.append(result["records"])
            cursor = result.get("next_page")
        assert pages == by_offset, sort


def test_bad_parameters_are_refused(people):
    for kwargs in [{"filters": {"nope": 1}}, {"sort": "edad; drop table x"}, {"fields": "edad,secret"},
                   {"limit": 40000}, {"offset": -1}, {"records_format": "xml"}, {"cursor": "garbage"}]:
        with pytest.raises(QueryError):
            datastore_search(people, **kwargs)
    cursor = datastore_search(people, sort="edad", limit=1)["next_page"]
    with pytest.raises(QueryError):
        datastore_search(people, sort="monto", cursor=cursor)


def test_info_lists_fields_and_count(people):
    info = datastore_info(people)
    assert info["meta"]["count"] == 60
    assert [(f["id"], f["type"]) for f in info["fields"]][:5] == [
        ("_id", "int"), ("municipio", "text"), ("departamento", "text"), ("sexo", "text"), ("edad", "int")]


def test_summaries(people):
    summaries = {s["name"]: s for s in column_summaries(people, bins=4)}
    assert summaries["edad"] | {"histogram": None} == {
        "name": "edad", "type": "integer", "count": 60, "nulls": 0, "distinct": 60, "min": 0, "max": 59,
        "histogram": None}
    assert sum(b["count"] for b in summaries["edad"]["histogram"]) == 60
    assert len(summaries["edad"]["histogram"]) == 4
    assert summaries["nota"]["nulls"] == 8 and summaries["departamento"]["distinct"] == 5


def test_aggregate(people):
    result = datastore_aggregate(people, group_by=["sexo"], aggregates=["count:*", "sum:edad", "max:monto"])
    assert [(r["sexo"], r["count:*"]) for r in result["records"]] == [("F", 30), ("M", 30)]
    with pytest.raises(QueryError):
        datastore_aggregate(people, aggregates=["sum:departamento"])
    with pytest.raises(QueryError):
        datastore_aggregate(people, aggregates=["drop:edad"])


def test_csv_export_neutralises_formulas_and_streams(people):
    chunks = list(export(people, "csv", filters={"sexo": "M"}))
    rows = list(csv.reader(io.StringIO(b"".join(chunks).decode())))
    assert rows[0][0] == "_id" and len(rows) == 31
    everything = list(csv.reader(io.StringIO(b"".join(export(people, "csv")).decode())))
    assert everything[1][-1] == "'=CMD()"


def test_xlsx_export_neutralises_formulas_and_has_a_cap(people, tmp_path):
    path = tmp_path / "out.xlsx"
    path.write_bytes(b"".join(export(people, "xlsx")))
    sheet = load_workbook(path).active
    assert sheet["G2"].value == "'=CMD()" and sheet.max_row == 61
    with pytest.raises(QueryError):
        export(people, "xlsx", xlsx_max_rows=10)


def test_json_and_parquet_exports(people, tmp_path):
    records = json.loads(b"".join(export(people, "json", q="petén")))
    assert len(records) == 12 and records[0]["departamento"] == "Petén"
    path = tmp_path / "out.parquet"
    path.write_bytes(b"".join(export(people, "parquet", filters={"sexo": "F"})))
    assert pq.read_table(path).num_rows == 30
    path.write_bytes(b"".join(export(people, "parquet")))
    assert pq.read_table(path).num_rows == 60


# --- datastore_search_sql ------------------------------------------------------------------------------------

@pytest.fixture
def two_tables(published):
    published("people", _people_csv())
    published("deps", "codigo,departamento\n01,Guatemala\n17,Petén\n")
    return published_tables()


def test_sql_allows_select_group_by_and_join(two_tables):
    result = datastore_search_sql(
        'SELECT p.departamento, d.codigo, count(*) AS n FROM people p JOIN deps d USING (departamento) '
        'GROUP BY ALL ORDER BY n DESC, d.codigo', tables=two_tables)
    assert result["records"] == [{"departamento": "Guatemala", "codigo": "01", "n": 12},
                                 {"departamento": "Petén", "codigo": "17", "n": 12}]
    result = datastore_search_sql("WITH x AS (SELECT edad FROM people WHERE edad > 50) "
                                  "SELECT count(*) AS n FROM x UNION ALL SELECT 1", tables=two_tables)
    assert result["records"][0]["n"] == 9


def test_sql_limits_rows(two_tables):
    result = datastore_search_sql("SELECT * FROM people", tables=two_tables, max_rows=10)
    assert len(result["records"]) == 10 and result["records_truncated"]


ATTACKS = [
    "INSERT INTO people VALUES (1)",
    "UPDATE people SET edad = 0",
    "DELETE FROM people",
    "DROP TABLE people",
    "CREATE TABLE x AS SELECT * FROM people",
    "SELECT 1; DROP TABLE people",
    "SELECT * FROM people; SELECT * FROM deps",
    "SELECT * FROM secret_table",
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_csv_auto('/etc/passwd')",
    "SELECT * FROM read_parquet('/tmp/*.parquet')",
    "SELECT * FROM read_json('/etc/hosts')",
    "SELECT * FROM read_text('/etc/passwd')",
    "SELECT * FROM parquet_scan('/tmp/x.parquet')",
    "SELECT * FROM glob('/*')",
    "SELECT * FROM '/etc/passwd'",
    "SELECT * FROM 'people.parquet'",
    "SELECT * FROM people WHERE edad IN (SELECT 1 FROM read_csv('/etc/passwd'))",
    "SELECT getenv('HOME') FROM people",
    "SELECT current_setting('allowed_directories') FROM people",
    "SELECT * FROM duckdb_settings()",
    "SELECT * FROM duckdb_tables()",
    "SELECT * FROM information_schema.tables",
    "SELECT * FROM main.people",
    "SELECT * FROM pragma_database_list",
    "ATTACH '/tmp/x.db' AS x",
    "COPY people TO '/tmp/stolen.csv'",
    "COPY (SELECT * FROM people) TO '/tmp/stolen.csv'",
    "PRAGMA database_list",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SET enable_external_access = true",
    "EXPORT DATABASE '/tmp/x'",
    "CALL pragma_version()",
    "SELECT * INTO newtable FROM people",
    "SELECT 1",
    "SELECT * FROM query('SELECT 1')",
    "DESCRIBE people",
    "SHOW TABLES",
    "not sql at all (",
    "VALUES (1)",
    "EXPLAIN SELECT * FROM people",
    "SELECT * FROM people UNION ALL SELECT * FROM read_parquet('/tmp/x.parquet')",
    "SELECT * FROM people JOIN LATERAL read_csv('/etc/passwd') ON true",
    "SELECT * FROM people, information_schema.columns",
    "SELECT * FROM people WHERE nota IN (SELECT name FROM duckdb_secrets())",
    "WITH x AS (SELECT * FROM read_csv('/etc/passwd')) SELECT * FROM people, x",
    "SELECT * FROM people WHERE edad > (SELECT count(*) FROM range(10000000000))",
]


@pytest.mark.parametrize("sql", ATTACKS)
def test_sql_guard_refuses(sql):
    with pytest.raises(SQLRefused):
        check_sql(sql, allowed_tables={"people", "deps"})


def test_sql_guard_refusal_also_holds_when_run(two_tables):
    with pytest.raises(SQLRefused):
        datastore_search_sql("SELECT * FROM read_csv('/etc/passwd')", tables=two_tables)


def test_runaway_query_is_stopped(two_tables):
    began = time.perf_counter()
    with pytest.raises(QueryTimeout):
        datastore_search_sql("SELECT count(*) FROM people a, people b, people c, people d, people e, people f",
                             tables=two_tables, timeout=1.0)
    assert time.perf_counter() - began < 5
