"""The resource page without JavaScript: status, preview with sort, filters and keyset paging, numbers in the
reader's language, column summaries, the report the publisher reads, the schema editor and who may use it."""

import re

import pytest

from apertura.datastore.models import DatastoreTable

pytestmark = pytest.mark.django_db

ROWS = "".join(f"{i:04d},Municipio {i},{i * 1.5},{'urbana' if i % 2 else 'rural'}\n" for i in range(1, 61))
CSV = ("codigo,nombre,tasa,area\n" + ROWS).encode()


@pytest.fixture
def table_page(catalog, django_capture_on_commit_callbacks):
    dataset = catalog.dataset()
    resource = catalog.upload(dataset, "municipios.csv", CSV, capture=django_capture_on_commit_callbacks)
    return f"/datasets/{dataset.name}/resources/{resource.pk}/", resource


def cells(html, column):
    """The text of one column's cells in the preview table."""
    body = html.split('<table class="preview">')[1].split("</table>")[0].split("<tbody>")[1]
    return [re.sub(r"<[^>]+>", "", row[column]).strip()
            for row in (re.findall(r"<td[^>]*>(.*?)</td>", tr) for tr in body.split("</tr>")) if row]


def test_preview_pages_forward_and_back_with_keyset_links(client, table_page):
    url, _resource = table_page
    first = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "60 rows" in first and cells(first, 0)[:2] == ["0001", "0002"] and len(cells(first, 0)) == 25
    next_link = re.search(r'href="\?([^"]*after=[^"]*)" rel="next"', first).group(1).replace("&amp;", "&")
    assert 'rel="prev"' not in first
    second = client.get(f"{url}?{next_link}").content.decode()
    assert cells(second, 0)[0] == "0026"
    prev_link = re.search(r'href="\?([^"]*before=[^"]*)" rel="prev"', second).group(1).replace("&amp;", "&")
    back = client.get(f"{url}?{prev_link}").content.decode()
    assert cells(back, 0) == cells(first, 0) and 'rel="prev"' not in back


def test_sort_filter_and_spanish_numbers(client, table_page):
    url, _resource = table_page
    sorted_desc = client.get(url, {"sort": "tasa", "order": "desc"}).content.decode()
    assert cells(sorted_desc, 0)[0] == "0060" and 'aria-sort="descending"' in sorted_desc
    assert cells(sorted_desc, 2)[0] == "90,0"  # Spanish decimal comma (default language)
    english = client.get(url, {"sort": "tasa", "order": "desc"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert cells(english, 2)[0] == "90.0"
    # Text columns match words anywhere, without accents or capitals; numbers match exactly, written "1,5" in Spanish.
    filtered = client.get(url, {"f1": "MUNICIPIO 5"}).content.decode()
    assert cells(filtered, 0) == ["0005", "0050", "0051", "0052", "0053", "0054", "0055", "0056", "0057", "0058",
                                  "0059"]
    assert cells(client.get(url, {"f2": "1,5"}).content.decode(), 0) == ["0001"]
    downloads = re.findall(r'href="([^"]*table\.csv[^"]*)"', filtered)
    assert downloads and "f1=MUNICIPIO" in downloads[0]


def test_a_bad_cursor_says_so(client, table_page):
    url, _resource = table_page
    response = client.get(url, {"after": "garbage"})
    assert response.status_code == 400 and "cursor" in response.content.decode().lower()


def test_column_summaries_with_a_histogram(client, table_page):
    url, _resource = table_page
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    section = html.split('id="summaries-heading"')[1]
    assert "<svg" in section and section.count("<rect") == 10  # one numeric column (tasa), ten bins
    assert "Most frequent" in section and "rural <small>(30)</small>" in section
    assert 'style="' not in html  # the Content-Security-Policy forbids inline styles


def test_the_publisher_sees_why_an_upload_failed_and_the_public_does_not(catalog, client, signed_in, table_page,
                                                                           django_capture_on_commit_callbacks):
    from pathlib import Path

    from apertura.catalog.datastore import resource_file_changed

    url, resource = table_page
    Path(resource.file.path).write_bytes(b"codigo,nombre,tasa,area\n0001,Uno,1.5,si\n0002,Dos,abc,no,extra\n")
    with django_capture_on_commit_callbacks(execute=True):
        resource_file_changed(resource=resource, by=catalog.users["editor"])
    editor_view = signed_in(catalog.users["editor"], HTTP_ACCEPT_LANGUAGE="en").get(url).content.decode()
    assert "The last upload was not published." in editor_view
    assert "Version 1 is still the one published." in editor_view
    report = editor_view.split('id="report-heading"')[1].split("</section>")[0]
    assert "<td class=\"n\">3</td>" in report  # the row, counted as in the file (header is row 1)
    public_view = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Version 1 is still the one published." in public_view and 'id="report-heading"' not in public_view
    assert cells(public_view, 0)[0] == "0001"  # still served


@pytest.mark.parametrize("who,may", [("anonymous", False), ("participant", False), ("other_editor", False),
                                     ("editor", True), ("admin", True)])
def test_schema_edit_permission_matrix(catalog, client, signed_in, table_page, who, may):
    url, resource = table_page
    browser = client if who == "anonymous" else signed_in(catalog.users[who])
    assert ('action="' + url + 'schema/"' in browser.get(url).content.decode()) is may
    response = browser.post(url + "schema/", {"title-2": "Tasa por mil", "unit-2": "‰", "type-2": "number"})
    table = DatastoreTable.objects.get(resource_key=str(resource.pk))
    tasa = table.schema["fields"][2]
    if may:
        assert response.status_code == 302 and (tasa["title"], tasa["unit"]) == ("Tasa por mil", "‰")
        assert "Tasa por mil" in browser.get(url).content.decode()
    else:
        assert response.status_code in (302, 403) and "title" not in tasa
        if response.status_code == 302:
            assert "/accounts/login" in response["Location"] or "login" in response["Location"]


def test_a_type_change_checks_the_file_again(catalog, signed_in, table_page, django_capture_on_commit_callbacks):
    url, resource = table_page
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(catalog.users["editor"]).post(url + "schema/", {"type-0": "integer"})
    table = DatastoreTable.objects.select_related("current").get(resource_key=str(resource.pk))
    assert table.current.number == 2 and table.schema["fields"][0]["type"] == "integer"


def test_draft_resources_are_hidden_from_the_public(catalog, client, signed_in, django_capture_on_commit_callbacks):
    dataset = catalog.dataset("borrador", state="draft")
    resource = catalog.upload(dataset, "b.csv", b"a,b\n1,2\n", capture=django_capture_on_commit_callbacks)
    url = f"/datasets/borrador/resources/{resource.pk}/"
    assert client.get(url).status_code == 404 and client.get(url + "table.csv").status_code == 404
    assert signed_in(catalog.users["editor"]).get(url).status_code == 200


def test_status_fragment_polls_while_ingesting_and_refreshes_when_done(client, table_page):
    url, resource = table_page
    DatastoreTable.objects.filter(resource_key=str(resource.pk)).update(status="running", progress=0.4,
                                                                        progress_stage="checking")
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'hx-trigger="every 2s"' in page and 'value="40"' in page and "checking every row" in page
    assert f'href="{url}"' in page  # the refresh link for readers without JavaScript
    polled = client.get(url + "status/?polling=1", HTTP_HX_REQUEST="true")
    assert "HX-Refresh" not in polled
    DatastoreTable.objects.filter(resource_key=str(resource.pk)).update(status="ready")
    done = client.get(url + "status/?polling=1", HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true" and "hx-trigger" not in done.content.decode()


def test_dataset_page_links_each_resource_to_its_page(client, table_page):
    url, resource = table_page
    assert f'href="{url}"' in client.get(f"/datasets/{resource.dataset.name}/").content.decode()


def test_summaries_are_computed_once_per_version(table_page, monkeypatch):
    from apertura.datastore import summaries as module
    from apertura.datastore.selectors import published_table

    _url, resource = table_page
    calls = []
    real = module.column_summaries
    monkeypatch.setattr(module, "column_summaries", lambda table: calls.append(table.key) or real(table))
    ref = published_table(str(resource.pk))
    first = module.summaries(ref, version=1)
    assert module.summaries(ref, version=1) == first and len(calls) == 1
    module.summaries(ref, version=2)  # another version: computed afresh
    assert len(calls) == 2
    assert {s["name"]: s["count"] for s in first} == {"codigo": 60, "nombre": 60, "tasa": 60, "area": 60}


def test_the_page_links_to_charts_maps_and_breakdowns(client, table_page):
    url, resource = table_page
    html = client.get(url).content.decode()
    assert "/explore/" in html and str(resource.pk) in html.split('id="explore-heading"')[1]


def test_the_page_has_json_and_csv_twins(client, table_page):
    url, resource = table_page
    twin = client.get(url, {"format": "json", "f3": "rural"}).json()
    assert twin["total"] == 30 and twin["records"][0]["codigo"] == "0002"
    assert twin["resource"]["id"] == str(resource.pk) and twin["table"]["version"] == 1
    assert twin["next"].endswith("&format=json")
    assert twin["api"].endswith(f"/api/v1/datastore/{resource.pk}/rows")
    assert client.get(twin["next"].split("testserver")[-1]).json()["records"][0]["codigo"] == "0052"
    csv_twin = client.get(url, {"format": "csv", "f3": "rural"})
    assert csv_twin.status_code == 302 and csv_twin["Location"].endswith("table.csv?f3=rural")


def test_yes_no_columns_filter_by_the_words_shown(catalog, client, django_capture_on_commit_callbacks):
    dataset = catalog.dataset()
    resource = catalog.upload(dataset, "escuelas.csv", b"escuela,rural\nA,true\nB,false\nC,true\n",
                              capture=django_capture_on_commit_callbacks)
    url = f"/datasets/{dataset.name}/resources/{resource.pk}/"
    page = client.get(url, {"f1": "sí"}).content.decode()
    assert cells(page, 0) == ["A", "C"] and cells(page, 1) == ["sí", "sí"]
    assert cells(client.get(url, {"f1": "no"}, HTTP_ACCEPT_LANGUAGE="en").content.decode(), 1) == ["no"]


def test_a_link_resource_page_and_its_twin(catalog, client):
    from apertura.catalog.services import resource_add

    dataset = catalog.dataset()
    link = resource_add(dataset=dataset, by=catalog.users["admin"], url="https://ine.gob.gt/censo.csv")
    url = f"/datasets/{dataset.name}/resources/{link.pk}/"
    assert "https://ine.gob.gt/censo.csv" in client.get(url).content.decode()
    twin = client.get(url, {"format": "json"}).json()
    assert twin["table"] is None and twin["resource"]["url"] == "https://ine.gob.gt/censo.csv"


def test_the_publisher_marks_a_breakdown_and_it_survives_a_new_upload(catalog, signed_in, table_page,
                                                                      django_capture_on_commit_callbacks):
    from apertura.catalog.datastore import resource_file_changed

    url, resource = table_page
    editor = signed_in(catalog.users["editor"], HTTP_ACCEPT_LANGUAGE="en")
    assert '<option value="municipality">Municipality</option>' in editor.get(url).content.decode()
    editor.post(url + "schema/", {"dimension-0": "municipality", "dimension-3": ""})
    table = DatastoreTable.objects.get(resource_key=str(resource.pk))
    assert table.schema["fields"][0]["apertura:dimension"] == "municipality"
    assert "apertura:dimension" not in table.schema["fields"][3]
    with django_capture_on_commit_callbacks(execute=True):
        resource_file_changed(resource=resource, by=catalog.users["editor"])
    table.refresh_from_db()
    assert table.current.number == 2 and table.schema["fields"][0]["apertura:dimension"] == "municipality"
    # A value outside the vocabulary is refused and nothing changes.
    response = editor.post(url + "schema/", {"dimension-0": "religion"}, follow=True)
    assert "is not a kind of breakdown" in response.content.decode()
    table.refresh_from_db()
    assert table.schema["fields"][0]["apertura:dimension"] == "municipality"


def test_the_resource_page_links_to_chart_map_and_breakdowns(client, table_page):
    url, resource = table_page
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for page in ("chart", "map", "breakdowns"):
        assert f'href="/explore/{resource.pk}/{page}/"' in html
