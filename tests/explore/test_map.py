import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_map_page_draws_departments_with_values_table_and_unplaced_rows(client, violence):
    response = client.get(reverse("explore:map", args=[violence.pk]),
                          {"column": "departamento", "level": "department", "aggregate": "sum", "measure": "casos"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'role="img"' in page and "<title>Quiché: 10</title>" in page  # 3 + 5 + 2, however it was written
    assert "<title>Guatemala: 14</title>" in page and "<title>Zacapa: " in page  # Zacapa: no data
    assert "1 row could not be placed" in page or "1 fila" in page
    assert "Narnia" in page
    assert "MINFIN" in page  # the boundaries' source is credited
    assert page.count("<path ") == 22


def test_the_column_holding_places_is_found_without_asking(client, violence):
    response = client.get(reverse("explore:map", args=[violence.pk]))
    assert response.status_code == 200
    assert response.content.decode().count("<path ") == 22  # departamento, count of rows


def test_map_twins_give_codes_values_and_what_was_not_placed(client, violence):
    url = reverse("explore:map", args=[violence.pk])
    params = {"column": "municipio", "level": "municipality", "aggregate": "avg", "measure": "monto",
              "department_column": "departamento"}
    data = client.get(url, {**params, "format": "json"}).json()
    regions = {r["code"]: r for r in data["regions"]}
    assert regions["0101"]["value"] == 100 and regions["0108"]["value"] == 40
    assert regions["1702"]["name"] == "San José" and regions["1413"]["value"] is None  # Nebaj: no amount given
    assert data["unplaced"] == [{"value": "Cair Paravel", "rows": 1}]
    csv = client.get(url, {**params, "format": "csv"}).content.decode()
    assert csv.splitlines()[0] == "code,name,value,rows"
    assert "0108,Mixco,40" in csv


def test_mapping_municipalities_uses_the_department_column_unless_told_not_to(client, violence):
    url = reverse("explore:map", args=[violence.pk])
    params = {"column": "municipio", "level": "municipality", "format": "json"}
    # «San José» is a municipality of Petén and of Escuintla: the table's department column tells which.
    placed = client.get(url, params).json()
    assert {r["code"] for r in placed["regions"] if r["rows"]} >= {"1702"}
    assert placed["unplaced"] == [{"value": "Cair Paravel", "rows": 1}]
    alone = client.get(url, {**params, "department_column": ""}).json()
    assert {"value": "San José", "rows": 1} in alone["unplaced"]


def test_codes_without_their_leading_zero_are_placed(client, violence):
    data = client.get(reverse("explore:map", args=[violence.pk]),
                      {"column": "cod_muni", "level": "municipality", "aggregate": "count", "format": "json"}).json()
    assert {r["code"] for r in data["regions"]} == {"1406", "1401", "1413", "0101", "0108", "1702"}
    assert data["unplaced"] == [{"value": "9999", "rows": 1}]


def test_a_draft_datasets_table_cannot_be_mapped_by_the_public(client, table_of):
    draft = table_of(state="draft")
    assert client.get(reverse("explore:map", args=[draft.pk])).status_code == 404


def test_a_column_that_is_not_in_the_table_is_refused(client, violence):
    response = client.get(reverse("explore:map", args=[violence.pk]), {"column": "nope", "level": "department"})
    assert response.status_code == 400


def test_a_table_without_places_asks_which_column_holds_them(client, table_of):
    resource = table_of("fecha,monto\n2024-01-01,5\n")
    page = client.get(reverse("explore:map", args=[resource.pk])).content.decode()
    assert "<path " not in page and 'name="column"' in page
