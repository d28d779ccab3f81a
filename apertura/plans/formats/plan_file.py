"""Reading and checking an action-plan file (format `apertura-plan/1`, YAML or JSON).

Everything is checked before anything is written, and every problem is reported with its place: the
path to the field, the line of the file, and a sentence a plan coordinator can act on.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator

from apertura.common.partial_dates import PartialDate

SCHEMA_PATH = Path(__file__).with_name("plan.schema.json")
# libyaml's loader is several times faster than the pure-Python one; both are "safe" (no object tags).
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
FORMAT = "apertura-plan/1"
# The 5th plan is 127 KB and about 2,500 values; these bounds leave room for plans many times its size.
MAX_CHARACTERS = 20_000_000
MAX_VALUES = 500_000

_KIND_WORDS = {
    "string": "text", "integer": "a whole number", "number": "a number", "array": "a list",
    "object": "a group of fields", "null": "empty", "boolean": "yes or no",
}


@dataclass(frozen=True)
class Problem:
    path: tuple
    message: str
    line: int | None = None

    @property
    def where(self) -> str:
        return ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in self.path).replace(".[", "[")

    def __str__(self) -> str:
        place = f"line {self.line}, " if self.line else ""
        return f"{place}{self.where or 'file'}: {self.message}"


class PlanFileError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@cache
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text())


def read_plan_file(path: str | Path) -> dict:
    """Parse and check a plan file; return its data or raise PlanFileError listing every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PlanFileError([Problem((), f"the file {path} does not exist")]) from None
    except UnicodeDecodeError as error:
        reason = f"the file is not UTF-8 text ({error.reason} at byte {error.start})"
        raise PlanFileError([Problem((), reason)]) from None
    data = parse_plan_text(text)
    _attach_snapshots(data, path)
    return data


def _attach_snapshots(data: dict, path: Path) -> None:
    """Versions may point at a file holding the plan as that version was published; read and check it."""
    for index, version in enumerate(data["plan"].get("versions", [])):
        if "snapshot" not in version:
            continue
        target = (path.parent / version["snapshot"]).resolve()
        if target == path.resolve():
            snapshot = copy.deepcopy(data)
        else:
            try:
                snapshot = parse_plan_text(target.read_text(encoding="utf-8"))
            except FileNotFoundError:
                raise PlanFileError([Problem(("plan", "versions", index, "snapshot"),
                                             f"the snapshot file {version['snapshot']} does not exist")]) from None
            except PlanFileError as error:
                raise PlanFileError([Problem(p.path, f"in snapshot {version['snapshot']}: {p.message}", p.line)
                                     for p in error.problems]) from None
        for other in snapshot["plan"].get("versions", []):
            other.pop("snapshot", None)
        version["snapshot_data"] = snapshot


def parse_plan_text(text: str) -> dict:
    if len(text) > MAX_CHARACTERS:
        raise PlanFileError([Problem((), f"the file has {len(text):,} characters; a plan file may have at most "
                                         f"{MAX_CHARACTERS:,}")])
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            raise PlanFileError([Problem((), "the file is empty")])
        _refuse_expansion(root)
        # Built from the node tree just checked, not by parsing the text a second time.
        data = loader.construct_document(root)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        reason = getattr(error, "problem", None) or str(error)
        raise PlanFileError([Problem((), f"the file cannot be read as YAML or JSON: {reason}",
                                     mark.line + 1 if mark else None)]) from None
    finally:
        loader.dispose()
    problems = _duplicate_keys(root, ())
    problems += _schema_problems(data)
    if not problems:
        problems += _consistency_problems(data)
    if problems:
        lines = _LineFinder(root)
        raise PlanFileError([Problem(p.path, p.message, p.line or lines.line(p.path)) for p in problems])
    return data


def _refuse_expansion(root) -> None:
    """YAML aliases let a 1 KB file stand for billions of values ("billion laughs"); every later step would walk
    them all. Count the values the file stands for, aliases expanded, and stop at a bound no plan comes near."""
    budget = [MAX_VALUES]
    pending = [root]
    while pending:
        node = pending.pop()
        budget[0] -= 1
        if budget[0] < 0:
            raise PlanFileError([Problem((), f"the file stands for more than {MAX_VALUES:,} values once its YAML "
                                             "aliases (*name) are expanded; write the plan out in full",
                                         node.start_mark.line + 1)])
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                pending += (key, value)
        elif isinstance(node, yaml.SequenceNode):
            pending += node.value


def _duplicate_keys(node, path) -> list[Problem]:
    problems = []
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for key, value in node.value:
            if key.value in seen:
                problems.append(Problem(path + (key.value,), f"«{key.value}» appears twice here; keep one",
                                        key.start_mark.line + 1))
            seen.add(key.value)
            problems += _duplicate_keys(value, path + (key.value,))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            problems += _duplicate_keys(item, path + (index,))
    return problems


class _LineFinder:
    def __init__(self, root):
        self.root = root

    def line(self, path) -> int | None:
        node = self.root
        for step in path:
            if isinstance(node, yaml.MappingNode):
                match = next((v for k, v in node.value if k.value == step), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
                match = node.value[step]
            else:
                match = None
            if match is None:
                break
            node = match
        return node.start_mark.line + 1


def _schema_problems(data) -> list[Problem]:
    validator = Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    return [Problem(tuple(error.absolute_path), _plain(error)) for error in errors]


_PATTERN_WORDS = {
    "\\d{4}": "«{v}» is not a date written as YYYY, YYYY-MM or YYYY-MM-DD",
    "[A-Z0-9][A-Za-z0-9-]": "«{v}» is not an acronym: a capital letter or digit, then letters, digits or hyphens",
    "^\\d+\\.\\d+$": "«{v}» is not a milestone number such as 4.3",
    "[a-z0-9][a-z0-9-]": "«{v}» is not a code: lower-case letters, digits and hyphens, such as 2021-2023",
    "@": "«{v}» is not an e-mail address",
    "^[A-Z]{2}$": "«{v}» is not a two-letter country code such as GT",
    "\\S": "must not be empty",
}


def _plain(error) -> str:
    """Turn a JSON Schema error into a sentence for a plan coordinator."""
    value = error.instance
    kind = error.validator
    if kind == "required":
        missing = [name for name in error.validator_value if name not in (value or {})]
        return "missing: " + ", ".join(f"«{name}»" for name in missing)
    if kind == "additionalProperties":
        extra = sorted(set(value) - set(error.schema.get("properties", {})))
        known = ", ".join(error.schema.get("properties", {}))
        return f"unknown field {', '.join(f'«{e}»' for e in extra)} (check the spelling; known fields: {known})"
    if kind in ("enum", "const"):
        allowed = error.validator_value if kind == "enum" else [error.validator_value]
        return f"«{value}» is not allowed here; use one of: {', '.join(str(a) for a in allowed)}"
    if kind == "type":
        wanted = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        return f"should be {' or '.join(_KIND_WORDS.get(w, w) for w in wanted)}, not «{value}»"
    if kind == "anyOf":  # only dates-or-null use anyOf
        return _PATTERN_WORDS["\\d{4}"].format(v=value)
    if kind == "pattern":
        for fragment, words in _PATTERN_WORDS.items():
            if fragment in error.validator_value:
                return words.format(v=value)
    if kind == "minLength":
        return "must not be empty"
    if kind == "minItems":
        return "the list must not be empty"
    if kind == "uniqueItems":
        return "the list repeats an item"
    if kind in ("minimum", "maximum"):
        return f"«{value}» is out of range (the {kind} is {error.validator_value})"
    return error.message


def _consistency_problems(data: dict) -> list[Problem]:
    """Checks a schema cannot express: references, numbering and real dates."""
    from apertura.institutions.models import Institution

    problems: list[Problem] = []
    declared = [inst["acronym"] for inst in data["institutions"]]
    for index, acronym in enumerate(declared):
        if declared.index(acronym) != index:
            problems.append(Problem(("institutions", index, "acronym"), f"«{acronym}» is declared twice"))
    known = set(declared) | set(Institution.objects.values_list("acronym", flat=True))
    themes = {theme["code"] for theme in data["plan"].get("themes", [])}

    def check_acronym(path, acronym):
        if acronym not in known:
            problems.append(Problem(path, f"unknown institution «{acronym}»: declare it under «institutions»"))

    def check_dates(path, record, start_key, end_key):
        parsed = {}
        for key in (start_key, end_key):
            if record.get(key) is None:
                continue
            try:
                parsed[key] = PartialDate.parse(str(record[key]))
            except ValueError as error:
                problems.append(Problem(path + (key,), str(error)))
        if len(parsed) == 2 and parsed[end_key].last_day() < parsed[start_key].date:
            problems.append(Problem(path + (end_key,),
                                    f"ends ({record[end_key]}) before it starts ({record[start_key]})"))

    check_dates(("plan",), data["plan"], "period_start", "period_end")
    numbers = [c["number"] for c in data["commitments"]]
    for c_index, commitment in enumerate(data["commitments"]):
        path = ("commitments", c_index)
        if numbers.index(commitment["number"]) != c_index:
            problems.append(Problem(path + ("number",), f"commitment {commitment['number']} appears twice"))
        check_acronym(path + ("lead",), commitment["lead"])
        check_dates(path, commitment, "start", "end")
        for key in ("supporting_institutions", "civil_society"):
            for i, acronym in enumerate(commitment.get(key, [])):
                check_acronym(path + (key, i), acronym)
        for i, contact in enumerate(commitment.get("contacts", [])):
            check_acronym(path + ("contacts", i, "institution"), contact["institution"])
        for i, code in enumerate(commitment.get("themes", [])):
            if code not in themes:
                problems.append(Problem(path + ("themes", i), f"unknown theme «{code}»: declare it under plan.themes"))
        seen = set()
        for m_index, milestone in enumerate(commitment["milestones"]):
            m_path = path + ("milestones", m_index)
            prefix, _dot, _seq = milestone["number"].partition(".")
            if int(prefix) != commitment["number"]:
                problems.append(Problem(m_path + ("number",),
                                        f"milestone {milestone['number']} does not belong to commitment "
                                        f"{commitment['number']}: number it {commitment['number']}.x"))
            if milestone["number"] in seen:
                problems.append(Problem(m_path + ("number",), f"milestone {milestone['number']} appears twice"))
            seen.add(milestone["number"])
            for i, acronym in enumerate(milestone["responsible"]):
                check_acronym(m_path + ("responsible", i), acronym)
            check_dates(m_path, milestone, "start", "end")
    return problems
