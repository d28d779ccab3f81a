"""Pages and the API read a fixed number of queries, however many datasets there are (no N+1): the same exact
count with 6 datasets and with 12."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db
# Queries per page (a streamed page's included: its body is read inside the count).
QUERIES = {"/datasets/?q=serie": 16, "/datasets/?format=json": 15, "/api/3/action/package_search?rows=12": 8,
           "/api/3/action/current_package_list_with_resources?limit=12": 5, "/catalog.ttl": 6, "/data.json": 5}


def test_query_count_does_not_grow_with_results(make_dataset, admin, django_assert_num_queries):
    from apertura.catalog.services import resource_add

    def add(numbers):
        for number in numbers:
            dataset = make_dataset(f"serie-{number}", "MINEDUC" if number % 2 else "INE",
                                   tags=[f"t{number}", "común"], themes=["educ"], spatial=["0101"])
            resource_add(dataset=dataset, by=admin, url=f"https://example.org/{number}.csv")

    for numbers in (range(6), range(6, 12)):
        add(numbers)
        for url, expected in QUERIES.items():
            with django_assert_num_queries(expected):
                response = Client().get(url)
                response.getvalue()
            assert response.status_code == 200, url
