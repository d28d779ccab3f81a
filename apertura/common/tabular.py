"""Writers for the CSV and XLSX twins of public pages.

Spreadsheet programs execute a cell that starts with = + - @ (or a tab / carriage return) as a
formula, so every exported text cell that starts that way is prefixed with an apostrophe.
"""

import csv
import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if cell is None else neutralise(cell) for cell in row])
    return buffer.getvalue()


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> HttpResponse:
    response = HttpResponse(csv_text(header, rows), content_type="text/csv; charset=utf-8")
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
