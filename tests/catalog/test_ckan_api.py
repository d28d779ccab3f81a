"""The CKAN Action API: envelope, error types and status codes, and the actions clients and harvesters call."""

import json

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    client = Client()

    def call(name, method="get", version="3", **params):
        url = f"/api/{version}/action/{name}" if version else f"/api/action/{name}"
        if method == "post":
            return client.post(url, json.dumps(params), content_type="application/json")
        if method == "form":
            return client.post(url, params)
        return client.get(url, params)

    return call


def test_envelope_and_both_url_forms(small_catalog, api):
    for version in ("3", None):
        response = api("package_list", version=version)
        body = response.json()
        assert response.status_code == 200 and body["success"] is True
        assert body["help"].endswith("/api/3/action/help_show?name=package_list")
        assert body["result"] == ["censo-poblacion-2018", "escuelas", "presupuesto-educacion"]
    assert api("package_list", limit=1, offset=1).json()["result"] == ["escuelas"]
    assert Client().get("/api/3").json() == {"version": 3}


@pytest.mark.parametrize("method", ["get", "post", "form"])
def test_package_show_by_name_or_id_with_ckan_field_names(small_catalog, api, method):
    census = small_catalog["census"]
    for key in (census.name, str(census.pk)):
        result = api("package_show", method=method, id=key, include_datasets=False).json()["result"]
        assert result["id"] == str(census.pk) and result["name"] == "censo-poblacion-2018"
        assert result["notes"].startswith("Población") and result["license_id"] == "CC-BY-4.0"
        assert result["isopen"] is True and result["organization"]["name"] == "ine"
        assert {t["name"] for t in result["tags"]} == {"censo", "población"}
        assert result["groups"][0]["name"] == "soci"
        assert result["resources"][0]["format"] == "CSV" and result["resources"][0]["url"].endswith("censo.csv")
        assert "T" in result["metadata_modified"] and not result["metadata_modified"].endswith("Z")


@pytest.mark.parametrize("call, status, kind", [
    (("package_show", {"id": "nope"}), 404, "Not Found Error"),
    (("package_show", {"id": "borrador"}), 404, "Not Found Error"),  # drafts are not public
    (("package_show", {}), 409, "Validation Error"),
    (("package_search", {"rows": "many"}), 409, "Validation Error"),
    (("package_search", {"q": 'tags:"censo'}), 400, "Validation Error"),
    (("package_search", {"fq": "(organization:ine"}), 400, "Validation Error"),
    (("package_search", {"sort": "popularity desc"}), 400, "Validation Error"),
    (("resource_show", {"id": "not-a-uuid"}), 404, "Not Found Error"),
    (("organization_show", {"id": "nope"}), 404, "Not Found Error"),
])
def test_errors_use_ckan_types_and_status_codes(small_catalog, api, call, status, kind):
    name, params = call
    response = api(name, **params)
    body = response.json()
    assert response.status_code == status and body["success"] is False and body["error"]["__type"] == kind


def test_unknown_action_and_bad_json(api):
    response = api("package_destroy_everything")
    assert response.status_code == 400 and response.json() == "Bad request: Action name not known: " \
                                                              "package_destroy_everything"
    bad = Client().post("/api/3/action/package_list", "{not json", content_type="application/json")
    assert bad.status_code == 409 and bad.json()["error"]["__type"] == "Validation Error"


def test_package_search_paging_sort_and_facets(small_catalog, api):
    result = api("package_search", q="educación", fq="-organization:ine", rows=1, start=0, sort="name asc",
                 **{"facet.field": '["organization","groups","res_format"]'}).json()["result"]
    assert result["count"] == 2 and [r["name"] for r in result["results"]] == ["escuelas"]
    assert result["facets"]["groups"] == {"educ": 2, "econ": 1}
    assert result["search_facets"]["organization"]["items"][0] == {
        "name": "mineduc", "display_name": "Ministerio de Educación (MINEDUC)", "count": 2}
    second = api("package_search", method="post", q="educación", rows=1, start=1, sort="name asc").json()["result"]
    assert [r["name"] for r in second["results"]] == ["presupuesto-educacion"]
    harvester = api("package_search", fq="metadata_modified:[2020-01-01T00:00:00Z TO *]", sort="id asc",
                    rows=100).json()["result"]
    assert harvester["count"] == 3


def test_lists_and_shows(small_catalog, api):
    assert api("organization_list").json()["result"] == ["ine", "mineduc"]
    orgs = api("organization_list", all_fields="true", sort="package_count desc").json()["result"]
    assert orgs[0]["name"] == "mineduc" and orgs[0]["package_count"] == 2
    org = api("organization_show", id="mineduc", include_datasets="true").json()["result"]
    assert org["package_count"] == 2 and {p["name"] for p in org["packages"]} == {"escuelas", "presupuesto-educacion"}
    assert "educ" in api("group_list").json()["result"]
    assert api("group_show", id="econ", include_datasets=True).json()["result"]["packages"][0]["name"] == (
        "presupuesto-educacion")
    assert api("tag_list").json()["result"] == ["censo", "educación", "escuelas", "población", "presupuesto"]
    assert api("tag_list", query="esc").json()["result"] == ["escuelas"]
    licenses = {lic["id"]: lic for lic in api("license_list").json()["result"]}
    assert licenses["CC-BY-4.0"]["od_conformance"] == "approved" and not licenses["other-closed"]["is_okd_compliant"]
    resource = small_catalog["schools"].resources.get()
    assert api("resource_show", id=str(resource.pk)).json()["result"]["format"] == "JSON"
    assert len(api("current_package_list_with_resources", limit=2).json()["result"]) == 2
    assert api("status_show").json()["result"]["locale_default"] == "es"
    assert api("site_read").json()["result"] is True


def test_package_create_with_an_api_token(small_catalog, ine_editor, signed_in):
    from apertura.audit.models import AuditEvent

    page = signed_in(ine_editor).post("/datasets/tokens/", {"name": "script"})
    key = page.context["new_key"]
    assert key and key in page.content.decode() and page["Cache-Control"] == "no-store"
    body = {"name": "ipc-mensual", "title": "IPC mensual", "notes": "Índice de precios", "owner_org": "ine",
            "license_id": "CC-BY-4.0", "tags": [{"name": "precios"}], "groups": [{"name": "econ"}],
            "extras": [{"key": "spatial_ine", "value": "01"}, {"key": "frequency", "value": "MONTHLY"}],
            "resources": [{"url": "https://ine.gob.gt/ipc.csv", "name": "IPC", "format": "CSV"}]}
    client = Client()
    url = "/api/3/action/package_create"
    assert client.get(url).status_code == 400  # writes are POST only
    anonymous = client.post(url, json.dumps(body), content_type="application/json")
    assert anonymous.status_code == 403 and anonymous.json()["error"]["__type"] == "Authorization Error"
    created = client.post(url, json.dumps(body), content_type="application/json", headers={"authorization": key})
    result = created.json()["result"]
    assert created.status_code == 200 and result["name"] == "ipc-mensual" and result["resources"][0]["format"] == "CSV"
    assert result["groups"][0]["name"] == "econ" and {"key": "frequency", "value": "MONTHLY"} in result["extras"]
    again = client.post(url, json.dumps(body), content_type="application/json", headers={"x-ckan-api-key": key})
    assert again.status_code == 409 and "name" in again.json()["error"]  # the name is taken
    other = client.post(url, json.dumps({**body, "name": "otro", "owner_org": "mineduc"}),
                        content_type="application/json", headers={"authorization": key})
    assert other.status_code == 403 and AuditEvent.objects.filter(
        action="permission.refused", data__permission="catalog.publish_for").exists()
    bad = client.post(url, json.dumps({**body, "name": "malo", "license_id": "nope"}),
                      content_type="application/json", headers={"authorization": key})
    assert bad.status_code == 409 and "license_id" in bad.json()["error"]
    token = ine_editor.catalog_tokens.get()
    signed_in(ine_editor).post("/datasets/tokens/", {"revoke": token.pk})
    revoked = client.post(url, json.dumps({**body, "name": "tarde"}), content_type="application/json",
                          headers={"authorization": key})
    assert revoked.status_code == 403


def test_only_publishers_get_tokens(make_user, signed_in, institutions, ine_editor):
    assert signed_in(make_user()).get("/datasets/tokens/").status_code == 403
    assert signed_in(ine_editor).post("/datasets/tokens/", {"revoke": "x"}).status_code == 404
