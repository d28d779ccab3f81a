"""Field-by-field comparison of two versions of a plan, each an `apertura-plan/1` document (schemas.PlanDiffOut
writes it out)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

COMMITMENT_FIELDS = ["title", "start", "end", "lead", "supporting_institutions", "civil_society", "other_actors",
                     "themes", "ogp_values", "sdgs", "problem", "commitment", "contribution", "relevance",
                     "additional_info", "observations"]
MILESTONE_FIELDS = ["text", "responsible", "responsible_note", "start", "end"]
SAME_MILESTONE = 0.6  # share of words two texts have in common to be taken as one milestone
LONG_TEXT = {"problem", "commitment", "contribution", "relevance", "additional_info", "observations", "text"}


@dataclass
class Change:
    field: str
    old: object
    new: object

    @property
    def is_text(self) -> bool:
        return self.field in LONG_TEXT and isinstance(self.old or "", str) and isinstance(self.new or "", str)

    def words(self) -> list[tuple[str, str]]:
        """The text as (kind, words) runs: kind is "same", "del" or "ins"."""
        old, new = (self.old or "").split(), (self.new or "").split()
        runs = []
        for op, a1, a2, b1, b2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
            if op == "equal":
                runs.append(("same", " ".join(old[a1:a2])))
            else:
                if a2 > a1:
                    runs.append(("del", " ".join(old[a1:a2])))
                if b2 > b1:
                    runs.append(("ins", " ".join(new[b1:b2])))
        return runs


@dataclass
class MilestoneDiff:
    number: str
    status: str  # added, removed, changed, renumbered
    changes: list[Change] = field(default_factory=list)
    old: dict | None = None
    new: dict | None = None


@dataclass
class CommitmentDiff:
    number: int
    title: str
    status: str  # added, removed, changed
    changes: list[Change] = field(default_factory=list)
    milestones: list[MilestoneDiff] = field(default_factory=list)


@dataclass
class PlanDiff:
    commitments: list[CommitmentDiff]

    @property
    def counts(self) -> dict[str, int]:
        counts = {"commitments_added": 0, "commitments_removed": 0, "commitments_changed": 0,
                  "milestones_added": 0, "milestones_removed": 0, "milestones_changed": 0,
                  "milestones_renumbered": 0}
        for c in self.commitments:
            counts[f"commitments_{c.status}"] += 1
            for m in c.milestones:
                counts[f"milestones_{m.status}"] += 1
        return counts


def _normalise(value):
    if isinstance(value, str):
        return " ".join(value.split()) or None
    if isinstance(value, list):
        return sorted(value, key=str)
    return value


def _changes(old: dict, new: dict, fields: list[str]) -> list[Change]:
    return [Change(name, old.get(name), new.get(name)) for name in fields
            if _normalise(old.get(name)) != _normalise(new.get(name))]


def diff_plans(old: dict, new: dict) -> PlanDiff:
    old_c = {c["number"]: c for c in old["commitments"]}
    new_c = {c["number"]: c for c in new["commitments"]}
    result = []
    for number in sorted(old_c.keys() | new_c.keys()):
        before, after = old_c.get(number), new_c.get(number)
        if before is None or after is None:
            present = after or before
            result.append(CommitmentDiff(number, present["title"], "added" if before is None else "removed",
                                         milestones=[MilestoneDiff(m["number"], "added" if before is None else
                                                                   "removed", old=None if before is None else m,
                                                                   new=m if before is None else None)
                                                     for m in present["milestones"]]))
            continue
        milestones = _milestone_diffs(before["milestones"], after["milestones"])
        changes = _changes(before, after, COMMITMENT_FIELDS)
        if changes or milestones:
            result.append(CommitmentDiff(number, after["title"], "changed", changes, milestones))
    return PlanDiff(result)


def _similar(a: dict, b: dict) -> float:
    return difflib.SequenceMatcher(None, a["text"].split(), b["text"].split(), autojunk=False).ratio()


def _milestone_diffs(old: list[dict], new: list[dict]) -> list[MilestoneDiff]:
    """Pair milestones by number when their texts still match, otherwise by text, so that a renumbered
    milestone shows as moved (with what changed) rather than as one removed and another added."""
    old_m = {m["number"]: m for m in old}
    new_m = {m["number"]: m for m in new}
    pairs = {n: n for n in old_m.keys() & new_m.keys() if _similar(old_m[n], new_m[n]) >= SAME_MILESTONE}
    free_old = [n for n in old_m if n not in pairs]
    free_new = [n for n in new_m if n not in pairs.values()]
    candidates = sorted(((_similar(old_m[a], new_m[b]), a, b) for a in free_old for b in free_new), reverse=True)
    for score, a, b in candidates:
        if score >= SAME_MILESTONE and a in free_old and b in free_new:
            pairs[a] = b
            free_old.remove(a)
            free_new.remove(b)
    for n in list(free_old):  # same number, text rewritten beyond recognition: still the same milestone
        if n in free_new:
            pairs[n] = n
            free_old.remove(n)
            free_new.remove(n)
    diffs = []
    for a, b in pairs.items():
        changes = _changes(old_m[a], new_m[b], MILESTONE_FIELDS)
        if a != b:
            diffs.append(MilestoneDiff(b, "renumbered", [Change("number", a, b), *changes], old_m[a], new_m[b]))
        elif changes:
            diffs.append(MilestoneDiff(b, "changed", changes, old_m[a], new_m[b]))
    diffs += [MilestoneDiff(n, "removed", old=old_m[n]) for n in free_old]
    diffs += [MilestoneDiff(n, "added", new=new_m[n]) for n in free_new]
    return sorted(diffs, key=lambda d: ([int(p) for p in d.number.split(".")], d.status))
