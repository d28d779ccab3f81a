"""One schema per record (plans/schemas.py): the JSON API, each page's ?format=json twin and its ?format=csv
columns say the same thing in the same shape, and keep the people behind the records out."""

import csv
import datetime as dt
import io
import json
import re

import pytest
from django.test import Client

from apertura.institutions.models import Institution
from apertura.plans import schemas, services
from apertura.plans.models import Commitment, Milestone

pytestmark = pytest.mark.django_db


@pytest.fixture
def worked(fifth_plan, make_user):
    """Milestone 4.3 reported with evidence, disputed by FUNDAL and answered; commitment 4 assessed."""
    editor = make_user("editor", "MINEDUC", username="elena-editor")
    report = services.milestone_report_progress(
        milestone=Milestone.objects.get(number="4.3"), by=editor,
        institution=Institution.objects.get(acronym="MINEDUC"), status="in_progress", percent=40,
        narrative="Data collected.", as_of=dt.date(2022, 6, 1))
    services.evidence_add(report=report, by=editor, title="Portal", url="https://mineduc.example/")
    verdict = services.validation_submit(report=report, by=make_user("monitor", "FUNDAL", username="mario-monitor"),
                                         organization=Institution.objects.get(acronym="FUNDAL"), verdict="dispute",
                                         reason="The deaf-blind students are missing.")
    services.validation_respond(validation=verdict, by=editor, text="They will be added.")
    services.assessment_save(commitment=Commitment.objects.get(number=4), by=make_user("reviewer", username="rita-rev"),
                             values={"completion": "limited", "verifiable": True})
    return fifth_plan


def get(url):
    response = Client(headers={"accept-language": "en"}).get(url)
    assert response.status_code == 200, (url, response.content[:300])
    return response


def same_times(data) -> str:
    """The API writes times to the millisecond (Django's encoder), the twins to the microsecond (pydantic's)."""
    return re.sub(r"(T\d\d:\d\d:\d\d\.\d{3})\d*", r"\1", json.dumps(data, sort_keys=True))


@pytest.mark.parametrize("page, api", [
    ("/plans/2021-2023/milestones/4.3/?format=json", "/api/v1/plans/2021-2023/milestones/4.3"),
    ("/plans/2021-2023/commitments/4/?format=json", "/api/v1/plans/2021-2023/commitments/4"),
    ("/plans/2021-2023/dashboard/?format=json&on=2022-07-15", "/api/v1/plans/2021-2023/dashboard?on=2022-07-15"),
])
def test_a_page_twin_is_the_api_record(worked, page, api):
    assert same_times(get(page).json()) == same_times(get(api).json())


@pytest.mark.parametrize("page, key, api", [
    ("/plans/2021-2023/commitments/4/history/?format=json", "history",
     "/api/v1/plans/2021-2023/commitments/4/history"),
    ("/plans/2021-2023/versions/?format=json", "versions", "/api/v1/plans/2021-2023/versions"),
    ("/plans/?format=json", "plans", "/api/v1/plans/?limit=100"),
    ("/plans/2021-2023/?format=json", "commitments", "/api/v1/plans/2021-2023/commitments?limit=100"),
])
def test_a_list_twin_holds_the_api_records(worked, page, key, api):
    answer = get(api).json()
    records = answer["items"] if isinstance(answer, dict) else answer
    assert same_times(get(page).json()[key]) == same_times(records)


def test_the_institution_twins_extend_the_institution_record(worked):
    record = get("/api/v1/institutions/mineduc").json()
    listed = next(i for i in get("/institutions/?format=json").json()["institutions"] if i["acronym"] == "MINEDUC")
    assert listed == {**record, "commitments_led": 1, "milestones": 6}
    page = get("/institutions/mineduc/?format=json").json()
    assert {k: v for k, v in page.items() if k not in ("commitments", "milestones")} == record
    assert [(c["number"], c["role"]) for c in page["commitments"]] == [(4, "lead")]
    api_milestones = get("/api/v1/plans/2021-2023/milestones?institution=mineduc&limit=100").json()["items"]
    assert page["milestones"] == api_milestones


@pytest.mark.parametrize("url, columns, key", [
    ("/plans/?format=csv", schemas.PLAN_COLUMNS, "plans"),
    ("/plans/2021-2023/?format=csv", schemas.COMMITMENT_COLUMNS, "commitments"),
    ("/plans/2021-2023/commitments/4/?format=csv", schemas.MILESTONE_COLUMNS, "milestones"),
    ("/institutions/?format=csv", schemas.INSTITUTION_COLUMNS, "institutions"),
    ("/institutions/mineduc/?format=csv", schemas.MILESTONE_COLUMNS, "milestones"),
    ("/plans/2021-2023/dashboard/?format=csv&on=2022-07-15", schemas.DASHBOARD_COLUMNS, "milestones"),
])
def test_csv_columns_are_paths_into_the_json_records(worked, url, columns, key):
    rows = list(csv.DictReader(io.StringIO(get(url).content.decode())))
    records = get(url.replace("format=csv", "format=json")).json()[key]
    assert list(rows[0]) == columns and len(rows) == len(records)
    for row, record in zip(rows, records, strict=True):
        for column in columns:
            value = record
            for step in column.split("."):
                value = value[step]
            expected = "; ".join(map(str, value)) if isinstance(value, list) else "" if value is None else str(value)
            assert row[column] == expected, (column, record)


def test_the_milestone_record_carries_reports_evidence_verdicts_and_answers(worked):
    data = get("/api/v1/plans/2021-2023/milestones/4.3").json()
    assert data["progress"] == {"reported": 40, "confirmed": 0, "expected": 100, "flag": "overdue",
                                "disputed": True, "latest_report": "2022-06-01"}
    [report] = data["reports"]
    assert (report["institution"], report["percent"], report["as_of"]) == ("MINEDUC", 40, "2022-06-01")
    assert report["evidence"] == [{"title": "Portal", "url": "https://mineduc.example/", "download": None,
                                   "content_type": None, "size": None, "sha256": None}]
    [verdict] = report["validations"]
    assert (verdict["organization"], verdict["verdict"]) == ("FUNDAL", "dispute")
    assert [a["text"] for a in verdict["answers"]] == ["They will be added."]


def test_the_commitment_record_carries_its_assessment_and_flags(worked):
    data = get("/api/v1/plans/2021-2023/commitments/4").json()
    assert data["assessment"]["completion"] == "limited" and data["assessment"]["verifiable"] is True
    assert data["assessment"]["early_results"] is None
    assert data["flags"] and {f["source"] for f in data["flags"]} <= {"curated", "computed"}
    assert get("/api/v1/plans/2021-2023/commitments/5").json()["assessment"] is None


@pytest.mark.parametrize("url", ["/plans/2021-2023/milestones/4.3/?format=json",
                                 "/plans/2021-2023/commitments/4/?format=json",
                                 "/plans/2021-2023/dashboard/?format=json&on=2022-07-15",
                                 "/institutions/mineduc/?format=json", "/api/v1/plans/2021-2023/versions"])
def test_the_people_behind_reports_verdicts_and_assessments_stay_out(worked, url):
    body = get(url).content.decode()
    for username in ("elena-editor", "mario-monitor", "rita-rev"):
        assert username not in body, (url, username)


def test_unknown_records_are_404_in_the_api(worked):
    client = Client()
    for url in ("/api/v1/plans/2021-2023/milestones/9.9", "/api/v1/plans/nope/versions",
                "/api/v1/plans/2021-2023/commitments/99/history", "/api/v1/plans/nope/dashboard"):
        response = client.get(url)
        assert response.status_code == 404 and "detail" in response.json(), url


def test_the_openapi_document_describes_the_new_records(worked):
    schema = Client().get("/api/v1/openapi.json").json()
    assert {"/api/v1/plans/{slug}/milestones/{number}", "/api/v1/plans/{slug}/versions",
            "/api/v1/plans/{slug}/commitments/{number}/history",
            "/api/v1/plans/{slug}/dashboard"} <= set(schema["paths"])
    components = schema["components"]["schemas"]
    assert {"MilestoneDetailOut", "ProgressReportOut", "EvidenceOut", "ValidationOut", "AssessmentOut",
            "DashboardOut", "HistoryEntryOut", "PlanVersionOut"} <= set(components)
    assert "author" not in components["ProgressReportOut"]["properties"]
