"""Reporting progress on milestones, with evidence, and its validation by civil society."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apertura.accounts.permissions import require
from apertura.audit.services import audit_record
from apertura.common.uploads import check_upload
from apertura.institutions.models import Institution
from apertura.notifications.services import announce_change

from ..models import Evidence, Milestone, ProgressReport, Validation, ValidationResponse

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.core.files.uploadedfile import UploadedFile


class ProgressConflict(Exception):
    """Someone reported on the milestone after the form was opened; nothing was saved."""

    def __init__(self, latest: ProgressReport) -> None:
        self.latest = latest
        super().__init__(f"milestone {latest.milestone} has a newer report ({latest.pk})")


def progress_report_check(*, milestone: Milestone, by: User, institution: Institution) -> None:
    """Refuse, and log, a report for an institution the user does not edit for or that is not responsible.

    Like every permission check here, it runs before the service opens its transaction: the refusal is written
    to the audit log at once, and a transaction rolled back would take it with it."""
    require("plans.report_progress_for", by=by, obj=(milestone, institution), why=_(
        "You may not report progress for %(institution)s on milestone %(milestone)s: only editors of an "
        "institution responsible for it may.") % {"institution": institution.acronym, "milestone": milestone.number})


def milestone_report_progress(
    *, milestone: Milestone, by: User, institution: Institution, status: str, percent: int, narrative: str,
    as_of: dt.date, completed_on: dt.date | None = None, based_on: int | None = None,
) -> ProgressReport:
    """Add a progress report. `based_on` is the latest report the author saw; a newer one means a conflict."""
    progress_report_check(milestone=milestone, by=by, institution=institution)
    with transaction.atomic():
        return _report_write(milestone=milestone, by=by, institution=institution, status=status,
                             percent=percent, narrative=narrative, as_of=as_of, completed_on=completed_on,
                             based_on=based_on)


def _report_write(*, milestone: Milestone, by: User, institution: Institution, status: str, percent: int,
                  narrative: str, as_of: dt.date, completed_on: dt.date | None,
                  based_on: int | None) -> ProgressReport:
    # Lock the milestone so two editors saving at once are serialised and the second sees the first.
    Milestone.objects.select_for_update().filter(pk=milestone.pk).first()
    latest = milestone.reports.order_by("-created_at", "-id").first()
    if latest is not None and latest.pk != based_on:
        raise ProgressConflict(latest)
    report = ProgressReport(milestone=milestone, status=status, percent=percent, narrative=narrative.strip(),
                            as_of=as_of, completed_on=completed_on, institution=institution, author=by)
    report.full_clean()
    report.save()
    announce_change(target=milestone.commitment, actor=by, url=milestone.get_absolute_url(),
                    title=f"{milestone.number}: {report.get_status_display()} · {percent}% ({institution.acronym})",
                    body=report.narrative[:1000])
    audit_record(action="progress.report", obj_type="milestone", obj_id=milestone.pk, actor=by,
                 summary=f"{milestone.number}: {status} {percent}%",
                 data={"report": report.pk, "institution": institution.acronym, "as_of": as_of.isoformat()})
    return report


def evidence_add(*, report: ProgressReport, by: User, title: str, url: str = "",
                 upload: UploadedFile | None = None) -> Evidence:
    require("plans.add_evidence", by=by, obj=report,
            why=_("Only editors of the institution that wrote this report may add evidence to it."))
    with transaction.atomic():
        return _evidence_write(report=report, by=by, title=title, url=url, upload=upload)


def _evidence_write(*, report: ProgressReport, by: User, title: str, url: str,
                    upload: UploadedFile | None) -> Evidence:
    if bool(url) == bool(upload):
        raise ValidationError(_("Give either a file or a link."))
    evidence = Evidence(report=report, title=title.strip() or ((upload.name or "") if upload else url), url=url)
    if upload is not None:
        checked = check_upload(upload, max_bytes=int(settings.APERTURA_EVIDENCE_MAX_MB * 1024 * 1024))
        assert upload.name is not None  # Django names every uploaded file
        evidence.original_name = upload.name[:255]
        evidence.content_type, evidence.size, evidence.sha256 = checked.content_type, checked.size, checked.sha256
        evidence.file.save(upload.name, upload, save=False)
    evidence.full_clean()
    evidence.save()
    audit_record(action="evidence.add", obj_type="report", obj_id=report.pk, actor=by, summary=evidence.title,
                 data={"evidence": evidence.pk, "sha256": evidence.sha256, "url": url})
    return evidence


def validation_submit(*, report: ProgressReport, by: User, organization: Institution, verdict: str,
                      reason: str) -> Validation:
    """A monitor confirms or disputes a report. A second verdict from the same organization replaces the
    first; the history keeps both."""
    require("plans.validate_for", by=by, obj=(report, organization), why=_(
        "You may not give a verdict for %(organization)s: only its civil-society monitors may, and never on a "
        "report they wrote.") % {"organization": organization.acronym})
    with transaction.atomic():
        return _validation_write(report=report, by=by, organization=organization, verdict=verdict, reason=reason)


def _validation_write(*, report: ProgressReport, by: User, organization: Institution, verdict: str,
                      reason: str) -> Validation:
    if len(reason.strip()) < 10:
        raise ValidationError({"reason": _("Explain the verdict in at least a sentence.")})
    validation, _created = Validation.objects.update_or_create(
        report=report, organization=organization,
        defaults={"verdict": verdict, "reason": reason.strip(), "monitor": by},
    )
    validation.full_clean()
    milestone = report.milestone
    announce_change(target=milestone.commitment, actor=by, url=milestone.get_absolute_url(),
                    title=f"{milestone.number}: {validation.get_verdict_display()} — {organization.acronym}",
                    body=validation.reason[:1000])
    audit_record(action=f"validation.{verdict}", obj_type="report", obj_id=report.pk, actor=by,
                 summary=f"{organization.acronym}: {verdict}", data={"validation": validation.pk})
    return validation


def validation_respond(*, validation: Validation, by: User, text: str) -> ValidationResponse:
    require("plans.respond_to_validation", by=by, obj=validation,
            why=_("Only editors of the institution that wrote the report may answer this verdict."))
    if not text.strip():
        raise ValidationError({"text": _("Write the answer.")})
    with transaction.atomic():
        response = ValidationResponse.objects.create(validation=validation, text=text.strip(),
                                                     institution=validation.report.institution, author=by)
        audit_record(action="validation.respond", obj_type="validation", obj_id=validation.pk, actor=by,
                     summary=text[:200])
        return response
