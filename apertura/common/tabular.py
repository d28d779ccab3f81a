"""Writers for the CSV and XLSX twins of public pages, and the one definition of what they guard against.

Spreadsheet programs execute a cell that starts with = + - @ (or a tab / carriage return) as a
formula, so every exported text cell that starts that way is prefixed with an apostrophe: here for cells
written by Python, in `formula_safe_sql` for columns written by DuckDB and Arrow. Every CSV file the platform
writes is RFC 4180: comma, CRLF line ends, quotes only where needed.
"""

import csv
import datetime as dt
import io
import itertools
from collections.abc import Iterable, Iterator, Sequence

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, StreamingHttpResponse

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_LINE_END = "\r\n"


def neutralise(value):
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def formula_start_sql(column: str) -> str:
    """SQL (DuckDB) that is true where the text `column` (an already quoted expression) would run as a formula."""
    starts = ", ".join(f"chr({ord(c)})" for c in FORMULA_START)
    return f"left({column}, 1) IN ({starts})"


def formula_safe_sql(column: str, alias: str) -> str:
    """`neutralise` done by the database: the column with an apostrophe before every cell that would run."""
    return f"CASE WHEN {formula_start_sql(column)} THEN chr(39) || {column} ELSE {column} END AS {alias}"


_JSON = DjangoJSONEncoder()


def _text(cell):
    """A CSV cell: times as the JSON twins and the API write them (ISO 8601, milliseconds, UTC as Z)."""
    if cell is None:
        return ""
    if isinstance(cell, dt.date | dt.time):
        return _JSON.default(cell)
    return neutralise(cell)


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence], *, size: int = 64 * 1024) -> Iterator[str]:
    """The CSV in pieces of about `size` characters, so a large export is streamed, not built in memory."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=CSV_LINE_END)
    for row in itertools.chain([header], ([_text(cell) for cell in row] for row in rows)):
        writer.writerow(row)
        if buffer.tell() >= size:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_text(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    return "".join(csv_chunks(header, rows))


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> HttpResponse:
    response = HttpResponse(csv_text(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_streaming_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> StreamingHttpResponse:
    """Like csv_response, for exports that grow with the data: rows are read and sent as they come."""
    response = StreamingHttpResponse(csv_chunks(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_bytes(sheets: dict[str, tuple[Sequence[str], Iterable[Sequence]]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for title, (header, rows) in sheets.items():
        sheet = workbook.create_sheet(title=title[:31])
        sheet.append(list(header))
        for row in rows:
            sheet.append([neutralise(cell) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
