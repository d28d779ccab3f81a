"""Writing a plan back out: the same `apertura-plan/1` shape it is imported from, and tables."""

from __future__ import annotations

from collections.abc import Iterator

from apertura.common.partial_dates import partial
from apertura.common.tabular import csv_text, xlsx_bytes

from ..models import Plan
from ..selectors import commitment_list
from .plan_file import FORMAT


def _iso(date, precision):
    value = partial(date, precision)
    return value.isoformat() if value else None


def _flags(queryset) -> list[dict]:
    return [{"field": f.field, "code": f.code, "message": f.message} for f in queryset if f.source == "curated"]


def plan_to_data(plan: Plan) -> dict:
    """The plan as an `apertura-plan/1` document: what `apertura plan import` reads back unchanged."""
    commitments = list(commitment_list(plan=plan).prefetch_related(
        "supporting_institutions", "civil_society", "contacts__institution", "revision_notes", "quality_flags"))
    flags = list(plan.quality_flags.all())
    used = {}
    for c in commitments:
        for inst in [c.lead, *c.supporting_institutions.all(), *c.civil_society.all(),
                     *(contact.institution for contact in c.contacts.all()),
                     *(i for m in c.milestones.all() for i in m.responsible.all())]:
            used[inst.acronym] = inst
    return {
        "format": FORMAT,
        "plan": {
            "slug": plan.slug, "country": plan.country, "number": plan.number, "title": plan.title,
            **({"title_es": plan.title_es} if plan.title_es else {}),
            "language": plan.language,
            "period_start": plan.start.isoformat(), "period_end": plan.end.isoformat(),
            "status": plan.status, "axis": plan.axis, "summary": plan.summary,
            "themes": [{"code": t.code, "title": t.title} for t in plan.themes.all()],
            "versions": [{"label": v.label, "date": v.date.isoformat(), "note": v.note} for v in plan.versions.all()],
            "flags": _flags(f for f in flags if f.commitment_id is None),
        },
        "institutions": [
            {"acronym": i.acronym, "name_es": i.name_es, "name_en": i.name_en, "kind": i.kind}
            for i in sorted(used.values(), key=lambda i: i.acronym)
        ],
        "commitments": [commitment_to_data(c, flags) for c in commitments],
    }


def commitment_to_data(c, flags) -> dict:
    return {
        "number": c.number, "title": c.title,
        "start": _iso(c.start, c.start_precision), "end": _iso(c.end, c.end_precision),
        "lead": c.lead.acronym,
        "contacts": [
            {"name": p.name, "position": p.position, "institution": p.institution.acronym,
             "emails": p.emails, "phones": p.phones}
            for p in c.contacts.all()
        ],
        "supporting_institutions": [i.acronym for i in c.supporting_institutions.all()],
        "civil_society": [i.acronym for i in c.civil_society.all()],
        "other_actors": c.other_actors,
        "themes": [t.code for t in c.themes.all()],
        "ogp_values": c.ogp_values,
        "sdgs": c.sdgs,
        "problem": c.problem, "commitment": c.description, "contribution": c.contribution,
        "relevance": c.relevance, "additional_info": c.additional_info, "observations": c.observations or None,
        "milestones": [
            {"number": m.number, "text": m.text, "responsible": [i.acronym for i in m.responsible.all()],
             "responsible_note": m.responsible_note or None,
             "start": _iso(m.start, m.start_precision), "end": _iso(m.end, m.end_precision),
             "flags": _flags(f for f in flags if f.milestone_id == m.pk)}
            for m in c.milestones.all()
        ],
        "revision_notes": [n.text for n in c.revision_notes.all()],
        "flags": _flags(f for f in flags if f.commitment_id == c.pk and f.milestone_id is None),
    }


MILESTONE_COLUMNS = ["plan", "commitment", "commitment_title", "lead", "milestone", "text", "responsible",
                     "responsible_note", "start", "end"]
COMMITMENT_COLUMNS = ["plan", "number", "title", "start", "end", "lead", "supporting_institutions",
                      "civil_society", "themes", "ogp_values", "sdgs", "milestones"]


def milestone_rows(data: dict) -> Iterator[list]:
    for c in data["commitments"]:
        for m in c["milestones"]:
            yield [data["plan"]["slug"], c["number"], c["title"], c["lead"], m["number"], m["text"],
                   "; ".join(m["responsible"]), m["responsible_note"] or "", m["start"] or "", m["end"] or ""]


def commitment_rows(data: dict) -> Iterator[list]:
    for c in data["commitments"]:
        yield [data["plan"]["slug"], c["number"], c["title"], c["start"] or "", c["end"] or "", c["lead"],
               "; ".join(c["supporting_institutions"]), "; ".join(c["civil_society"]), "; ".join(c["themes"]),
               "; ".join(c["ogp_values"]), "; ".join(str(n) for n in c["sdgs"]), len(c["milestones"])]


def plan_csv(plan: Plan) -> str:
    """One row per milestone, with its commitment: the table most people open in a spreadsheet."""
    return csv_text(MILESTONE_COLUMNS, milestone_rows(plan_to_data(plan)))


def plan_xlsx(plan: Plan) -> bytes:
    data = plan_to_data(plan)
    return xlsx_bytes({
        "commitments": (COMMITMENT_COLUMNS, commitment_rows(data)),
        "milestones": (MILESTONE_COLUMNS, milestone_rows(data)),
        "institutions": (["acronym", "name_es", "name_en", "kind"],
                         ([i["acronym"], i["name_es"], i["name_en"], i["kind"]] for i in data["institutions"])),
        "revision_notes": (["commitment", "number", "text"],
                           ([c["number"], n, text] for c in data["commitments"]
                            for n, text in enumerate(c["revision_notes"], start=1))),
    })
