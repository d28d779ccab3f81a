import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return Client()


def test_openapi_schema_describes_every_endpoint(api):
    schema = api.get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "Apertura API"
    paths = set(schema["paths"])
    assert {"/api/v1/plans/", "/api/v1/plans/{slug}", "/api/v1/plans/{slug}/commitments",
            "/api/v1/plans/{slug}/commitments/{number}", "/api/v1/plans/{slug}/milestones",
            "/api/v1/institutions/", "/api/v1/institutions/{slug}"} <= paths


def test_plans_are_listed_with_pagination(fifth_plan, api):
    data = api.get("/api/v1/plans/").json()
    assert data["count"] == 1 and data["items"][0]["slug"] == "2021-2023"
    assert data["items"][0]["period_end"] == "2023-08-31"


def test_commitments_are_paginated_and_filterable(fifth_plan, api):
    page = api.get("/api/v1/plans/2021-2023/commitments?limit=5&offset=10").json()
    assert page["count"] == 12 and [c["number"] for c in page["items"]] == [11, 12]
    filtered = api.get("/api/v1/plans/2021-2023/commitments?institution=cpcc").json()
    assert [c["number"] for c in filtered["items"]] == [10]


def test_commitment_detail_carries_milestones_contacts_and_notes(fifth_plan, api):
    data = api.get("/api/v1/plans/2021-2023/commitments/11").json()
    assert data["lead"] == "GAE" and len(data["contacts"]) == 2
    [milestone] = data["milestones"]
    assert milestone["number"] == "11.1" and set(milestone["responsible"]) == {"GAE", "CoST-GT"}
    assert milestone["start"] == "2022-01" and milestone["end"] == "2023-08"
    assert data["revision_notes"]


def test_milestones_filter_by_institution_and_due_date(fifth_plan, api):
    data = api.get("/api/v1/plans/2021-2023/milestones?institution=mineduc&limit=100").json()
    assert [m["number"] for m in data["items"]] == ["4.1", "4.2", "4.3", "4.4", "4.5", "4.6"]
    due = api.get("/api/v1/plans/2021-2023/milestones?due_before=2022-03-01&limit=100").json()
    assert {m["number"] for m in due["items"]} == {"4.1", "7.1"}


def test_institutions_filter_by_kind(fifth_plan, api):
    data = api.get("/api/v1/institutions/?kind=multi_stakeholder&limit=100").json()
    assert data["items"] and {i["kind"] for i in data["items"]} == {"multi_stakeholder"}
    assert api.get("/api/v1/institutions/?kind=nonsense").status_code == 422


@pytest.mark.parametrize("url", ["/api/v1/plans/nope", "/api/v1/plans/2021-2023/commitments/42",
                                 "/api/v1/institutions/nobody", "/api/v1/plans/nope/commitments"])
def test_unknown_objects_are_404_json(fifth_plan, api, url):
    response = api.get(url)
    assert response.status_code == 404 and "detail" in response.json()


def test_api_docs_are_served_from_this_site_not_a_cdn(api):
    page = api.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page and "cdn." not in page


def test_milestones_carry_their_progress(fifth_plan, api, make_user):
    import datetime as dt

    from apertura.institutions.models import Institution
    from apertura.plans.models import Milestone
    from apertura.plans.services import milestone_report_progress

    milestone_report_progress(milestone=Milestone.objects.get(number="4.3"), by=make_user("editor", "MINEDUC"),
                              institution=Institution.objects.get(acronym="MINEDUC"), status="in_progress",
                              percent=70, narrative="Most data collected.", as_of=dt.date(2022, 6, 1))
    items = api.get("/api/v1/plans/2021-2023/milestones?institution=mineduc&limit=100").json()["items"]
    progress = {m["number"]: m["progress"] for m in items}
    assert progress["4.3"]["reported"] == 70 and progress["4.3"]["confirmed"] == 0
    assert progress["4.3"]["latest_report"] == "2022-06-01"
    assert progress["4.4"]["reported"] == 0 and progress["4.4"]["flag"] == "overdue"
