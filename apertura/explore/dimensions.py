"""Which columns of a table are dimensions of disaggregation: sex, age group, department, municipality, ethnicity,
education level. The Table Schema says so with a field property `"apertura:dimension": "sex"`; otherwise the
column's name and values tell (a column called "sexo" holding "Hombre"/"Mujer")."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.cache import cache

from apertura.datastore.engine.query import TableRef, connection, datastore_aggregate, run
from apertura.datastore.engine.sql import ident
from apertura.datastore.vocabulary import DIMENSION, DIMENSION_KINDS
from apertura.geo.matching import DEPARTMENT, MUNICIPALITY, NAME_HINTS, detect_level, normalise

PROPERTY, DIMENSIONS = DIMENSION, DIMENSION_KINDS
MAX_CATEGORIES = 400  # more distinct values than this is not a category to break down by

_NAMES = {
    "sex": re.compile(r"^(sexo|sex|genero|gender)\b"),
    "age_group": re.compile(r"(grupo|rango|group|range)s? (de )?(edad|etario|age)|^edad(es)?$|^age$|etario"),
    "ethnicity": re.compile(r"etni|pueblo|ethnic|comunidad linguistica"),
    "education_level": re.compile(r"(nivel|grado)s? (educativo|academico|escolar|de escolaridad|de estudios)|"
                                  r"escolaridad|education"),
}
_VALUES = {
    "sex": {"hombre", "mujer", "hombres", "mujeres", "masculino", "femenino", "m", "f", "h", "male", "female",
            "men", "women", "ignorado", "no indica", "sin dato", "otro"},
    "ethnicity": {"maya", "garifuna", "xinka", "xinca", "ladino", "mestizo", "ladino mestizo", "afrodescendiente",
                  "creole", "afromestizo", "extranjero", "extranjera", "otro", "otra", "ignorado", "no indica"},
    "education_level": {"ninguno", "ninguna", "preprimaria", "primaria", "basico", "basicos", "diversificado",
                        "secundaria", "universitario", "universidad", "licenciatura", "maestria", "doctorado",
                        "postgrado", "media", "superior", "ignorado", "no indica"},
}
# Written after normalise(): "15-19" → "15 19", "65 y más" → "65 y mas", "60+" → "60", "menos de 1" as is.
_AGE_VALUE = re.compile(r"^(menos de|menor de|mas de|under|over)? ?\d{1,3}( (a|to|y|o|and))?( \d{1,3})?"
                        r"( (anos|y mas|o mas|and over|mas|over|years))*$")


@dataclass
class Dimension:
    name: str  # the column
    kind: str  # one of DIMENSIONS
    declared: bool  # from the Table Schema rather than guessed

    @property
    def label(self) -> str:
        return str(DIMENSIONS[self.kind])


def categories(table: TableRef, column: str) -> list | None:
    """The distinct values of a column, or None when there are too many to be categories."""
    records = datastore_aggregate(table, group_by=[column], aggregates=["count:*"], limit=MAX_CATEGORIES + 1)
    values = [r[column] for r in records["records"]]
    return None if len(values) > MAX_CATEGORIES else values


def _guess(field: dict, values: list) -> str | None:
    name = normalise(field.get("title") or "") + " " + normalise(field["name"])
    words = {normalise(v) for v in values if v is not None and str(v).strip()}
    if not words:
        return None
    for kind in ("sex", "ethnicity", "education_level"):
        fits = len(words & _VALUES[kind]) / len(words)
        if (_NAMES[kind].search(name) and fits >= 0.5) or (fits >= 0.9 and len(words) >= 2 and kind != "ethnicity"):
            return kind
    if _NAMES["age_group"].search(name) and sum(1 for w in words if _AGE_VALUE.match(w)) / len(words) >= 0.6:
        return "age_group"
    # Small whole numbers are departments only when the column's name says so (a count of 1 to 22 is not).
    if field["type"] == "string" or NAME_HINTS[DEPARTMENT].search(name) or NAME_HINTS[MUNICIPALITY].search(name):
        level, rate = detect_level(field["name"], values)
        if level and rate >= 0.8:
            return level
    return None


def _few_values(table: TableRef) -> set[str]:
    """Columns that could be categories, found in one pass (approximate distinct counts are plenty here)."""
    names = [f["name"] for f in table.fields if f["type"] in ("string", "integer") and PROPERTY not in f]
    if not names:
        return set()
    cur = connection()
    try:
        row = run(cur, f"SELECT {', '.join(f'approx_count_distinct({ident(n)})' for n in names)} "
                       f"FROM {table.source}").fetchone()
    finally:
        cur.close()
    return {n for n, count in zip(names, row, strict=True) if count <= MAX_CATEGORIES * 1.1}


def dimensions(table: TableRef) -> list[Dimension]:
    """The table's dimension columns; declared ones as declared, the others guessed once per table version."""
    key = f"explore:dimensions:v1:{table.key}:{table.path.name}:" + ",".join(
        f"{f['name']}={f.get(PROPERTY, '')}" for f in table.fields)
    guessed = cache.get(key)
    if guessed is None:
        guessed = {}
        candidates = _few_values(table)
        for field in table.fields:
            if field["name"] in candidates:
                values = categories(table, field["name"])
                kind = _guess(field, values) if values else None
                if kind:
                    guessed[field["name"]] = kind
        cache.set(key, guessed, 7 * 24 * 3600)
    found = []
    for field in table.fields:
        declared = field.get(PROPERTY)
        if declared in DIMENSIONS:
            found.append(Dimension(name=field["name"], kind=declared, declared=True))
        elif field["name"] in guessed:
            found.append(Dimension(name=field["name"], kind=guessed[field["name"]], declared=False))
    return found
