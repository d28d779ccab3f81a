"""The typed catalog API under /api/v1/catalog: search with filters and paging, one dataset, data requests."""

import pytest

pytestmark = pytest.mark.django_db


def test_datasets_are_searched_filtered_and_paginated(small_catalog, client):
    found = client.get("/api/v1/catalog/datasets", {"q": "educación"}).json()
    assert found["count"] == 2 and {d["name"] for d in found["items"]} == {"escuelas", "presupuesto-educacion"}
    page = client.get("/api/v1/catalog/datasets", {"limit": 1, "offset": 1, "sort": "name asc"}).json()
    assert page["count"] == 3 and [d["name"] for d in page["items"]] == ["escuelas"]
    census = client.get("/api/v1/catalog/datasets", {"department": "16", "tags": "censo"}).json()["items"]
    assert [d["name"] for d in census] == ["censo-poblacion-2018"]
    assert census[0]["publisher"] == "INE" and census[0]["temporal_start"] == "2018"
    assert client.get("/api/v1/catalog/datasets", {"fq": "-organization:mineduc"}).json()["count"] == 1


def test_unreadable_queries_answer_400_with_the_reason(small_catalog, client):
    response = client.get("/api/v1/catalog/datasets", {"fq": "tags:(censo"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "parenthesis" in response.json()["detail"]


def test_dataset_detail_lists_resources_and_hides_drafts(small_catalog, client):
    data = client.get("/api/v1/catalog/datasets/censo-poblacion-2018").json()
    assert data["resources"][0]["url"] == "https://example.org/censo.csv" and data["license_open"] is True
    assert client.get("/api/v1/catalog/datasets/borrador").status_code == 404


def test_data_requests_show_answers_and_support(small_catalog, client, make_user, institutions):
    from apertura.catalog.services import data_request_create, data_request_support

    asker = make_user()
    request = data_request_create(by=asker, institution=institutions["INE"], title="Nacimientos por municipio",
                                  description="Para planificar servicios de salud.")
    data_request_support(request=request, by=make_user())
    items = client.get("/api/v1/catalog/data-requests", {"status": "open"}).json()["items"]
    assert [(r["title"], r["supports"], r["institution"]) for r in items] == [("Nacimientos por municipio", 1, "INE")]
    assert client.get("/api/v1/catalog/data-requests", {"status": "nonsense"}).status_code == 400


def test_openapi_describes_the_catalog(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/catalog/datasets", "/api/v1/catalog/datasets/{name}",
            "/api/v1/catalog/data-requests"} <= set(paths)
