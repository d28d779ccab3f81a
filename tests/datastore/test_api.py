"""The REST API: keyset pages that add up to the table, filters, grouped aggregates, typed OpenAPI; and CKAN's
DataStore actions through the catalog's Action API, with CKAN's envelope and errors."""

import pytest

pytestmark = pytest.mark.django_db

CSV = ("departamento,municipio,sexo,poblacion\n"
       + "".join(f"{d:02d},{d:02d}{m:02d},{s},{d * 100 + m}\n" for d in (1, 16, 17) for m in range(1, 6) for s in "FM")
       ).encode()


@pytest.fixture
def resource(catalog, django_capture_on_commit_callbacks):
    dataset = catalog.dataset()
    return catalog.upload(dataset, "poblacion.csv", CSV, capture=django_capture_on_commit_callbacks)


def test_rows_page_with_a_cursor_until_the_end(client, resource):
    url = f"/api/v1/datastore/{resource.pk}/rows"
    seen, cursor = [], None
    for _page in range(10):
        params = {"limit": 7, "sort": "poblacion desc", "filters": '{"sexo": "F"}'}
        if cursor:
            params["cursor"] = cursor
        body = client.get(url, params).json()
        assert body["total"] == 15
        seen += [r["municipio"] for r in body["records"]]
        cursor = body.get("next_cursor")
        if not cursor:
            break
    assert len(seen) == 15 == len(set(seen)) and seen[0] == "1705" and seen[-1] == "0101"
    assert [f["name"] for f in body["fields"]] == ["departamento", "municipio", "sexo", "poblacion"]


def test_bad_parameters_are_a_400_with_the_reason(client, resource):
    url = f"/api/v1/datastore/{resource.pk}/rows"
    response = client.get(url, {"sort": "nope"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "nope" in response.json()["detail"]
    assert client.get(url, {"limit": 0}).status_code == 422
    assert client.get("/api/v1/datastore/00000000-0000-0000-0000-000000000000/rows").status_code == 404


def test_group_by_and_aggregates(client, resource):
    body = client.get(f"/api/v1/datastore/{resource.pk}/aggregate",
                      {"group_by": ["departamento", "sexo"], "aggregate": ["count:*", "sum:poblacion",
                                                                           "max:poblacion"]}).json()
    assert body["records"][0] == {"departamento": "01", "sexo": "F", "count:*": 5, "sum:poblacion": 515,
                                  "max:poblacion": 105}
    assert len(body["records"]) == 6
    refused = client.get(f"/api/v1/datastore/{resource.pk}/aggregate", {"aggregate": "sum:sexo"})
    assert refused.status_code == 400


def test_info_lists_fields_and_downloads(client, resource):
    body = client.get(f"/api/v1/datastore/{resource.pk}").json()
    assert body["rows"] == 30 and [f["type"] for f in body["fields"]] == ["string", "string", "string", "integer"]
    assert body["downloads"]["parquet"].endswith(f"/resources/{resource.pk}/table.parquet")


def test_openapi_documents_the_datastore(client):
    schema = client.get("/api/v1/openapi.json").json()
    rows = schema["paths"]["/api/v1/datastore/{resource_id}/rows"]["get"]
    assert {p["name"] for p in rows["parameters"]} >= {"cursor", "limit", "sort", "filters", "q"}
    assert "/api/v1/datastore/{resource_id}/aggregate" in schema["paths"]


# --- CKAN's DataStore actions ------------------------------------------------------------------------------------

def test_ckan_datastore_search_and_info(client, resource):
    found = client.get("/api/3/action/datastore_search", {
        "resource_id": str(resource.pk), "filters": '{"departamento": "16"}', "sort": "poblacion desc",
        "limit": 2}).json()
    assert found["success"] is True and found["result"]["total"] == 10
    assert [r["poblacion"] for r in found["result"]["records"]] == [1605, 1605]
    info = client.post("/api/action/datastore_info", {"id": str(resource.pk)}, content_type="application/json").json()
    assert info["result"]["meta"]["count"] == 30


def test_ckan_sql_reads_and_refuses_writes(client, resource):
    sql = f'SELECT sexo, sum(poblacion) AS total FROM "{resource.pk}" GROUP BY sexo ORDER BY sexo'
    result = client.get("/api/3/action/datastore_search_sql", {"sql": sql}).json()["result"]
    assert result["records"] == [{"sexo": "F", "total": 17045}, {"sexo": "M", "total": 17045}]
    refused = client.get("/api/3/action/datastore_search_sql", {"sql": f'DELETE FROM "{resource.pk}"'},
                         HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["__type"] == "Validation Error" and "read-only SELECT" in error["query"][0]


def test_ckan_errors_and_drafts(catalog, client, resource, django_capture_on_commit_callbacks):
    missing = client.get("/api/3/action/datastore_search", {"resource_id": "nope"})
    assert missing.status_code == 404 and missing.json()["error"]["__type"] == "Not Found Error"
    bad = client.get("/api/3/action/datastore_search", {"resource_id": str(resource.pk), "sort": "nope"})
    assert bad.status_code == 409 and bad.json()["error"]["__type"] == "Validation Error"
    draft = catalog.dataset("borrador", state="draft")
    hidden = catalog.upload(draft, "b.csv", b"a,b\n1,2\n", capture=django_capture_on_commit_callbacks)
    assert client.get("/api/3/action/datastore_search", {"resource_id": str(hidden.pk)}).status_code == 404
    sql = client.get("/api/3/action/datastore_search_sql", {"sql": f'SELECT * FROM "{hidden.pk}"'},
                     HTTP_ACCEPT_LANGUAGE="en")
    assert sql.status_code == 409 and "not a published table" in sql.content.decode()


def test_datastore_active_on_resources(catalog, client, resource):
    from apertura.catalog.services import resource_add

    resource_add(dataset=resource.dataset, by=catalog.users["admin"], url="https://x.org/a.csv")
    package = client.get("/api/3/action/package_show", {"id": resource.dataset.name}).json()["result"]
    assert {r["name"]: r["datastore_active"] for r in package["resources"]} == {"poblacion.csv": True,
                                                                                "https://x.org/a.csv": False}
    shown = client.get("/api/3/action/resource_show", {"id": str(resource.pk)}).json()["result"]
    assert shown["datastore_active"] is True

