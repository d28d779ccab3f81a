"""Validation reports shaped like Frictionless's (`{valid, stats, errors[], warnings[]}`), in plain words.

Each error carries the Frictionless `type` (blank-row, duplicate-label, blank-label, type-error, extra-cell,
missing-cell, encoding-error, format-error, source-error…), its place (`rowNumber`: the row in the file,
the header being row 1; `fieldNumber` from 1; `fieldName`) and a `message` a publisher understands.
"""

import time

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# How many errors of one type are listed one by one; the rest are counted.
MAX_LISTED_PER_TYPE = 20

TITLES = {
    "blank-header": "Blank header",
    "blank-label": "Blank label",
    "duplicate-label": "Duplicate label",
    "blank-row": "Blank row",
    "extra-cell": "Extra cell",
    "missing-cell": "Missing cell",
    "type-error": "Type error",
    "encoding-error": "Encoding error",
    "format-error": "Format error",
    "source-error": "Source error",
    "schema-error": "Schema error",
}


class IngestError(Exception):
    """A problem that stops reading the file at all (its report says why)."""


class Report:
    def __init__(self):
        self.errors: list[dict] = []
        self.warnings: list[str] = []
        self.counts: dict[str, int] = {}
        self.stats: dict = {}
        self.facts: dict = {}
        self._began = time.perf_counter()

    def error(self, type_: str, message: str, *, row=None, field_number=None, field_name=None, count=1):
        self.counts[type_] = self.counts.get(type_, 0) + count
        if sum(1 for e in self.errors if e["type"] == type_) >= MAX_LISTED_PER_TYPE:
            return
        entry = {"type": type_, "title": TITLES.get(type_, type_), "message": message}
        if row is not None:
            entry["rowNumber"] = int(row)
        if field_number is not None:
            entry["fieldNumber"] = int(field_number)
        if field_name is not None:
            entry["fieldName"] = field_name
        self.errors.append(entry)

    def fatal(self, type_: str, message: str, **place) -> IngestError:
        self.error(type_, message, **place)
        return IngestError(message)

    def warn(self, message: str):
        self.warnings.append(message)

    @property
    def valid(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if self.valid:
            return _("The file is valid: %(rows)s rows and %(fields)s columns were read.") % {
                "rows": self.stats.get("rows", 0), "fields": self.stats.get("fields", 0)}
        total = sum(self.counts.values())
        return ngettext(
            "The file was not published: %(n)s problem was found. The previous version, if any, is still "
            "published. Fix the problem listed and upload the file again.",
            "The file was not published: %(n)s problems were found. The previous version, if any, is still "
            "published. Fix the problems listed and upload the file again.", total) % {"n": total}

    def to_dict(self) -> dict:
        stats = {**self.stats, "errors": sum(self.counts.values()), "warnings": len(self.warnings),
                 "seconds": round(time.perf_counter() - self._began, 3)}
        return {"valid": self.valid, "summary": self.summary(), "stats": stats, "errorCounts": dict(self.counts),
                "errors": list(self.errors), "warnings": list(self.warnings), **self.facts}


# --- Valid files held back -------------------------------------------------------------------------------------

MAX_NAMED_FIELDS = 10


def held_reasons(held: dict) -> list[str]:
    """Why a valid file was held instead of published (`held` as the service records it), one sentence each, in
    the active language: worded when shown, so that each reader gets their own."""
    reasons = []
    if held.get("noRows"):
        reasons.append(_("The new file has no rows; the published table has %(rows)s.") % {
            "rows": number_format(held.get("publishedRows", 0), force_grouping=True)})
    missing = held.get("missingFields") or []
    if missing:
        names = ", ".join(f"“{name}”" for name in missing[:MAX_NAMED_FIELDS])
        more = len(missing) - MAX_NAMED_FIELDS
        if more > 0:
            names = ngettext("%(names)s and %(n)s more", "%(names)s and %(n)s more", more) % {
                "names": names, "n": more}
        reasons.append(ngettext("The new file lacks the column %(names)s, which the published table has.",
                                "The new file lacks the columns %(names)s, which the published table has.",
                                len(missing)) % {"names": names})
    return reasons


def held_summary(held: dict) -> str:
    return " ".join([
        _("The file is valid but was not published, because it would make the published table worse."),
        *held_reasons(held),
        _("Version %(n)s stays published until an editor publishes the new file anyway or discards it, on the "
          "resource's page.") % {"n": held.get("publishedVersion", "")}])
