"""Catalog pages work without JavaScript and each has a machine-readable twin."""

import csv
import io
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from apertura.catalog.models import DataRequest, Dataset

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_es():
    return Client(headers={"accept-language": "es"})


def test_list_searches_and_offers_facets_as_links(small_catalog, client_es):
    page = client_es.get("/datasets/?q=educacion").content.decode()
    assert "Presupuesto de educación" in page and "Establecimientos educativos" in page
    assert "Censo de población" not in page
    assert 'href="?q=educacion&amp;organization=mineduc"' in page
    narrowed = client_es.get("/datasets/?q=educacion&groups=econ").content.decode()
    assert "Presupuesto de educación" in narrowed and "Establecimientos educativos" not in narrowed
    assert 'aria-current="true"' in narrowed and 'href="/datasets/" ' not in narrowed
    assert 'href="/datasets/"' in client_es.get("/").content.decode()  # the nav link


def test_list_twins(small_catalog, client_es):
    data = client_es.get("/datasets/?format=json&organization=mineduc").json()
    assert data["count"] == 2 and {r["name"] for r in data["results"]} == {"escuelas", "presupuesto-educacion"}
    rows = list(csv.DictReader(io.StringIO(client_es.get("/datasets/?format=csv").content.decode())))
    assert {r["name"] for r in rows} == {"censo-poblacion-2018", "escuelas", "presupuesto-educacion"}


def test_bad_query_is_a_400_page_not_a_500(small_catalog, client_es):
    response = client_es.get('/datasets/?q=tags:"censo')
    assert response.status_code == 400 and 'role="alert"' in response.content.decode()


def test_dataset_page_has_schema_org_jsonld(small_catalog, client_es):
    page = client_es.get("/datasets/censo-poblacion-2018/").content.decode()
    assert "<strong>XII</strong>" in page  # Markdown description
    assert "Alta Verapaz" in page and 'href="/datasets/?department=01"' in page
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    data = json.loads(match.group(1))
    assert data["@type"] == "Dataset" and data["name"] == "Censo de población 2018"
    assert data["temporalCoverage"] == "2018/2018-07" and data["license"].startswith("https://creativecommons")
    assert data["distribution"][0]["contentUrl"] == "https://example.org/censo.csv"
    assert 'href="/dataset/censo-poblacion-2018.ttl"' in page
    twin = client_es.get("/datasets/censo-poblacion-2018/?format=json").json()
    # The twin is the record the API answers (/api/v1/catalog/datasets/<name>), not CKAN's package dict.
    api = client_es.get("/api/v1/catalog/datasets/censo-poblacion-2018").json()
    moments = ("created", "modified")  # the API's renderer writes milliseconds, the twin microseconds
    assert {k: v for k, v in twin.items() if k not in moments} == {k: v for k, v in api.items() if k not in moments}
    assert all(twin[k].startswith(api[k][:-4]) for k in moments)
    assert twin["name"] == "censo-poblacion-2018" and twin["publisher"] == "INE" and twin["formats"] == ["CSV"]


def test_drafts_are_not_public(small_catalog, client_es, signed_in, admin):
    assert client_es.get("/datasets/borrador/").status_code == 404
    assert signed_in(admin).get("/datasets/borrador/").status_code == 200


def test_editor_publishes_through_the_form_and_uploads(institutions, ine_editor, signed_in, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    client = signed_in(ine_editor)
    form = client.get("/datasets/new/").content.decode()
    assert "MINEDUC" not in form  # only the editor's institution is offered
    response = client.post("/datasets/new/", {
        "publisher": institutions["INE"].pk, "title": "Empleo", "description": "Encuesta de empleo",
        "license": "CC-BY-4.0", "tags": "empleo, trabajo", "themes": ["econ"], "spatial": "01, 0101",
        "temporal_start": "2022", "temporal_end": "", "frequency": "ANNUAL", "state": "published"})
    assert response.status_code == 302 and response["Location"] == "/datasets/empleo/"
    bad = client.post("/datasets/new/", {"publisher": institutions["INE"].pk, "title": "X", "description": "y",
                                         "license": "CC-BY-4.0", "spatial": "99", "frequency": "ANNUAL",
                                         "state": "draft"})
    assert bad.status_code == 400 and "99" in bad.content.decode() and "has-error" in bad.content.decode()
    upload = SimpleUploadedFile("empleo.csv", b"anio,tasa\n2022,2.1\n", content_type="text/csv")
    response = client.post("/datasets/empleo/resources/new/", {"title": "Tasa", "file": upload})
    assert response.status_code == 302
    resource = Dataset.objects.get(name="empleo").resources.get()
    download = Client().get(resource.download_path())
    assert download["Content-Security-Policy"].startswith("sandbox") and b"2022" in b"".join(download)
    assert "attachment" in download["Content-Disposition"]
    lie = client.post("/datasets/empleo/resources/new/", {"file": SimpleUploadedFile("x.csv", b"%PDF-1.4 x")})
    assert lie.status_code == 400 and "application/pdf" in lie.content.decode()


def test_editor_cannot_edit_another_institutions_dataset(small_catalog, ine_editor, signed_in):
    assert signed_in(ine_editor).get("/datasets/escuelas/edit/").status_code == 403
    assert signed_in(ine_editor).get("/datasets/censo-poblacion-2018/edit/").status_code == 200


def test_data_request_pages(institutions, make_user, signed_in, ine_editor, client_es):
    citizen = signed_in(make_user())
    response = citizen.post("/data-requests/new/", {"institution": institutions["INE"].pk, "title": "Homicidios",
                                                    "description": "Por municipio."})
    request = DataRequest.objects.get()
    assert response["Location"] == f"/data-requests/{request.pk}/"
    citizen.post(f"/data-requests/{request.pk}/", {"support": "1"})
    citizen.post(f"/data-requests/{request.pk}/", {"support": "1"})
    assert request.supports.count() == 1
    assert citizen.post(f"/data-requests/{request.pk}/", {"status": "refused", "answer": "No"}).status_code == 403
    editor = signed_in(ine_editor)
    editor.post(f"/data-requests/{request.pk}/", {"status": "published", "published_url": "https://ine.gob.gt/h"})
    page = client_es.get(f"/data-requests/{request.pk}/").content.decode()
    assert "https://ine.gob.gt/h" in page
    data = client_es.get("/data-requests/?format=json").json()["requests"][0]
    assert data["status"] == "published" and data["supports"] == 1 and data["days_to_answer"] == 0
    assert "Homicidios" in client_es.get("/data-requests/?format=csv").content.decode()
    assert Client().get("/data-requests/new/").status_code == 302  # sign in first


def test_users_committee_sees_supply_and_demand_and_marks_priorities(small_catalog, institutions, make_user,
                                                                     signed_in, admin, ine_editor, client_es):
    from apertura.catalog import services

    request = services.data_request_create(by=make_user(), institution=institutions["INE"], title="Homicidios",
                                           description="Por municipio.")
    services.data_request_answer(request=request, by=ine_editor, status="refused", answer="No existe todavía.")
    services.data_request_create(by=make_user(), institution=institutions["MINEDUC"], title="Notas",
                                 description="Por escuela.")
    assert signed_in(ine_editor).post(f"/data-requests/{request.pk}/", {"priority": "1"}).status_code == 403
    signed_in(admin).post(f"/data-requests/{request.pk}/", {"priority": "1"})
    rows = {row["institution"]: row for row in client_es.get(
        "/data-requests/supply-and-demand/?format=json").json()["institutions"]}
    assert rows["INE"] == {"institution": "INE", "datasets": 1, "requests": 1, "open": 0, "planned": 0,
                           "published": 0, "refused": 1, "supports": 0, "priorities": 1, "median_days": 0}
    assert rows["MINEDUC"]["datasets"] == 2 and rows["MINEDUC"]["open"] == 1
    assert "INE" in client_es.get("/data-requests/supply-and-demand/").content.decode()
    listed = client_es.get("/data-requests/?format=json").json()["requests"]
    assert listed[0]["title"] == "Homicidios" and listed[0]["priority"] is True  # priorities first
