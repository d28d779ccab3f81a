import csv
import io
import json

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from apertura.institutions.models import Institution
from apertura.plans.formats.plan_export import plan_csv, plan_to_data, plan_xlsx
from apertura.plans.formats.plan_file import parse_plan_text
from apertura.plans.models import Milestone
from apertura.plans.services import plan_import
from tests.conftest import SEED_TEXT

from .seed_table import seed_milestones

pytestmark = pytest.mark.django_db


def export_json(plan) -> dict:
    out = io.StringIO()
    call_command("plan", "export", plan.slug, "--format", "json", stdout=out)
    return json.loads(out.getvalue())


def test_seed_reader_finds_all_49_milestone_rows():
    assert len(seed_milestones(SEED_TEXT.read_text())) == 49


def test_every_exported_milestone_matches_the_seed_table(fifth_plan):
    seed = seed_milestones(SEED_TEXT.read_text())
    names = {i.acronym: i.name_es for i in Institution.objects.all()}
    exported = [m for c in export_json(fifth_plan)["commitments"] for m in c["milestones"]]
    assert sorted(m["number"] for m in exported) == sorted(seed)
    for milestone in exported:
        row = seed[milestone["number"]]
        assert (milestone["start"], milestone["end"]) == (row["start"], row["end"]), milestone["number"]
        for acronym in milestone["responsible"]:
            # The seed names an entity by acronym or by its Spanish name.
            assert acronym.split("-")[0] in row["responsible"] or names[acronym] in row["responsible"], (
                milestone["number"], acronym, row["responsible"])


def test_json_export_lists_milestones_with_number_responsible_start_end(fifth_plan):
    data = export_json(fifth_plan)
    first = data["commitments"][0]["milestones"][0]
    assert first["number"] == "1.1" and first["responsible"] == ["MINGOB"]
    assert first["start"] == "2022-01" and first["end"] == "2022-05"
    undated = next(m for c in data["commitments"] for m in c["milestones"] if m["number"] == "8.1")
    assert undated["start"] is None and undated["end"] == "2023-07"


def test_json_export_imports_back_unchanged(fifth_plan):
    exported = json.dumps(plan_to_data(fifth_plan), ensure_ascii=False)
    report = plan_import(data=parse_plan_text(exported))
    assert report.summary() == "no changes"


def test_csv_export_has_one_row_per_milestone(fifth_plan):
    rows = list(csv.reader(io.StringIO(plan_csv(fifth_plan))))
    assert rows[0][:7] == ["plan", "commitment", "commitment_title", "lead", "milestone", "text", "responsible"]
    assert len(rows) == 1 + 49
    assert rows[-1][4] == "12.3" and rows[-1][8:] == ["2023-07", "2023-08"]


def test_xlsx_export_has_commitments_and_milestones_sheets(fifth_plan, tmp_path):
    path = tmp_path / "plan.xlsx"
    call_command("plan", "export", fifth_plan.slug, "--format", "xlsx", "--output", str(path), stdout=io.StringIO())
    book = load_workbook(path)
    assert book.sheetnames[:2] == ["commitments", "milestones"]
    assert book["commitments"].max_row == 13 and book["milestones"].max_row == 50
    assert load_workbook(io.BytesIO(plan_xlsx(fifth_plan)))["milestones"]["E2"].value == "1.1"


def test_exports_neutralise_spreadsheet_formulas(fifth_plan):
    milestone = Milestone.objects.get(commitment__plan=fifth_plan, number="1.1")
    milestone.text = '=HYPERLINK("http://evil.example","click")'
    milestone.save()
    assert "'=HYPERLINK" in plan_csv(fifth_plan)
    assert load_workbook(io.BytesIO(plan_xlsx(fifth_plan)))["milestones"]["F2"].value.startswith("'=")
