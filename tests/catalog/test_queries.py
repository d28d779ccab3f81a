"""Pages and the API read a fixed number of queries, however many datasets there are (no N+1)."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db
URLS = ["/datasets/?q=serie", "/datasets/?format=json", "/api/3/action/package_search?rows=12",
        "/api/3/action/current_package_list_with_resources?limit=12", "/catalog.ttl", "/data.json"]


def test_query_count_does_not_grow_with_results(make_dataset, admin_user, django_assert_max_num_queries):
    from apertura.catalog.services import resource_add

    for number in range(12):
        dataset = make_dataset(f"serie-{number}", "MINEDUC" if number % 2 else "INE", tags=[f"t{number}", "común"],
                               themes=["educ"], spatial=["0101"])
        resource_add(dataset=dataset, by=admin_user, url=f"https://example.org/{number}.csv")
    for url in URLS:
        with django_assert_max_num_queries(16):  # 5 to 15 today, whatever the number of datasets
            assert Client().get(url).status_code == 200, url
