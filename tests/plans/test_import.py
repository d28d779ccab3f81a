import pytest

from apertura.audit.models import AuditEvent
from apertura.plans.formats.plan_file import read_plan_file
from apertura.plans.models import Commitment, Milestone, Plan, QualityFlag
from apertura.plans.services import plan_import
from tests.conftest import PLAN_FILE

pytestmark = pytest.mark.django_db


def test_the_shipped_fifth_plan_has_12_commitments_and_49_milestones(fifth_plan):
    assert fifth_plan.commitments.count() == 12
    assert Milestone.objects.filter(commitment__plan=fifth_plan).count() == 49
    counts = [c.milestones.count() for c in fifth_plan.commitments.order_by("number")]
    assert counts == [6, 2, 3, 6, 3, 6, 6, 3, 4, 6, 1, 3]


def test_month_precise_dates_keep_their_precision(fifth_plan):
    milestone = Milestone.objects.get(commitment__plan=fifth_plan, number="4.3")
    assert str(milestone.start_date) == "2022-04" and str(milestone.end_date) == "2022-06"
    commitment = fifth_plan.commitments.get(number=4)
    assert str(commitment.start_date) == "2022-01-10"


def test_inconsistencies_of_the_real_plan_are_kept_and_flagged(fifth_plan):
    early = Milestone.objects.get(commitment__plan=fifth_plan, number="7.1")
    assert str(early.start_date) == "2021-08"
    assert early.quality_flags.filter(code="starts-before-commitment").exists()
    for number in ("8.1", "8.2", "8.3"):
        undated = Milestone.objects.get(commitment__plan=fifth_plan, number=number)
        assert undated.start is None
        assert undated.quality_flags.filter(code="missing-date", field="start").exists()
    twelve = fifth_plan.commitments.get(number=12)
    assert twelve.quality_flags.filter(code="header-contradicts-revision-note").exists()


def test_reimporting_the_same_file_changes_nothing_and_duplicates_nothing(fifth_plan):
    flags = QualityFlag.objects.count()
    report = plan_import(data=read_plan_file(PLAN_FILE))
    assert report.summary() == "no changes"
    assert Plan.objects.count() == 1 and Commitment.objects.count() == 12 and Milestone.objects.count() == 49
    assert QualityFlag.objects.count() == flags


def test_reimporting_an_updated_file_updates_in_place(plan_data, write_plan):
    plan_import(data=read_plan_file(write_plan(plan_data)))
    milestone_id = Milestone.objects.get(number="1.1").pk
    plan_data["commitments"][0]["milestones"][0]["end"] = "2030-09"
    del plan_data["commitments"][0]["milestones"][1]
    report = plan_import(data=read_plan_file(write_plan(plan_data)))
    moved = Milestone.objects.get(number="1.1")
    assert moved.pk == milestone_id and str(moved.end_date) == "2030-09"
    assert report.updated == {"milestones": 1} and report.removed == {"milestones": 1}
    assert Milestone.objects.count() == 1


def test_an_import_is_recorded_in_the_audit_log(plan_data, write_plan):
    plan_import(data=read_plan_file(write_plan(plan_data)), source="plan.yaml")
    event = AuditEvent.objects.get(action="plan.import")
    assert event.object_id == "2030-2032" and event.data["source"] == "plan.yaml"
    assert event.data["created"]["milestones"] == 2


def test_contacts_partners_and_sections_are_stored(fifth_plan):
    one = fifth_plan.commitments.get(number=1)
    assert one.lead.acronym == "MINGOB"
    [contact] = one.contacts.all()
    assert contact.name == "Edgar Leonel Álvarez Quisquinay"
    assert contact.emails == ["elalvarez@mingob.gob.gt"]
    assert {i.acronym for i in one.civil_society.all()} >= {"CODEFEM"}
    assert "National Open Data Policy" in one.problem
    assert one.revision_notes.count() == 15
    assert 16 in one.sdgs
