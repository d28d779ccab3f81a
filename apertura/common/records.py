"""One schema per record. A record's Ninja schema (in `<app>/schemas.py`) is what the JSON API answers, what the
page's `?format=json` twin shows and where its `?format=csv` columns come from, so the three cannot drift apart.

    data = as_json(ProposalOut, proposal, request=request)      # API and JSON twin: the same dict
    csv_twin("proposals.csv", PROPOSAL_COLUMNS, (csv_row(d, PROPOSAL_COLUMNS) for d in dicts))

CSV columns are dotted paths into that dict ("response.text"); a list of plain values becomes one cell joined
with "; ", a list of records one cell per record's `name` or `title` (or its text), and a path through a list of
records one cell of that field of each ("evidence.date").
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from ninja import Schema

LIST_SEPARATOR = "; "


def as_json(schema: type[Schema], obj: Any, **context: Any) -> dict:
    """The record exactly as the API answers it: encoded by the same encoder as Ninja's renderer (Django's: times
    to the millisecond, UTC as Z), then read back, so dates are ISO strings and UUIDs text here too."""
    data = schema.model_validate(obj, context=context or None).model_dump()
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def as_json_list(schema: type[Schema], objs: Iterable[Any], **context: Any) -> list[dict]:
    return [as_json(schema, obj, **context) for obj in objs]


def _cell(value: Any) -> Any:
    if isinstance(value, list):
        return LIST_SEPARATOR.join(str(_cell(item)) for item in value if item not in (None, ""))
    if isinstance(value, dict):
        return next((value[k] for k in ("name", "title", "text", "acronym", "id") if value.get(k)), "")
    return "" if value is None else value


def csv_row(data: dict, columns: Sequence[str]) -> list:
    """The cells of one record for `columns` (dotted paths into the record's JSON)."""
    row = []
    for column in columns:
        value: Any = data
        for step in column.split("."):
            if isinstance(value, list):  # through a list of records: that field of each ("evidence.date")
                value = [item.get(step) if isinstance(item, dict) else None for item in value]
            else:
                value = value.get(step) if isinstance(value, dict) else None
        row.append(_cell(value))
    return row
