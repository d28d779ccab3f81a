import pytest
from django.urls import reverse

from apertura.explore.models import SavedChart

pytestmark = pytest.mark.django_db


def test_chart_form_works_without_javascript_as_svg_bars_and_a_data_table(client, violence):
    response = client.get(reverse("explore:chart", args=[violence.pk]),
                          {"kind": "bar", "x": "sexo", "aggregate": "sum", "y": "casos"})
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("<rect x=") == 2  # one bar for Hombre, one for Mujer
    assert "<title>Hombre: 18</title>" in page and "<title>Mujer: 14</title>" in page
    assert "<script>" not in page and "style=" not in page  # the CSP allows neither
    assert 'data-vega-spec="/explore/' in page


def test_line_chart_with_a_colour_per_series(client, violence):
    page = client.get(reverse("explore:chart", args=[violence.pk]),
                      {"kind": "line", "x": "grupo_edad", "aggregate": "count", "color": "sexo"}).content.decode()
    assert page.count("<polyline") == 2  # Hombre and Mujer each have rows in two age groups
    assert "<title>20-24 · Mujer: 1</title>" in page


def test_spec_endpoint_gives_vega_lite_with_the_aggregated_data(client, violence):
    spec = client.get(reverse("explore:chart_spec", args=[violence.pk]),
                      {"kind": "point", "x": "departamento", "aggregate": "avg", "y": "monto"}).json()
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    assert spec["mark"]["type"] == "point"
    assert {"x": "Guatemala", "series": None, "value": 70.0} in spec["data"]["values"]


def test_chart_twins(client, violence):
    url = reverse("explore:chart", args=[violence.pk])
    data = client.get(url, {"x": "sexo", "aggregate": "count", "format": "json"}).json()
    assert {r["x"]: r["value"] for r in data["data"]} == {"Hombre": 4, "Mujer": 3}
    csv = client.get(url, {"x": "sexo", "aggregate": "count", "format": "csv"}).content.decode()
    assert csv.splitlines()[:2] == ["sexo,value", "Hombre,4"]


def test_unknown_columns_are_refused(client, violence):
    assert client.get(reverse("explore:chart", args=[violence.pk]), {"x": "nope"}).status_code == 400


def test_only_publishers_save_charts_and_everyone_sees_them_at_a_stable_address(client, make_user, signed_in,
                                                                                violence):
    url = reverse("explore:chart_save", args=[violence.pk])
    params = {"kind": "bar", "x": "sexo", "aggregate": "sum", "y": "casos", "color": "", "name": "Casos por sexo"}
    assert client.post(url, params).status_code == 403  # anonymous
    assert signed_in(make_user()).post(url, params).status_code == 403  # a participant
    assert SavedChart.objects.count() == 0

    editor = make_user("editor", "MINGOB")
    response = signed_in(editor).post(url, params)
    chart = SavedChart.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/explore/charts/{chart.pk}/"
    assert chart.params == {"kind": "bar", "x": "sexo", "aggregate": "sum", "y": "casos"}
    assert chart.created_by == editor

    shown = client.get(chart.get_absolute_url())
    assert shown.status_code == 200
    page = shown.content.decode()
    assert "Casos por sexo" in page and "<title>Hombre: 18</title>" in page

    other_editor = make_user("editor", "MINGOB")
    remove = reverse("explore:saved_chart_remove", args=[chart.pk])
    assert signed_in(other_editor).post(remove).status_code == 403
    assert signed_in(editor).post(remove).status_code == 302
    assert not SavedChart.objects.exists()


def test_a_saved_chart_of_a_draft_is_not_public(client, make_user, signed_in, table_of):
    draft = table_of(state="draft")
    chart = SavedChart.objects.create(name="Borrador", resource_key=str(draft.pk), params={"x": "sexo"})
    assert client.get(chart.get_absolute_url()).status_code == 404
