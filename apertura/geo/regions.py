"""Guatemala's 22 departments and 340 municipalities by INE code (data/gt_geography.json, with its attribution)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

_FILE = Path(__file__).resolve().parent / "data" / "gt_geography.json"


@cache
def _data() -> dict:
    return json.loads(_FILE.read_text(encoding="utf-8"))


@cache
def names() -> dict[str, str]:
    """Every code (department `01`, municipality `0101`) to its name."""
    data = _data()
    return {**{d["code"]: d["name"] for d in data["departments"]},
            **{m["code"]: m["name"] for m in data["municipalities"]}}


def departments() -> list[dict]:
    return _data()["departments"]


def municipalities() -> list[dict]:
    return _data()["municipalities"]


def attribution() -> str:
    return _data()["attribution"]


def unknown_codes(codes) -> list[str]:
    known = names()
    return [str(code) for code in codes if str(code) not in known]


def department_of(code: str) -> str:
    return code[:2]


def spatial_index(codes) -> str:
    """" 01 0101 " — the codes and the departments they imply, space-delimited for `contains` filters."""
    found = set()
    for code in codes:
        found.add(code)
        found.add(department_of(code))
    return " " + " ".join(sorted(found)) + " " if found else ""


def label(code: str) -> str:
    name = names().get(code, code)
    if len(code) == 4:
        return f"{name} ({names().get(code[:2], code[:2])})"
    return name


# (code, name) pairs for form choices, in INE order.
DEPARTMENTS: tuple[tuple[str, str], ...] = tuple((d["code"], d["name"]) for d in departments())


def department_name(code: str) -> str:
    return names().get(code, "") if len(code) == 2 else ""
