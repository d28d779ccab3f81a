import pytest

from apertura.datastore.ckan import ckan_action
from apertura.datastore.engine.query import QueryError
from apertura.datastore.engine.sqlguard import SQLRefused

pytestmark = pytest.mark.django_db


@pytest.fixture
def towns(published):
    return published("6d2f0c1e-towns", "code,name,n\n0101,Guatemala,3\n0108,Mixco,1\n1701,Flores,2\n")


def test_parameters_as_ckan_clients_send_them(towns):
    result = ckan_action("datastore_search", {
        "id": "6d2f0c1e-towns", "filters": '{"code": ["0101", "1701"]}', "fields": "code,n", "sort": "n desc",
        "limit": "1", "offset": "1", "include_total": "true"})
    assert result["records"] == [{"code": "1701", "n": 2}] and result["total"] == 2
    result = ckan_action("datastore_search", {"resource_id": "6d2f0c1e-towns", "fields": '["name"]',
                                              "include_total": "false", "limit": 1})
    assert result["records"] == [{"name": "Guatemala"}] and "total" not in result
    second = ckan_action("datastore_search", {"resource_id": "6d2f0c1e-towns", "limit": 1,
                                              "cursor": result["next_page"], "fields": '["name"]'})
    assert second["records"] == [{"name": "Mixco"}]


def test_info_and_sql(towns):
    assert ckan_action("datastore_info", {"id": "6d2f0c1e-towns"})["meta"]["count"] == 3
    result = ckan_action("datastore_search_sql", {"sql": 'SELECT sum(n) AS total FROM "6d2f0c1e-towns"'})
    assert result["records"] == [{"total": 6}]
    with pytest.raises(SQLRefused):
        ckan_action("datastore_search_sql", {"sql": "SELECT * FROM read_csv('/etc/passwd')"})


@pytest.mark.parametrize("action,data", [
    ("datastore_delete", {"id": "6d2f0c1e-towns"}),
    ("datastore_search", {}),
    ("datastore_search", {"id": "unknown"}),
    ("datastore_search", {"id": "6d2f0c1e-towns", "filters": "{not json"}),
    ("datastore_search_sql", {}),
])
def test_bad_calls_are_refused_plainly(towns, action, data):
    with pytest.raises(QueryError):
        ckan_action(action, data)
