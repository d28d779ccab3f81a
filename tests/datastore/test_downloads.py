"""Downloads of the full or filtered table, streamed, in four formats; formulas never reach a spreadsheet alive;
earlier versions stay downloadable."""

import csv
import io
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db

CSV = b"codigo,nombre,total\n0101,=HYPERLINK(\"http://evil\"),10\n0108,Mixco,20\n1701,+Flores,30\n"


@pytest.fixture
def resource(catalog, django_capture_on_commit_callbacks):
    return catalog.upload(catalog.dataset(), "municipios.csv", CSV, capture=django_capture_on_commit_callbacks)


def url(resource, fmt, version=None):
    base = f"/datasets/{resource.dataset.name}/resources/{resource.pk}/"
    return base + (f"versions/{version}.{fmt}" if version else f"table.{fmt}")


def body(response) -> bytes:
    assert response.streaming  # never built whole in memory
    return b"".join(response.streaming_content)


def test_csv_is_streamed_and_neutralises_formulas(client, resource):
    response = client.get(url(resource, "csv"))
    assert response["Content-Disposition"] == 'attachment; filename="municipioscsv.csv"'
    rows = list(csv.reader(io.StringIO(body(response).decode())))
    assert rows[0] == ["_id", "codigo", "nombre", "total"]
    assert rows[1][1:] == ["0101", "'=HYPERLINK(\"http://evil\")", "10"] and rows[3][2] == "'+Flores"


def test_every_formula_start_is_neutralised_and_other_values_kept(catalog, client,
                                                                 django_capture_on_commit_callbacks):
    messy = (b"nota,cantidad,fecha,activo\n=1+1,1.5,2024-03-01,si\n-2+3,,2024-03-02,no\n@SUM(A1),3,,si\n"
             b'"\tTAB",4,2024-03-04,no\n"a ""quoted"", text",5,2024-03-05,si\n')
    resource = catalog.upload(catalog.dataset(), "notas.csv", messy, capture=django_capture_on_commit_callbacks)
    rows = list(csv.reader(io.StringIO(body(client.get(url(resource, "csv"))).decode(), newline="")))
    assert [r[1] for r in rows[1:]] == ["'=1+1", "'-2+3", "'@SUM(A1)", "'\tTAB", 'a "quoted", text']
    assert [r[2] for r in rows[1:]] == ["1.5", "", "3", "4", "5"]  # an empty cell stays empty
    assert [r[3] for r in rows[1:]] == ["2024-03-01", "2024-03-02", "", "2024-03-04", "2024-03-05"]


def test_filtered_and_sorted_rows_as_json(client, resource):
    response = client.get(url(resource, "json"), {"f2": "20", "sort": "total", "order": "desc"})
    assert json.loads(body(response)) == [{"_id": 2, "codigo": "0108", "nombre": "Mixco", "total": 20}]
    ordered = json.loads(body(client.get(url(resource, "json"), {"sort": "total", "order": "desc"})))
    assert [r["total"] for r in ordered] == [30, 20, 10]


def test_xlsx_neutralises_formulas(client, resource):
    sheet = load_workbook(io.BytesIO(body(client.get(url(resource, "xlsx"))))).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[1][2] == "'=HYPERLINK(\"http://evil\")" and values[1][1] == "0101"


def test_parquet_whole_and_filtered(client, resource, tmp_path):
    whole = tmp_path / "whole.parquet"
    whole.write_bytes(body(client.get(url(resource, "parquet"))))
    assert pq.read_table(whole).num_rows == 3
    some = tmp_path / "some.parquet"
    some.write_bytes(body(client.get(url(resource, "parquet"), {"f1": "mixco"})))
    assert pq.read_table(some).column("codigo").to_pylist() == ["0108"]


def test_earlier_versions_stay_downloadable(catalog, client, resource, django_capture_on_commit_callbacks):
    from apertura.catalog.datastore import resource_file_changed

    Path(resource.file.path).write_bytes(b"codigo,nombre,total\n0101,Guatemala,11\n")
    with django_capture_on_commit_callbacks(execute=True):
        resource_file_changed(resource=resource, by=catalog.users["editor"])
    assert len(list(csv.reader(io.StringIO(body(client.get(url(resource, "csv"))).decode())))) == 2
    first = list(csv.reader(io.StringIO(body(client.get(url(resource, "csv", version=1))).decode())))
    assert len(first) == 4 and first[2][2] == "Mixco"
    page = client.get(f"/datasets/{resource.dataset.name}/resources/{resource.pk}/").content.decode()
    assert url(resource, "parquet", version=1) in page
    assert client.get(url(resource, "csv", version=9)).status_code == 404
    assert client.get(url(resource, "exe")).status_code == 404
