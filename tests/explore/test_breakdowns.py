import pytest
from django.urls import reverse

from apertura.datastore.selectors import published_table
from apertura.explore.dimensions import dimensions

pytestmark = pytest.mark.django_db


def test_dimensions_are_recognised_by_column_name_and_values(violence):
    found = {d.name: d.kind for d in dimensions(published_table(str(violence.pk)))}
    assert found == {"departamento": "department", "municipio": "municipality", "cod_muni": "municipality",
                     "sexo": "sex", "grupo_edad": "age_group"}


def test_a_schema_marks_dimensions_the_names_would_not_reveal(table_of):
    text = "pueblo_x,grado,n\nMaya,Primaria,3\nXinka,Ninguno,1\nGarífuna,Primaria,2\n"
    schema = {"fields": [{"name": "pueblo_x", "type": "string", "apertura:dimension": "ethnicity"},
                         {"name": "grado", "type": "string", "apertura:dimension": "education_level"},
                         {"name": "n", "type": "integer"}]}
    resource = table_of(text, schema=schema)
    found = {d.name: (d.kind, d.declared) for d in dimensions(published_table(str(resource.pk)))}
    assert found == {"pueblo_x": ("ethnicity", True), "grado": ("education_level", True)}


def test_breakdowns_page_counts_by_each_dimension_and_sex_by_age(client, violence):
    response = client.get(reverse("explore:breakdowns", args=[violence.pk]), {"measure": "casos"})
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('<section aria-labelledby="breakdown-') == 5
    assert '<svg width="160" height="12"' in page  # the small bars
    data = client.get(reverse("explore:breakdowns", args=[violence.pk]), {"measure": "casos", "format": "json"}).json()
    by = {b["column"]: {r["category"]: r["value"] for r in b["rows"]} for b in data["breakdowns"]}
    assert by["sexo"] == {"Hombre": 18, "Mujer": 14}
    assert by["departamento"]["Quiché"] == 10  # three spellings, one department
    assert list(by["grupo_edad"]) == ["0-14", "15-19", "20-24"]  # ages in order, not by size
    cells = {(c["row"], c["column"]): c["value"] for c in data["cross"]["cells"]}
    assert cells[("20-24", "Hombre")] == 12 and cells[("15-19", "Mujer")] == 3 and cells[("0-14", "Mujer")] == 1


def test_breakdowns_csv_twin(client, violence):
    csv = client.get(reverse("explore:breakdowns", args=[violence.pk]), {"format": "csv"}).content.decode()
    assert csv.splitlines()[0] == "column,dimension,category,value"
    assert "sexo,sex,Hombre,4" in csv


def test_a_table_without_dimensions_says_so(client, table_of):
    resource = table_of("fecha,monto\n2024-01-01,5\n")
    response = client.get(reverse("explore:breakdowns", args=[resource.pk]))
    page = response.content.decode()
    assert response.status_code == 200  # an error page has no table either
    assert "apertura:dimension" not in page and "<table" not in page
