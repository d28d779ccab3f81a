"""Public pages and their machine-readable twins."""

import copy
import csv
import io

import pytest
from django.test import Client

from apertura.institutions.models import Institution
from apertura.plans.services import plan_import
from tests.conftest import fifth_plan_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_es():
    return Client(headers={"accept-language": "es"})


@pytest.fixture
def client_en():
    return Client(headers={"accept-language": "en"})


def test_home_presents_the_plan_at_a_glance(fifth_plan, client_en):
    page = client_en.get("/").content.decode()
    assert "5th National Open Government Action Plan 2021-2023" in page
    assert "<strong>12</strong> commitments" in page and "<strong>49</strong> milestones" in page
    assert 'href="/plans/2021-2023/commitments/12/"' in page


def test_pages_are_spanish_by_default_and_english_on_request(fifth_plan, client_es, client_en):
    assert '<html lang="es">' in client_es.get("/plans/2021-2023/").content.decode()
    assert '<html lang="en">' in client_en.get("/plans/2021-2023/").content.decode()
    assert '<html lang="es">' in Client().get("/plans/2021-2023/").content.decode()


def test_content_is_marked_with_the_language_it_is_stored_in(fifth_plan, client_es):
    page = client_es.get("/plans/2021-2023/commitments/1/").content.decode()
    assert '<h1 lang="en">Institutional Actions to Strengthen Publication in Open Data</h1>' in page


def test_language_switch_keeps_the_page(fifth_plan, client_es):
    response = client_es.post("/i18n/setlang/", {"language": "en", "next": "/plans/2021-2023/"})
    assert response.status_code == 302 and response["Location"] == "/plans/2021-2023/"
    assert '<html lang="en">' in client_es.get("/plans/2021-2023/").content.decode()


@pytest.mark.parametrize("query, expected", [
    ("theme=education-health-food-security", {3, 4, 5}),
    ("institution=conadi", {9}),
    ("institution=marn", {6}),
    ("q=nutrition", {3}),
    ("q=CRUZADA nutrición", set()),
    ("q=EITI", {12}),
])
def test_plan_filters_narrow_the_commitments(fifth_plan, client_en, query, expected):
    data = client_en.get(f"/plans/2021-2023/?{query}&format=json").json()
    assert {c["number"] for c in data["commitments"]} == expected


def test_filter_by_ogp_value_and_an_unknown_value(fifth_plan, client_en):
    data = client_en.get("/plans/2021-2023/?value=civic_participation&format=json").json()
    assert data["commitments"] and all("civic_participation" in c["ogp_values"] for c in data["commitments"])
    assert client_en.get("/plans/2021-2023/?value=nonsense&format=json").json()["commitments"] == []


def test_plan_page_filters_work_as_a_plain_form(fifth_plan, client_en):
    page = client_en.get("/plans/2021-2023/?theme=social-inclusion").content.decode()
    assert "1 commitment" in page and "/plans/2021-2023/commitments/9/" in page
    assert "/plans/2021-2023/commitments/5/" not in page


def test_htmx_request_gets_only_the_results_fragment(fifth_plan, client_en):
    response = client_en.get("/plans/2021-2023/?theme=social-inclusion", headers={"HX-Request": "true"})
    fragment = response.content.decode()
    assert "<html" not in fragment and "/plans/2021-2023/commitments/9/" in fragment


def test_plan_csv_twin_lists_the_filtered_commitments(fifth_plan, client_en):
    response = client_en.get("/plans/2021-2023/?theme=social-inclusion&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["plan", "number", "title"] and [r[1] for r in rows[1:]] == ["9"]


@pytest.mark.parametrize("fmt, content_type", [
    ("json", "application/json"), ("csv", "text/csv"),
    ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
])
def test_whole_plan_downloads(fifth_plan, client_en, fmt, content_type):
    response = client_en.get(f"/plans/2021-2023/export.{fmt}")
    assert response.status_code == 200 and response["Content-Type"].startswith(content_type)


def test_commitment_page_shows_every_part_of_the_template(fifth_plan, client_en):
    page = client_en.get("/plans/2021-2023/commitments/4/").content.decode()
    for heading in ("What is the problem that the commitment addresses?", "What is the commitment?",
                    "How will it contribute to solving the problem?", "Why is it relevant to OGP values?",
                    "Additional information", "Revision notes", "Contact", "Civil-society organizations"):
        assert heading in page
    assert "vleon@mineduc.gob.gt" in page and "2411-9595 Ext. 3016" in page
    for number in ("4.1", "4.2", "4.3", "4.4", "4.5", "4.6"):
        assert f'id="milestone-{number}"' in page
    assert 'role="img"' in page and "Timeline of the milestones" in page


def test_commitment_page_shows_data_quality_notes(fifth_plan, client_en):
    page = client_en.get("/plans/2021-2023/commitments/7/").content.decode()
    assert "Data-quality notes" in page and "Milestone 7.1 starts (2021-08) before its commitment" in page


def test_commitment_twins(fifth_plan, client_en):
    data = client_en.get("/plans/2021-2023/commitments/8/?format=json").json()
    assert data["lead"] == "CONAMIGUA" and [m["start"] for m in data["milestones"]] == [None, None, None]
    rows = list(csv.reader(io.StringIO(client_en.get("/plans/2021-2023/commitments/8/?format=csv").content.decode())))
    assert rows[0][:3] == ["plan", "commitment", "number"] and [r[2] for r in rows[1:]] == ["8.1", "8.2", "8.3"]


def test_institution_page_lists_its_commitments_and_milestones(fifth_plan, client_en):
    page = client_en.get("/institutions/mineduc/").content.decode()
    assert "Ministry of Education" in page and "leads it" in page
    data = client_en.get("/institutions/mineduc/?format=json").json()
    assert [m["number"] for m in data["milestones"]] == ["4.1", "4.2", "4.3", "4.4", "4.5", "4.6"]
    both = client_en.get("/institutions/mem/?format=json").json()
    assert {"6.5", "12.1"} <= {m["number"] for m in both["milestones"]}


def test_institution_list_and_kind_filter(fifth_plan, client_en):
    rows = client_en.get("/institutions/?kind=civil_society&format=json").json()["institutions"]
    assert rows and all(r["kind"] == "civil_society" for r in rows)
    assert "CODEFEM" in {r["acronym"] for r in rows}


def test_search_is_accent_and_case_insensitive(fifth_plan, client_en):
    for q in ("educación", "EDUCACION", "Educacion"):
        data = client_en.get("/search/", {"q": q, "format": "json"}).json()
        assert "MINEDUC" in {i["acronym"] for i in data["institutions"]}
    data = client_en.get("/search/", {"q": "OC4IDS", "format": "json"}).json()
    assert 11 in {c["number"] for c in data["commitments"]}


def test_empty_search_and_no_results(fifth_plan, client_en):
    assert client_en.get("/search/?q=").status_code == 200
    assert "0 results" in client_en.get("/search/?q=zzzxq").content.decode()


@pytest.mark.parametrize("url", ["/plans/1999-2000/", "/plans/2021-2023/commitments/99/", "/institutions/nobody/",
                                 "/plans/2021-2023/export.pdf"])
def test_unknown_addresses_are_404_with_a_readable_page(fifth_plan, client_en, url):
    response = client_en.get(url)
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def _twice_as_big(data):
    """The plan file with twice the commitments, commitment 6 with twice its milestones, twice the institutions."""
    data = copy.deepcopy(data)
    more = []
    for item in data["commitments"]:
        twin = copy.deepcopy(item)
        twin["number"] = item["number"] + len(data["commitments"])
        for milestone in twin["milestones"]:
            milestone["number"] = f"{twin['number']}.{milestone['number'].split('.')[1]}"
        more.append(twin)
    six = data["commitments"][5]
    six["milestones"] += [{**m, "number": f"6.{len(six['milestones']) + n}"}
                          for n, m in enumerate(copy.deepcopy(six["milestones"]), start=1)]
    data["institutions"] += [{**i, "acronym": f"{i['acronym']}-2", "name_es": f"{i['name_es']} (2)"}
                             for i in data["institutions"]]
    data["commitments"] += more
    return data


def test_pages_do_not_make_a_query_per_row(fifth_plan, client_en, django_assert_num_queries):
    # The same exact count for the 5th plan (12 commitments, 6 has 6 milestones, 45 institutions) and for one
    # twice as big.
    pages = {"/plans/2021-2023/": 11, "/plans/2021-2023/commitments/6/": 13, "/institutions/": 1}

    def read():
        for url, expected in pages.items():
            with django_assert_num_queries(expected):
                response = client_en.get(url)
            assert response.status_code == 200, url

    read()
    plan_import(data=_twice_as_big(fifth_plan_data()))
    assert fifth_plan.commitments.count() == 24 and Institution.objects.count() == 90
    read()
