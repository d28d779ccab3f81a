"""Place names and codes as people write them in spreadsheets, matched to INE codes.

Accents, case, punctuation, a leading article ("El Quiché") and a "Departamento de" prefix do not matter; INE
codes may come as numbers that lost their leading zero (`101`), as ISO 3166-2 (`GT-01`, or the pre-2021 `GT-QC`)
or as OCHA P-codes (`GT0101`). Many departments share their name with their capital municipality ("Guatemala",
"Zacapa"), and some municipality names repeat across departments ("San José"): the column's level says which is
meant, and a department given beside a municipality settles the rest.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import cache

from . import regions

DEPARTMENT, MUNICIPALITY = "department", "municipality"
LEVELS = (DEPARTMENT, MUNICIPALITY)

# ISO 3166-2:GT alpha codes in use before 2021-11-25; old files still carry them.
LEGACY_ISO = {"AV": "16", "BV": "15", "CM": "04", "CQ": "20", "ES": "05", "GU": "01", "HU": "13", "IZ": "18",
              "JA": "21", "JU": "22", "PE": "17", "PR": "02", "QC": "14", "QZ": "09", "RE": "11", "SA": "03",
              "SM": "12", "SO": "07", "SR": "06", "SU": "10", "TO": "08", "ZA": "19"}
# Spellings found in real files that no accent or case folding turns into the INE name.
DEPARTMENT_ALIASES = {"quezaltenango": "09"}
MUNICIPALITY_ALIASES = {"ciudad de guatemala": "0101", "guatemala city": "0101", "ciudad capital": "0101",
                        "xela": "0901", "xelaju": "0901", "quezaltenango": "0901", "santa cruz del quiche": "1401",
                        "coban": "1601", "flores peten": "1701", "puerto barrios": "1801"}
_PREFIX = re.compile(r"^(departamento|depto|dpto|municipio|mun|muni|department|municipality)\b\.?\s*(de\s+)?")
_ARTICLE = re.compile(r"^(el|la|los|las)\s+")


def normalise(text) -> str:
    """'  El QUICHÉ ' → 'quiche': no accents, lower case, single spaces, no prefix or leading article."""
    text = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    text = _PREFIX.sub("", text)
    return _ARTICLE.sub("", text)


@dataclass(frozen=True)
class _Index:
    departments: dict[str, str]
    municipalities: dict[str, tuple[str, ...]]


@cache
def _index() -> _Index:
    departments = {normalise(d["name"]): d["code"] for d in regions.departments()}
    departments.update(DEPARTMENT_ALIASES)
    municipalities = defaultdict(set)
    for m in regions.municipalities():
        for name in (m["name"], m.get("short_name", "")):
            if name:
                municipalities[normalise(name)].add(m["code"])
    for alias, code in MUNICIPALITY_ALIASES.items():
        municipalities[alias].add(code)
    return _Index(departments, {k: tuple(sorted(v)) for k, v in municipalities.items()})


def _code(value: str, level: str) -> str | None:
    """An INE code written as digits (maybe without its leading zero) or as ISO / P-code."""
    text = str(value).strip().upper()
    if re.fullmatch(r"\d+\.0+", text):  # a spreadsheet turned the code into a decimal number
        text = text.split(".")[0]
    iso = re.fullmatch(r"GT-?([A-Z]{2}|\d{1,4})", text)
    if iso:
        text = LEGACY_ISO.get(iso.group(1), iso.group(1))
    if not text.isdigit():
        return None
    width = 2 if level == DEPARTMENT else 4
    code = text.zfill(width)
    return code if len(code) == width and code in regions.names() else None


def candidates(value, *, level: str) -> tuple[str, ...]:
    """Every INE code `value` may name at `level` (more than one for a municipality name that repeats)."""
    if value is None or str(value).strip() == "":
        return ()
    code = _code(value, level)
    if code:
        return (code,)
    key = normalise(value)
    if level == DEPARTMENT:
        found = _index().departments.get(key)
        return (found,) if found else ()
    return _index().municipalities.get(key, ())


def match(value, *, level: str, department: str | None = None) -> str | None:
    """The INE code `value` names at `level`, or None when it names nothing, or more than one place that
    `department` (a code or name of the department, when known) does not tell apart."""
    found = candidates(value, level=level)
    if not found and level == MUNICIPALITY and "," in str(value):  # "Mixco, Guatemala"
        name, _comma, rest = str(value).partition(",")
        return match(name, level=level, department=rest)
    if department and len(found) > 1:
        dept = match(department, level=DEPARTMENT)
        found = tuple(c for c in found if c[:2] == dept)
    return found[0] if len(found) == 1 else None


NAME_HINTS = {DEPARTMENT: re.compile(r"dep(ar)?t|dpto|provinc", re.I),
              MUNICIPALITY: re.compile(r"(^|[^a-z])(muni|ciudad)", re.I)}  # not "comunidad"


def detect_level(column: str, values) -> tuple[str | None, float]:
    """Whether a column holds departments or municipalities, and the share of its distinct values that match.

    The column's name decides when it says so; otherwise the level that places more values wins, departments
    first on a tie (a column of "Guatemala", "Zacapa"… is far more often departments)."""
    values = [v for v in {str(v).strip() for v in values if v is not None} if v]
    if not values:
        return None, 0.0
    rates = {level: sum(1 for v in values if candidates(v, level=level)) / len(values) for level in LEVELS}
    hinted = [level for level in (MUNICIPALITY, DEPARTMENT) if NAME_HINTS[level].search(column or "")]
    if hinted and rates[hinted[0]] > 0:
        return hinted[0], rates[hinted[0]]
    best = max(LEVELS, key=lambda level: (rates[level], level == DEPARTMENT))
    return (best, rates[best]) if rates[best] > 0 else (None, 0.0)
