"""Whatever a client sends as q, fq or sort, the answer is results or a readable 400/409, never a 500."""

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apertura.catalog.search import FIELDS, QuerySyntaxError
from apertura.catalog.selectors import datasets_find

pytestmark = pytest.mark.django_db

TOKENS = st.sampled_from(["(", ")", "[", "]", "{", "}", '"', ":", "-", "+", "!", "*", " ", " OR ", " AND ", "NOT ",
                          " TO ", "NOW-1DAY", "NOW-99999999999YEARS", "2024-01-01T00:00:00Z", "99999999999999999999",
                          "educación", "ñ", "\\", "'", "%", "_", *[f"{f}:" for f in FIELDS]])
QUERIES = st.lists(TOKENS | st.text(max_size=4), max_size=12).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=QUERIES, fq=QUERIES)
def test_any_query_either_runs_or_says_why(small_catalog, q, fq):
    try:
        datasets_find(q=q, fq=fq).count()
    except QuerySyntaxError as error:
        assert str(error)


@pytest.mark.parametrize("params", [
    {"q": "metadata_modified:[NOW-99999999999YEARS TO *]"}, {"fq": "owner_org:99999999999999999999"},
    {"start": str(10**20)}, {"rows": "-1"}, {"facet.field": "not json"}, {"facet.limit": "x"}, {"sort": ","},
    {"fq_list": '["organization:ine", "(("]'}, {"fq": "tags:a\x00b"}, {"q": "censo\x00"}, {"fq": 'name:"\x00"'},
])
def test_odd_parameters_never_500(small_catalog, params):
    response = Client().get("/api/3/action/package_search", params)
    assert response.status_code in (200, 400, 409), response.content[:300]
    assert response.json()["success"] is (response.status_code == 200)


def test_nul_characters_in_addresses_and_api_ids_are_not_found():
    assert Client().get("/datasets/a%00b/").status_code == 404
    response = Client().get("/api/3/action/package_show", {"id": "a\x00b"})
    assert response.status_code == 404 and response.json()["error"]["__type"] == "Not Found Error"
    assert Client().get("/api/3/action/organization_show", {"id": "ine\x00x"}).status_code == 404
    assert Client().get("/api/3/action/resource_show", {"id": "r\x00"}).status_code == 404
    assert Client().get("/data-requests/", {"institution": "ine\x00"}).status_code == 200
