"""The table preview of the resource page, without JavaScript: sort by a column, filter each column with a plain
GET form, and page with keyset cursors in both directions (no OFFSET, so page 10,000 costs what page 1 does).

Query parameters: `sort` (a column) and `order` (asc|desc); `f<n>` the filter of the n-th column (a text cell must
contain it, accents and capitals aside; other columns must equal it); `after` / `before`
the cursor of the row the page starts after or ends before.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import QueryDict
from django.utils.translation import gettext as _

from .engine.query import QueryError, TableRef, datastore_search, encode_cursor

PAGE_ROWS = 25


@dataclass
class Column:
    name: str
    title: str
    type: str
    param: str
    value: str = ""
    sort_url: str = ""
    sorted: str = ""  # "ascending" | "descending" | "" (as aria-sort says it)

    @property
    def numeric(self) -> bool:
        return self.type in ("integer", "number")


@dataclass
class Page:
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    total: int | None = None
    next_query: str = ""
    prev_query: str = ""
    error: str = ""
    filtered: bool = False
    query: str = ""  # the filters and sort, for download links


def _reverse(keys):
    return [(n, not d, not nf) for n, d, nf in keys]


def _query(params: QueryDict, **changes) -> str:
    params = params.copy()
    for key, value in changes.items():
        params.pop(key, None)
        if value:
            params[key] = value
    return params.urlencode()


YES = {"sí", "si", "yes", "true", "verdadero", "1"}
NO = {"no", "false", "falso", "0"}


def _filter_value(f: dict, value: str) -> str:
    if f["type"] == "number" and "." not in value:
        return value.replace(",", ".")  # "3,5" is how a Spanish reader writes three and a half
    if f["type"] == "boolean" and value.lower() in YES | NO:
        return "true" if value.lower() in YES else "false"  # as the preview shows them: sí/no, yes/no
    return value


def selection(table: TableRef, params: QueryDict) -> tuple[dict, dict, list[tuple[str, bool, bool]]]:
    """What the parameters select: (exact filters, words per text column, sort keys ending with _id)."""
    filters, words = {}, {}
    for i, f in enumerate(table.fields):
        value = params.get(f"f{i}", "").strip()[:200]
        if value and f["type"] == "string":
            words[f["name"]] = value
        elif value:
            filters[f["name"]] = _filter_value(f, value)
    sort = params.get("sort", "")
    keys = [(sort, params.get("order") == "desc", False)] if sort in {f["name"] for f in table.fields} else []
    return filters, words, keys + [("_id", False, False)]


def sort_items(keys) -> list[str]:
    """Sort keys as the engine's `sort` takes them."""
    return [f'"{n.replace(chr(34), chr(34) * 2)}" {"desc" if d else "asc"} nulls {"first" if nf else "last"}'
            for n, d, nf in keys]


def preview(table: TableRef, params: QueryDict, *, rows: int = PAGE_ROWS) -> Page:
    filters, words, keys = selection(table, params)
    sort, descending = (keys[0][0], keys[0][1]) if len(keys) > 1 else ("", False)
    base = params.copy()
    for key in ("after", "before", "page", "format"):
        base.pop(key, None)

    columns = []
    for i, f in enumerate(table.fields):
        column = Column(name=f["name"], title=f.get("title") or f["name"], type=f["type"], param=f"f{i}",
                        value=params.get(f"f{i}", "").strip()[:200])
        if f["name"] == sort:
            column.sorted = "descending" if descending else "ascending"
        next_order = "asc" if column.sorted == "descending" else ("desc" if column.sorted else "asc")
        column.sort_url = "?" + _query(base, sort=f["name"], order=next_order)
        columns.append(column)
    page = Page(columns=columns, filtered=bool(filters or words), query=base.urlencode())

    backwards = bool(params.get("before"))
    cursor = params.get("before") if backwards else params.get("after")
    used = _reverse(keys) if backwards else keys
    try:
        result = datastore_search(table, filters=filters, q=words or None, sort=sort_items(used), limit=rows + 1,
                                  cursor=cursor or None, include_total=True)
    except QueryError as exc:
        page.error = str(exc)
        return page
    records = result["records"]
    more = len(records) > rows
    records = records[:rows]
    if backwards:
        records.reverse()
    page.total = result.get("total")
    page.rows = [[(record[c.name], c) for c in columns] for record in records]
    has_next = more if not backwards else True
    has_prev = more if backwards else bool(cursor)
    if records and has_next:
        page.next_query = _query(base, after=encode_cursor(keys, records[-1]))
    if records and has_prev:
        page.prev_query = _query(base, before=encode_cursor(_reverse(keys), records[0]))
    if not records and cursor:
        page.error = _("No rows here: start again from the first page.")
    return page
