"""Pages of an ingested table read the same rows however they are found: in one query for a small table;
for a large one, by position after sorting only the sort columns (narrowed first by the first sort column's
bound); plain pages as a range of positions; repeated answers from a result cache. Each is checked against
the order computed here in Python."""

import base64
import json

import pytest

from apertura.datastore.engine.query import QueryError, datastore_search
from apertura.datastore.selectors import published_table
from apertura.datastore.services import datastore_ingest

pytestmark = pytest.mark.django_db

ROWS = 2500  # several Parquet row groups would need far more; the logic is the same


def _csv(rows: int) -> str:
    lines = ["sexo,edad,monto,nota"]
    for i in range(rows):
        edad = "" if i % 97 == 0 else str((i * 7919) % 90)  # ties, and some ages missing
        lines.append(f"{'F' if i % 3 else 'M'},{edad},{(i * 31) % 1000 / 10},fila {i + 1}")
    return "\n".join(lines) + "\n"


@pytest.fixture(params=["small", "large"])
def table(request, write, monkeypatch):
    if request.param == "large":  # as the search reads a table of more than SMALL_TABLE_ROWS rows
        monkeypatch.setattr("apertura.datastore.engine.query.SMALL_TABLE_ROWS", 10)
    result = datastore_ingest(key="paging", source_path=write("p.csv", _csv(ROWS)))
    assert result.ok, result.report
    return published_table("paging")


def _expected(filter_sexo=None, descending=False, nulls_first=False):
    """The rows (by _id) in CKAN's order: by edad with missing ages last (or first), then by _id."""
    rows = []
    for i in range(ROWS):
        edad = None if i % 97 == 0 else (i * 7919) % 90
        sexo = "F" if i % 3 else "M"
        if filter_sexo is None or sexo == filter_sexo:
            rows.append((edad, i + 1))
    present = sorted((r for r in rows if r[0] is not None), key=lambda r: (-r[0] if descending else r[0], r[1]))
    missing = [r[1] for r in rows if r[0] is None]
    return missing + [r[1] for r in present] if nulls_first else [r[1] for r in present] + missing


def _walk(table, **search) -> list[int]:
    ids, cursor = [], None
    while True:
        page = datastore_search(table, cursor=cursor, include_total=False, fields="_id", **search)
        ids += [r["_id"] for r in page["records"]]
        cursor = page.get("next_page")
        if not cursor:
            return ids


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("nulls_first", [False, True])
def test_filtered_sorted_pages_by_cursor_and_by_offset_follow_the_sort(table, descending, nulls_first):
    expected = _expected("F", descending, nulls_first)
    sort = f"edad {'desc' if descending else 'asc'}{' nulls first' if nulls_first else ''}"
    search = {"filters": {"sexo": "F"}, "sort": sort, "limit": 300}
    assert _walk(table, **search) == expected
    page = datastore_search(table, offset=600, include_total=True, fields="_id", **search)
    assert [r["_id"] for r in page["records"]] == expected[600:900] and page["total"] == len(expected)


def test_plain_pages_are_ranges_of_rows_in_the_files_order(table):
    assert _walk(table, limit=700) == list(range(1, ROWS + 1))
    page = datastore_search(table, offset=2400, limit=700)
    assert [r["_id"] for r in page["records"]] == list(range(2401, ROWS + 1))
    assert page["records"][0]["nota"] == "fila 2401" and "next_page" not in page
    assert datastore_search(table, offset=ROWS + 10)["records"] == []


def test_a_cursor_from_another_query_is_refused(table):
    sorted_cursor = datastore_search(table, sort="edad", limit=10)["next_page"]
    with pytest.raises(QueryError):
        datastore_search(table, cursor=sorted_cursor)
    plain_cursor = datastore_search(table, limit=10)["next_page"]
    assert datastore_search(table, cursor=plain_cursor, limit=1)["records"][0]["_id"] == 11
    forged = {"s": [["_id", False, False]], "v": ["10; DROP TABLE"]}
    with pytest.raises(QueryError):
        datastore_search(table, cursor=base64.urlsafe_b64encode(json.dumps(forged).encode()).decode())


def test_a_repeated_search_is_answered_alike_and_a_new_version_is_not_served_from_the_cache(table, write):
    first = datastore_search(table, filters={"sexo": "M"}, sort="edad desc", limit=5)
    first["records"][0]["nota"] = "changed by a caller"
    again = datastore_search(table, filters={"sexo": "M"}, sort="edad desc", limit=5)
    assert again["records"][0]["nota"] != "changed by a caller"
    assert [r["_id"] for r in again["records"]] == _expected("M", True)[:5]
    datastore_ingest(key="paging", source_path=write("p2.csv", "sexo,edad,monto,nota\nM,1,2.5,nueva\n"))
    newer = datastore_search(published_table("paging"), filters={"sexo": "M"}, sort="edad desc", limit=5)
    assert [r["nota"] for r in newer["records"]] == ["nueva"] and newer["total"] == 1
