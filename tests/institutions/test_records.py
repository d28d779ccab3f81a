"""The institution record (institutions/schemas.py), as the API answers it. Institutions are written only by the
plan import (`apertura plan import`), so this app has no services and no permissions of its own."""

import pytest
from django.test import Client

from apertura.institutions.models import Institution

pytestmark = pytest.mark.django_db


@pytest.fixture
def mineduc(db):
    return Institution.objects.create(acronym="MINEDUC", slug="mineduc", name_es="Ministerio de Educación",
                                      name_en="Ministry of Education", kind=Institution.Kind.PUBLIC_ENTITY)


def test_the_record_names_the_institution_in_the_readers_language(mineduc):
    english = Client(headers={"accept-language": "en"}).get("/api/v1/institutions/mineduc").json()
    assert english == {"acronym": "MINEDUC", "slug": "mineduc", "name": "Ministry of Education",
                       "name_es": "Ministerio de Educación", "name_en": "Ministry of Education",
                       "kind": "public_entity", "url": "/institutions/mineduc/"}
    assert Client().get("/api/v1/institutions/mineduc").json()["name"] == "Ministerio de Educación"


def test_the_list_is_the_same_records_paginated(mineduc):
    page = Client().get("/api/v1/institutions/?limit=10").json()
    assert page["count"] == 1 and page["items"] == [Client().get("/api/v1/institutions/mineduc").json()]


def test_an_unknown_institution_is_a_404_that_names_it(db):
    response = Client().get("/api/v1/institutions/nobody")
    assert response.status_code == 404 and "nobody" in response.json()["detail"]
