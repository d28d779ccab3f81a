"""Reporting progress with evidence, and civil society confirming or disputing it."""

import datetime as dt

import pytest
from django.utils import translation
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apertura.audit.models import AuditEvent
from apertura.institutions.models import Institution
from apertura.plans import services
from apertura.plans.models import Milestone, ProgressReport
from apertura.plans.tracking import Flag, roll_up, track_milestone

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def m43(fifth_plan):
    return Milestone.objects.get(commitment__plan=fifth_plan, number="4.3")


def inst(acronym):
    return Institution.objects.get(acronym=acronym)


def report(milestone, user, acronym="MINEDUC", **values):
    defaults = {"status": "in_progress", "percent": 40, "narrative": "Data collected from 12 departments.",
                "as_of": TODAY, "based_on": None}
    return services.milestone_report_progress(milestone=milestone, by=user, institution=inst(acronym),
                                              **(defaults | values))



@pytest.fixture(autouse=True)
def _english_messages():
    # The services' messages are asserted in English whatever test ran before.
    with translation.override("en"):
        yield

def test_an_editor_reports_progress_on_their_institutions_milestone(m43, make_user):
    editor = make_user("editor", "MINEDUC")
    created = report(m43, editor)
    assert created.percent == 40 and created.institution.acronym == "MINEDUC"
    assert AuditEvent.objects.filter(action="progress.report", object_id=str(m43.pk)).exists()


def test_an_editor_of_another_institution_is_refused_and_the_attempt_logged(m43, make_user):
    intruder = make_user("editor", "MINGOB")
    with pytest.raises(PermissionDenied):
        report(m43, intruder, "MINGOB")
    with pytest.raises(PermissionDenied):
        report(m43, intruder, "MINEDUC")  # forged: claims to report for MINEDUC
    assert not ProgressReport.objects.exists()
    refusals = AuditEvent.objects.filter(action="permission.refused")
    assert [(e.actor, e.object_type, e.object_id, e.data["permission"]) for e in refusals] == [
        (intruder, "plans.milestone", str(m43.pk), "plans.report_progress_for")] * 2


@pytest.mark.parametrize("values, field", [
    ({"percent": 140}, "percent"),
    ({"as_of": TODAY + dt.timedelta(days=3)}, "as_of"),
    ({"status": "completed", "percent": 100, "completed_on": TODAY + dt.timedelta(days=1)}, "completed_on"),
    ({"status": "completed", "percent": 80, "completed_on": TODAY}, "percent"),
    ({"status": "completed", "percent": 100, "completed_on": None}, "completed_on"),
    ({"status": "not_started", "percent": 10}, "percent"),
])
def test_impossible_reports_are_refused_with_the_field_named(m43, make_user, values, field):
    with pytest.raises(ValidationError) as caught:
        report(m43, make_user("editor", "MINEDUC"), **values)
    assert field in caught.value.message_dict
    assert not ProgressReport.objects.exists()


def test_a_second_editor_working_from_a_stale_page_gets_a_conflict_and_nothing_is_lost(m43, make_user):
    first, second = make_user("editor", "MINEDUC"), make_user("editor", "MINEDUC")
    seen = None  # both opened the form when the milestone had no report
    kept = report(m43, first, based_on=seen, percent=50)
    with pytest.raises(services.ProgressConflict) as caught:
        report(m43, second, based_on=seen, percent=60)
    assert caught.value.latest == kept
    assert list(ProgressReport.objects.values_list("percent", flat=True)) == [50]
    report(m43, second, based_on=kept.pk, percent=60)  # after seeing the first report
    assert ProgressReport.objects.count() == 2


def test_evidence_files_are_checked_by_their_content(m43, make_user):
    editor = make_user("editor", "MINEDUC")
    created = report(m43, editor)
    pdf = SimpleUploadedFile("informe.pdf", b"%PDF-1.4\n% evidence\n", content_type="application/pdf")
    evidence = services.evidence_add(report=created, by=editor, title="Report", upload=pdf)
    assert evidence.content_type == "application/pdf" and len(evidence.sha256) == 64
    disguised = SimpleUploadedFile("informe.pdf", b"<html><script>alert(1)</script></html>",
                                   content_type="application/pdf")
    with pytest.raises(ValidationError, match="not an accepted kind of file"):
        services.evidence_add(report=created, by=editor, title="Fake", upload=disguised)
    assert created.evidence.count() == 1


def test_oversized_evidence_is_refused_with_both_sizes(m43, make_user, settings):
    settings.APERTURA_EVIDENCE_MAX_MB = 1 / 1024  # 1 KB
    editor = make_user("editor", "MINEDUC")
    big = SimpleUploadedFile("big.csv", b"a,b\n" * 1000, content_type="text/csv")
    with pytest.raises(ValidationError) as caught:
        services.evidence_add(report=report(m43, editor), by=editor, title="Big", upload=big)
    assert caught.value.messages[0].replace("\xa0", " ") in ("The file is 3,9 KB; the limit is 1,0 KB.",
                                                             "The file is 3.9 KB; the limit is 1.0 KB.")


def test_links_are_evidence_too_but_not_both_at_once(m43, make_user):
    editor = make_user("editor", "MINEDUC")
    created = report(m43, editor)
    services.evidence_add(report=created, by=editor, title="Portal", url="https://www.mineduc.gob.gt/")
    with pytest.raises(ValidationError):
        services.evidence_add(report=created, by=editor, title="Both", url="https://x.example/",
                              upload=SimpleUploadedFile("a.txt", b"text"))


def test_monitors_confirm_or_dispute_and_the_institution_answers(m43, make_user):
    editor = make_user("editor", "MINEDUC")
    created = report(m43, editor, percent=60)
    red = make_user("monitor", "RedCiudadana")
    fundal = make_user("monitor", "FUNDAL")
    services.validation_submit(report=created, by=red, organization=inst("RedCiudadana"), verdict="confirm",
                               reason="We saw the collected data on the ministry's portal.")
    track = track_milestone(Milestone.objects.get(pk=m43.pk), TODAY)
    assert (track.reported, track.confirmed, track.disputed) == (60, 60, False)
    dispute = services.validation_submit(report=created, by=fundal, organization=inst("FUNDAL"),
                                         verdict="dispute", reason="Data on deaf-blind students is missing.")
    track = track_milestone(Milestone.objects.get(pk=m43.pk), TODAY)
    assert (track.reported, track.confirmed, track.disputed) == (60, 0, True)
    answer = services.validation_respond(validation=dispute, by=editor, text="It will be added in July.")
    assert answer.institution.acronym == "MINEDUC"


def test_validation_needs_a_reason_and_a_monitor_of_that_organization(m43, make_user):
    created = report(m43, make_user("editor", "MINEDUC"))
    monitor = make_user("monitor", "RedCiudadana")
    with pytest.raises(ValidationError):
        services.validation_submit(report=created, by=monitor, organization=inst("RedCiudadana"),
                                   verdict="confirm", reason="ok")
    with pytest.raises(PermissionDenied):
        services.validation_submit(report=created, by=monitor, organization=inst("FUNDAL"), verdict="confirm",
                                   reason="Speaking for another organization.")
    with pytest.raises(PermissionDenied):
        services.validation_respond(validation=services.validation_submit(
            report=created, by=monitor, organization=inst("RedCiudadana"), verdict="dispute",
            reason="The data are not published."), by=make_user("editor", "MINGOB"), text="Not mine to answer")


def test_an_author_cannot_validate_their_own_report(m43, make_user):
    from apertura.accounts.models import Role

    both = make_user("editor", "MINEDUC")
    Role.objects.create(user=both, kind="monitor", institution=inst("RedCiudadana"))
    created = report(m43, both)
    with pytest.raises(PermissionDenied):
        services.validation_submit(report=created, by=both, organization=inst("RedCiudadana"),
                                   verdict="confirm", reason="Confirming my own report.")


def test_calendar_flags(fifth_plan):
    milestone = Milestone.objects.get(commitment__plan=fifth_plan, number="1.2")  # June–August 2022
    assert track_milestone(milestone, dt.date(2022, 5, 1)).flag == Flag.UPCOMING
    mid = track_milestone(milestone, dt.date(2022, 7, 16))
    assert mid.flag == Flag.AT_RISK and 45 <= mid.expected <= 55
    assert track_milestone(milestone, dt.date(2022, 9, 1)).flag == Flag.OVERDUE


def test_roll_up_is_weighted_when_weights_are_set(fifth_plan, make_user):
    editor = make_user("editor", "MINEDUC")
    milestones = list(Milestone.objects.filter(commitment__number=4, commitment__plan=fifth_plan).order_by("seq"))
    report(milestones[0], editor, status="completed", percent=100, completed_on=TODAY)
    tracks = [track_milestone(m, TODAY) for m in Milestone.objects.filter(pk__in=[m.pk for m in milestones])
              .prefetch_related("reports__validations")]
    assert roll_up(tracks).reported == round(100 / 6)
    milestones[0].weight = 5
    milestones[0].save()
    tracks = [track_milestone(m, TODAY) for m in Milestone.objects.filter(pk__in=[m.pk for m in milestones])
              .prefetch_related("reports__validations")]
    assert roll_up(tracks).reported == 50  # 5 of 10 weight units complete
