"""Plan files crafted to hang or crash the importer are refused at once, with the line-numbered report every
other bad plan file gets, and nothing is written."""

import pytest
from django.core.management import CommandError, call_command

from apertura.plans.formats.plan_file import PlanFileError, parse_plan_text
from apertura.plans.models import Plan

BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def _problems(text: str) -> list[str]:
    with pytest.raises(PlanFileError) as caught:
        parse_plan_text(text)
    return [str(p) for p in caught.value.problems]


def test_a_billion_laughs_file_is_refused_without_expanding_it():
    assert len(BILLION_LAUGHS) < 1024
    (problem,) = _problems(BILLION_LAUGHS)
    assert "aliases" in problem and problem.startswith("line ")


def test_aliases_inside_a_plan_are_refused_the_same_way(plan_data, write_plan):
    text = write_plan(plan_data).read_text()
    (problem,) = _problems(text + BILLION_LAUGHS)
    assert "aliases" in problem


@pytest.mark.parametrize("tag", ["!!python/object:os.system", "!!python/object/apply:os.system ['true']",
                                 "!!python/name:os.system", "!<tag:yaml.org,2002:python/object:os.system>"])
def test_object_tags_are_a_reported_problem_with_its_line_not_a_traceback(tag):
    (problem,) = _problems(f"format: apertura-plan/1\nplan: {tag} {{}}\n")
    assert problem.startswith("line 2, ") and "cannot be read as YAML" in problem


@pytest.mark.parametrize("text", ["a: [1, 2", "a: {b: 1", "\tkey: value", "- a\nb: c", "%YAML 9.9\n--- a",
                                  "a: 1\n---\nb: 2", "&x [*x]", "a: *nowhere"])
def test_malformed_and_truncated_yaml_is_a_reported_problem(text):
    problems = _problems(text)
    assert problems and all("Traceback" not in p for p in problems)


def test_a_huge_file_is_refused_before_it_is_parsed():
    (problem,) = _problems("a: " + "x" * 20_000_001)
    assert "at most 20,000,000" in problem


@pytest.mark.django_db
def test_the_command_reports_the_problem_and_writes_nothing(tmp_path):
    path = tmp_path / "laughs.yaml"
    path.write_text(BILLION_LAUGHS)
    with pytest.raises(CommandError) as caught:
        call_command("plan", "import", str(path))
    assert "aliases" in str(caught.value)
    assert not Plan.objects.exists()


def test_a_plan_file_in_another_encoding_is_reported(tmp_path):
    from apertura.plans.formats.plan_file import read_plan_file

    path = tmp_path / "plan.yaml"
    path.write_bytes("plan: título".encode("utf-16"))
    with pytest.raises(PlanFileError) as caught:
        read_plan_file(path)
    assert "not UTF-8" in str(caught.value)
