"""Importing a checked plan file, in one transaction, updating in place."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils.text import slugify
from django.utils.translation import gettext as _

from apertura.accounts.permissions import require
from apertura.audit.services import audit_record
from apertura.common.partial_dates import PartialDate
from apertura.common.text import fold
from apertura.institutions.models import Institution

from ..models import Commitment, Contact, Milestone, Plan, PlanVersion, QualityFlag, RevisionNote, Theme

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.db.models.fields.related_descriptors import ManyRelatedManager


@dataclass
class ImportReport:
    plan: Plan
    reason: str = ""
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)

    def count(self, bucket: str, kind: str) -> None:
        target = getattr(self, bucket)
        target[kind] = target.get(kind, 0) + 1

    def summary(self) -> str:
        parts = []
        for bucket in ("created", "updated", "removed"):
            counts = getattr(self, bucket)
            if counts:
                parts.append(bucket + " " + ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())))
        return "; ".join(parts) or "no changes"


def _dates(record: dict[str, Any], start_key: str, end_key: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, column in ((start_key, "start"), (end_key, "end")):
        text = record.get(key)
        parsed = PartialDate.parse(str(text)) if text else None
        values[column] = parsed.date if parsed else None
        values[f"{column}_precision"] = parsed.precision if parsed else "month"
    return values


def _upsert(model: type[Any], report: ImportReport, kind: str, lookup: dict[str, Any], values: dict[str, Any]) -> Any:
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        obj._change_reason = report.reason  # kept in the record's history
        obj.save()
        obj._just_created = True
        report.count("created", kind)
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj._change_reason = report.reason
        obj.save()
        report.count("updated", kind)
    return obj


def _set_m2m(manager: ManyRelatedManager[Any, Any], objects: Sequence[Model], report: ImportReport,
             kind: str) -> None:
    if {o.pk for o in manager.all()} != {o.pk for o in objects}:
        manager.set(objects)
        # django-stubs' ManyRelatedManager lacks the `instance` Django sets on it.
        if not getattr(manager.instance, "_just_created", False):  # type: ignore[attr-defined]
            report.count("updated", kind)


def plan_import(*, data: dict[str, Any], actor: User | None = None, source: str = "") -> ImportReport:
    """Write a checked plan file (see formats.plan_file) in one transaction, updating in place by number.

    `actor=None` is the server's command line (`apertura plan import`), whose operator already holds the
    database; a person importing through the site must be allowed to manage plans."""
    if actor is not None:
        require("plans.manage", by=actor, why=_("Only administrators import action plans."))
    with transaction.atomic():
        return _plan_write(data=data, actor=actor, source=source)


def _plan_write(*, data: dict[str, Any], actor: User | None, source: str) -> ImportReport:
    plan_data = data["plan"]
    for inst in data["institutions"]:
        _institution_upsert(inst)
    institutions = {i.acronym: i for i in Institution.objects.all()}

    period = _dates(plan_data, "period_start", "period_end")
    plan_values = {
        "country": plan_data["country"], "number": plan_data["number"], "title": plan_data["title"],
        "title_es": plan_data.get("title_es", ""), "language": plan_data["language"],
        "period_start": period["start"], "period_start_precision": period["start_precision"],
        "period_end": period["end"], "period_end_precision": period["end_precision"],
        "status": plan_data["status"], "axis": plan_data.get("axis", ""), "summary": plan_data.get("summary", ""),
    }
    existing = Plan.objects.filter(slug=plan_data["slug"]).first()
    report = ImportReport(plan=existing, reason=f"import of {source}" if source else "import")  # type: ignore[arg-type]
    plan = _upsert(Plan, report, "plan", {"slug": plan_data["slug"]}, plan_values)
    report.plan = plan

    themes = {}
    for order, theme in enumerate(plan_data.get("themes", [])):
        themes[theme["code"]] = _upsert(Theme, report, "themes", {"plan": plan, "code": theme["code"]},
                                        {"title": theme["title"], "order": order})
    _remove(plan.themes.exclude(code__in=themes), report, "themes")
    labels = []
    for version in plan_data.get("versions", []):
        labels.append(version["label"])
        values = {"date": PartialDate.parse(version["date"]).date, "note": version.get("note", "")}
        if "snapshot_data" in version:
            values["data"] = version["snapshot_data"]
        _upsert(PlanVersion, report, "versions", {"plan": plan, "label": version["label"]}, values)
    _remove(plan.versions.exclude(label__in=labels), report, "versions")

    plan.quality_flags.all().delete()
    _flags(plan, None, None, plan_data.get("flags", []))
    numbers = []
    for item in data["commitments"]:
        numbers.append(item["number"])
        _commitment_import(plan, item, institutions, themes, report)
    _remove(plan.commitments.exclude(number__in=numbers), report, "commitments")
    plan_flag_computed(plan=plan)

    audit_record(action="plan.import", obj_type="plan", obj_id=plan.slug, actor=actor,
                 actor_label="" if actor else "import", summary=report.summary(),
                 data={"source": source, "created": report.created, "updated": report.updated,
                       "removed": report.removed})
    return report


def _institution_upsert(item: dict[str, Any]) -> Institution:
    values = {"name_es": item["name_es"], "name_en": item.get("name_en", ""), "kind": item["kind"]}
    values["search_text"] = fold(" ".join([item["acronym"], values["name_es"], values["name_en"]]))
    institution, _created = Institution.objects.update_or_create(
        acronym=item["acronym"], defaults={**values, "slug": slugify(item["acronym"])}
    )
    return institution


def _remove(queryset: QuerySet[Any], report: ImportReport, kind: str) -> None:
    for _obj in queryset:
        report.count("removed", kind)
    queryset.delete()


def _commitment_import(plan: Plan, item: dict[str, Any], institutions: dict[str, Institution],
                       themes: dict[str, Theme], report: ImportReport) -> Commitment:
    texts = {key: item.get(key) or "" for key in ("problem", "contribution", "relevance", "additional_info",
                                                   "observations")}
    values = {
        "title": item["title"], **_dates(item, "start", "end"), "lead": institutions[item["lead"]],
        "other_actors": item.get("other_actors", []), "ogp_values": item.get("ogp_values", []),
        "sdgs": item.get("sdgs", []), "description": item.get("commitment") or "", **texts,
    }
    values["search_text"] = fold(" ".join([str(item["number"]), item["title"], values["description"],
                                           texts["problem"]]))
    commitment = _upsert(Commitment, report, "commitments", {"plan": plan, "number": item["number"]}, values)
    _set_m2m(commitment.supporting_institutions,
             [institutions[a] for a in item.get("supporting_institutions", [])], report, "partners")
    _set_m2m(commitment.civil_society, [institutions[a] for a in item.get("civil_society", [])], report, "partners")
    _set_m2m(commitment.themes, [themes[code] for code in item.get("themes", [])], report, "themes")

    commitment.contacts.all().delete()
    for order, contact in enumerate(item.get("contacts", [])):
        Contact.objects.create(commitment=commitment, order=order, name=contact["name"],
                               position=contact.get("position") or "",
                               institution=institutions[contact["institution"]],
                               emails=contact.get("emails", []), phones=contact.get("phones", []))
    commitment.revision_notes.all().delete()
    for number, text in enumerate(item.get("revision_notes", []), start=1):
        RevisionNote.objects.create(commitment=commitment, number=number, text=text)

    _flags(plan, commitment, None, item.get("flags", []))
    seqs = []
    for entry in item["milestones"]:
        seq = int(entry["number"].split(".")[1])
        seqs.append(seq)
        milestone = _upsert(Milestone, report, "milestones", {"commitment": commitment, "seq": seq}, {
            "number": entry["number"], "text": entry["text"], "responsible_note": entry.get("responsible_note") or "",
            **_dates(entry, "start", "end"), "search_text": fold(entry["number"] + " " + entry["text"]),
        })
        _set_m2m(milestone.responsible, [institutions[a] for a in entry["responsible"]], report, "responsible")
        _flags(plan, commitment, milestone, entry.get("flags", []))
    _remove(commitment.milestones.exclude(seq__in=seqs), report, "milestones")
    return commitment


def _flags(plan: Plan, commitment: Commitment | None, milestone: Milestone | None,
           flags: Iterable[dict[str, str]]) -> None:
    QualityFlag.objects.bulk_create(
        QualityFlag(plan=plan, commitment=commitment, milestone=milestone, field=flag.get("field", ""),
                    code=flag["code"], message=flag["message"], source=QualityFlag.Source.CURATED)
        for flag in flags
    )


def plan_flag_computed(*, plan: Plan) -> list[QualityFlag]:
    """Flag what the plan itself leaves inconsistent, so readers see it instead of a silent fix."""
    plan.quality_flags.filter(source=QualityFlag.Source.COMPUTED).delete()
    found = []
    for commitment in plan.commitments.prefetch_related("milestones"):
        c_start, c_end = commitment.start_date, commitment.end_date
        if c_start is None or c_end is None:
            found.append(QualityFlag(commitment=commitment, field="start" if c_start is None else "end",
                                     code="missing-date", message="The plan gives no "
                                     + ("start" if c_start is None else "end") + " date for this commitment."))
        for milestone in commitment.milestones.all():
            m_start, m_end = milestone.start_date, milestone.end_date
            where = {"commitment": commitment, "milestone": milestone}
            if m_start is None:
                found.append(QualityFlag(**where, field="start", code="missing-date",
                                         message=f"The plan gives no start month for milestone {milestone.number}."))
            if m_end is None:
                found.append(QualityFlag(**where, field="end", code="missing-date",
                                         message=f"The plan gives no end month for milestone {milestone.number}."))
            if m_start and c_start and m_start.last_day() < c_start.date:
                found.append(QualityFlag(**where, field="start", code="starts-before-commitment",
                                         message=f"Milestone {milestone.number} starts ({m_start}) before its "
                                         f"commitment ({c_start})."))
            if m_end and c_end and m_end.date > c_end.last_day():
                found.append(QualityFlag(**where, field="end", code="ends-after-commitment",
                                         message=f"Milestone {milestone.number} ends ({m_end}) after its "
                                         f"commitment ({c_end})."))
    for flag in found:
        flag.plan = plan
        flag.source = QualityFlag.Source.COMPUTED
    return QualityFlag.objects.bulk_create(found)
