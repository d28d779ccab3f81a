import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_home_without_a_plan_explains_how_to_load_one():
    page = Client(headers={"accept-language": "en"}).get("/").content.decode()
    assert "No action plan has been loaded yet" in page and "apertura plan import" in page


def test_plan_list_without_plans_says_so():
    page = Client(headers={"accept-language": "en"}).get("/plans/").content.decode()
    assert "No action plan has been loaded yet" in page
