"""The importer refuses bad plan files with every problem named and its place given, writing nothing."""

import pytest

from apertura.plans.formats.plan_file import PlanFileError, parse_plan_text, read_plan_file
from apertura.plans.models import Commitment, Plan
from apertura.plans.services import plan_import

pytestmark = pytest.mark.django_db


def problems_of(path):
    with pytest.raises(PlanFileError) as caught:
        read_plan_file(path)
    return caught.value.problems


def test_a_valid_file_is_accepted(plan_data, write_plan):
    data = read_plan_file(write_plan(plan_data))
    assert data["commitments"][0]["milestones"][1]["number"] == "1.2"


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("format: apertura-plan/1\nplan:\n  slug: [unclosed\n  title: x\n")
    [problem] = problems_of(path)
    assert "cannot be read" in problem.message
    assert problem.line in (3, 4, 5)


def test_missing_file_and_empty_file_are_reported(tmp_path):
    assert "does not exist" in problems_of(tmp_path / "nope.yaml")[0].message
    (tmp_path / "empty.yaml").write_text("")
    assert "empty" in problems_of(tmp_path / "empty.yaml")[0].message


def test_non_utf8_file_is_reported(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("title: Educación".encode("latin-1"))
    assert "not UTF-8" in problems_of(path)[0].message


def test_unknown_institution_acronym_is_named_with_its_place_and_line(plan_data, write_plan):
    plan_data["commitments"][0]["milestones"][0]["responsible"] = ["MINEDUC"]
    [problem] = problems_of(write_plan(plan_data))
    assert problem.where == "commitments[0].milestones[0].responsible[0]"
    assert "unknown institution «MINEDUC»" in problem.message
    text = write_plan(plan_data).read_text().splitlines()
    assert "MINEDUC" in text[problem.line - 1]


def test_milestone_numbered_for_another_commitment_is_refused(plan_data, write_plan):
    plan_data["commitments"][0]["milestones"][1]["number"] = "2.2"
    [problem] = problems_of(write_plan(plan_data))
    assert problem.where == "commitments[0].milestones[1].number"
    assert "does not belong to commitment 1" in problem.message


@pytest.mark.parametrize("bad, expected", [
    ("2030-02-30", "not a real date"),
    ("2030-13", "not a real date"),
    ("June 2030", "not a date written as YYYY"),
])
def test_impossible_or_malformed_dates_are_refused(plan_data, write_plan, bad, expected):
    plan_data["commitments"][0]["milestones"][0]["start"] = bad
    [problem] = problems_of(write_plan(plan_data))
    assert problem.where == "commitments[0].milestones[0].start"
    assert expected in problem.message


def test_a_milestone_that_ends_before_it_starts_is_refused(plan_data, write_plan):
    plan_data["commitments"][0]["milestones"][0].update(start="2031-05", end="2030-01")
    [problem] = problems_of(write_plan(plan_data))
    assert "ends (2030-01) before it starts (2031-05)" in problem.message


def test_every_problem_is_reported_at_once(plan_data, write_plan):
    plan_data["plan"]["status"] = "finished"
    plan_data["commitments"][0]["lead"] = "mspas"
    plan_data["commitments"][0]["colour"] = "blue"
    del plan_data["commitments"][0]["milestones"][0]["text"]
    problems = problems_of(write_plan(plan_data))
    messages = {p.where: p.message for p in problems}
    assert "«finished» is not allowed" in messages["plan.status"]
    assert "not an acronym" in messages["commitments[0].lead"]
    assert "unknown field «colour»" in messages["commitments[0]"]
    assert "missing: «text»" in messages["commitments[0].milestones[0]"]
    assert all(p.line for p in problems)


def test_duplicate_keys_are_refused_rather_than_silently_dropped():
    text = "format: apertura-plan/1\nformat: apertura-plan/1\nplan: {}\ninstitutions: []\ncommitments: []\n"
    with pytest.raises(PlanFileError) as caught:
        parse_plan_text(text)
    assert any("appears twice" in p.message and p.line == 2 for p in caught.value.problems)


def test_duplicate_commitment_and_milestone_numbers_are_refused(plan_data, write_plan):
    commitment = plan_data["commitments"][0]
    commitment["milestones"][1]["number"] = "1.1"
    plan_data["commitments"].append({**commitment, "milestones": []})
    messages = [p.message for p in problems_of(write_plan(plan_data))]
    assert "milestone 1.1 appears twice" in messages
    assert "commitment 1 appears twice" in messages


def test_an_unknown_theme_is_refused(plan_data, write_plan):
    plan_data["commitments"][0]["themes"] = ["sports"]
    assert "unknown theme «sports»" in problems_of(write_plan(plan_data))[0].message


def test_a_bad_file_changes_nothing_already_stored(plan_data, write_plan):
    plan_import(data=read_plan_file(write_plan(plan_data)))
    before = Commitment.objects.get().title
    plan_data["commitments"][0]["title"] = "A new title"
    plan_data["commitments"][0]["milestones"][0]["responsible"] = ["NOBODY"]
    with pytest.raises(PlanFileError):
        read_plan_file(write_plan(plan_data))
    assert Commitment.objects.get().title == before
    assert Plan.objects.count() == 1


def test_institutions_already_stored_can_be_referenced_without_redeclaring_them(plan_data, write_plan):
    plan_import(data=read_plan_file(write_plan(plan_data)))
    plan_data["institutions"] = []
    assert read_plan_file(write_plan(plan_data))["commitments"][0]["lead"] == "MSPAS"
