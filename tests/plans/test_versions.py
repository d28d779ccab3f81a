"""Plan versions compared field by field, and the history of every change."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import translation

from apertura.plans.formats.plan_file import read_plan_file
from apertura.plans.models import Milestone, PlanVersion
from apertura.plans.services import plan_import, plan_snapshot
from apertura.plans.versions import diff_plans
from tests.conftest import PLAN_FILE

pytestmark = pytest.mark.django_db


@pytest.fixture
def versions(fifth_plan):
    return {v.label: v for v in fifth_plan.versions.all()}


def test_the_fifth_plan_ships_both_versions_as_data(versions):
    assert set(versions) == {"December 2021", "June 2022"}
    assert all(v.data for v in versions.values())


def test_december_to_june_shows_what_the_revision_notes_describe(versions):
    diff = diff_plans(versions["December 2021"].data, versions["June 2022"].data)
    by_number = {c.number: c for c in diff.commitments}
    one = by_number[1]
    title = next(ch for ch in one.changes if ch.field == "title")
    assert "Institutional" in title.new and "Institutional" not in title.old
    milestones = {(m.number, m.status): m for m in one.milestones}
    assert ("1.5", "removed") in milestones and "DCAT" in milestones[("1.5", "removed")].old["text"]
    moved = milestones[("1.6", "renumbered")]
    assert {ch.field: (ch.old, ch.new) for ch in moved.changes}["start"] == ("2023-06", "2022-01")
    end_1_4 = {ch.field: ch for ch in milestones[("1.4", "changed")].changes}["end"]
    assert (end_1_4.old, end_1_4.new) == ("2022-06", "2022-08")
    assert {m.number for m in by_number[9].milestones if m.status == "added"} == {"9.1", "9.2", "9.3", "9.4"}


def test_text_changes_are_shown_word_by_word(versions):
    diff = diff_plans(versions["December 2021"].data, versions["June 2022"].data)
    m11 = next(m for m in diff.commitments[0].milestones if m.number == "1.1")
    runs = m11.changes[0].words()
    assert ("ins", "public") in runs and all(kind != "del" for kind, _words in runs)


def test_identical_versions_have_no_differences(versions):
    data = versions["June 2022"].data
    assert diff_plans(data, data).commitments == []


def test_versions_page_compares_and_has_a_json_twin(versions):
    client = Client(headers={"accept-language": "en"})
    page = client.get("/plans/2021-2023/versions/").content.decode()
    assert "From December 2021 to June 2022" in page and "<ins>public</ins>" in page
    data = client.get("/plans/2021-2023/versions/?format=json").json()
    assert data["diff"]["counts"]["milestones_removed"] == 2
    assert client.get("/plans/2021-2023/versions/?from=99999&to=current").status_code == 404


def test_an_administrator_keeps_the_current_plan_as_a_version(fifth_plan, make_user):
    admin = make_user("administrator")
    version = plan_snapshot(plan=fifth_plan, by=admin, label="Mid-term", note="Before the IRM review")
    assert version.data["commitments"][3]["milestones"][2]["number"] == "4.3"
    with translation.override("en"), pytest.raises(ValidationError, match="already has a version"):
        plan_snapshot(plan=fifth_plan, by=admin, label="Mid-term")
    with pytest.raises(PermissionDenied):
        plan_snapshot(plan=fifth_plan, by=make_user("editor", "MINEDUC"), label="Mine")
    assert PlanVersion.objects.filter(label="Mid-term").count() == 1


def test_history_records_who_changed_what_and_why(fifth_plan, write_plan):
    data = read_plan_file(PLAN_FILE)
    data["commitments"][3]["milestones"][2]["end"] = "2022-09"
    plan_import(data=data, source="mineduc-update.yaml")
    milestone = Milestone.objects.get(commitment__plan=fifth_plan, number="4.3")
    latest = milestone.history.first()
    assert latest.history_change_reason == "import of mineduc-update.yaml"
    page = Client(headers={"accept-language": "en"}).get("/plans/2021-2023/commitments/4/history/")
    text = page.content.decode()
    assert "Milestone 4.3" in text and "import of mineduc-update.yaml" in text
    history = Client(headers={"accept-language": "en"}).get(
        "/plans/2021-2023/commitments/4/history/?format=json").json()["history"]
    change = next(e for e in history if e["subject"] == "Milestone 4.3" and e["changes"])
    assert {"field": "end", "old": "2022-06-01", "new": "2022-09-01"} in change["changes"]


def test_a_snapshot_file_with_problems_is_reported_with_its_name(tmp_path, plan_data, write_plan):
    plan_data["plan"]["versions"] = [{"label": "Old", "date": "2029-12-01", "snapshot": "old.yaml"}]
    (tmp_path / "old.yaml").write_text("format: apertura-plan/1\n")
    from apertura.plans.formats.plan_file import PlanFileError

    with pytest.raises(PlanFileError) as caught:
        read_plan_file(write_plan(plan_data))
    assert all("in snapshot old.yaml" in p.message for p in caught.value.problems)


def test_history_shows_responsible_institutions_changing(fifth_plan):
    data = read_plan_file(PLAN_FILE)
    data["commitments"][3]["milestones"][2]["responsible"] = ["MINEDUC", "MINGOB"]
    plan_import(data=data, source="shared.yaml")
    history = Client(headers={"accept-language": "en"}).get(
        "/plans/2021-2023/commitments/4/history/?format=json").json()["history"]
    changes = [c for e in history if e["subject"] == "Milestone 4.3" for c in e["changes"]]
    assert {"field": "responsible", "old": "MINEDUC", "new": "MINEDUC, MINGOB"} in changes


def test_history_page_queries_do_not_grow_with_revisions(fifth_plan, django_assert_num_queries):
    client = Client(headers={"accept-language": "en"})
    url = "/plans/2021-2023/commitments/4/history/"
    queries = 16  # the same with the import's revisions only and with 60 more of one milestone
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200
    milestone = Milestone.objects.get(number="4.3")
    for n in range(60):
        milestone.text = f"Revision {n}"
        milestone._change_reason = f"edit {n}"
        milestone.save()
    with django_assert_num_queries(queries):
        response = client.get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert "edit 59" in page and "edit 5<" not in page and "Older" in page  # 50 a page, newest first
