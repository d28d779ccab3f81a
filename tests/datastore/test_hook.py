"""The catalog hands tabular uploads to the datastore once its transaction commits."""

from pathlib import Path

import pytest

from apertura.datastore.models import DatastoreTable

pytestmark = pytest.mark.django_db

CSV = b"municipio,poblacion\n0101,923392\n0108,473080\n"


def test_a_tabular_upload_becomes_a_table_after_commit(catalog, django_capture_on_commit_callbacks):
    dataset = catalog.dataset()
    with django_capture_on_commit_callbacks() as callbacks:
        resource = catalog.upload(dataset, "poblacion.csv", CSV, capture=lambda **_: _Null())
        # Nothing is queued while the catalog's transaction is open: the worker would not find the resource.
        assert not DatastoreTable.objects.filter(resource_key=str(resource.pk)).exists()
    assert len(callbacks) == 1
    callbacks[0]()
    table = DatastoreTable.objects.get(resource_key=str(resource.pk))
    assert table.status == "ready" and table.row_count == 2
    assert [f["type"] for f in table.schema["fields"]] == ["string", "integer"]  # INE codes keep their zeros


def test_documents_and_links_get_no_table(catalog, django_capture_on_commit_callbacks):
    from apertura.catalog.services import resource_add

    dataset = catalog.dataset()
    catalog.upload(dataset, "informe.pdf", b"%PDF-1.4\n%test\n", capture=django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        resource_add(dataset=dataset, by=catalog.users["editor"], url="https://ine.gob.gt/datos.csv")
    assert callbacks == [] and not DatastoreTable.objects.exists()


def test_a_refused_replacement_keeps_the_previous_version(catalog, django_capture_on_commit_callbacks):
    from apertura.catalog.datastore import resource_file_changed

    dataset = catalog.dataset()
    resource = catalog.upload(dataset, "poblacion.csv", CSV, capture=django_capture_on_commit_callbacks)
    # The publisher replaces the file with a broken one (a header missing): the table says why, and still serves v1.
    Path(resource.file.path).write_bytes(b"municipio,\n0101,1\n0108,2\n")
    with django_capture_on_commit_callbacks(execute=True):
        assert resource_file_changed(resource=resource, by=catalog.users["editor"])
    table = DatastoreTable.objects.select_related("current").get(resource_key=str(resource.pk))
    assert table.status == "failed" and table.current.number == 1 and table.row_count == 2
    assert table.last_report["errors"][0]["type"] == "blank-label"
    # The publisher is told in their inbox, with a link to the page that shows the report.
    inbox = list(catalog.users["editor"].notifications.order_by("id"))
    assert len(inbox) == 2 and inbox[1].url == f"/datasets/{dataset.name}/resources/{resource.pk}/"
    assert "poblacion.csv" in inbox[1].title and inbox[1].body == table.last_report["summary"]


class _Null:
    """A stand-in for django_capture_on_commit_callbacks when the test captures the callbacks itself."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_replacing_the_file_through_the_page(catalog, signed_in, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    dataset = catalog.dataset()
    resource = catalog.upload(dataset, "poblacion.csv", CSV, capture=django_capture_on_commit_callbacks)
    url = f"/datasets/{dataset.name}/resources/{resource.pk}/"
    editor = signed_in(catalog.users["editor"], HTTP_ACCEPT_LANGUAGE="en")
    with django_capture_on_commit_callbacks(execute=True):
        editor.post(url + "replace/", {"file": SimpleUploadedFile("v2.csv", CSV + b"1701,80000\n")})
    table = DatastoreTable.objects.select_related("current").get(resource_key=str(resource.pk))
    assert table.current.number == 2 and table.row_count == 3 and table.current.source_name == "v2.csv"
    # A file that is not what it claims is refused by the catalog before the datastore sees it.
    page = editor.post(url + "replace/", {"file": SimpleUploadedFile("v3.csv", b"%PDF-1.4 x")}, follow=True)
    assert "claims to be .csv" in page.content.decode() and table.versions.count() == 2
    other = signed_in(catalog.users["other_editor"])
    assert other.post(url + "replace/", {"file": SimpleUploadedFile("x.csv", CSV)}).status_code == 403


def test_a_file_in_remote_storage_is_copied_by_the_worker(catalog, settings):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from apertura.datastore.services import datastore_ingest_queue

    name = default_storage.save("resources/remote.csv", ContentFile(CSV))
    datastore_ingest_queue(key="remote-table", storage_name=name, source_name="remote.csv", system=True)
    table = DatastoreTable.objects.get(resource_key="remote-table")
    assert table.status == "ready" and table.row_count == 2
    assert not list((Path(settings.APERTURA_DATASTORE_ROOT) / ".tmp").rglob("*.csv"))  # the copy is removed


def test_a_parquet_upload_is_accepted_and_becomes_a_table(catalog, django_capture_on_commit_callbacks, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    source = tmp_path / "poblacion.parquet"
    pq.write_table(pa.table({"municipio": ["0101", "0108"], "poblacion": [923392, 473080]}), source)
    resource = catalog.upload(catalog.dataset(), "poblacion.parquet", source.read_bytes(),
                              capture=django_capture_on_commit_callbacks)
    assert resource.format == "PARQUET" and resource.media_type == "application/vnd.apache.parquet"
    table = DatastoreTable.objects.get(resource_key=str(resource.pk))
    assert table.status == "ready" and table.row_count == 2


def test_a_file_named_parquet_that_is_not_is_refused(catalog):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="claims to be .parquet"):
        catalog.upload(catalog.dataset(), "poblacion.parquet", CSV, capture=lambda **_: _Null())
