"""Datasets, resources and data requests are written by services that check rules and audit every write."""

import datetime as dt
import hashlib

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from apertura.audit.models import AuditEvent
from apertura.catalog import services
from apertura.geo import regions as geography
from apertura.catalog.models import DataRequest, Dataset, License, Theme

pytestmark = pytest.mark.django_db


def test_registers_are_seeded_and_know_which_licenses_are_open():
    assert set(License.objects.filter(is_open=True).values_list("id", flat=True)) >= {
        "CC-BY-4.0", "CC0-1.0", "ODbL-1.0", "CC-BY-SA-4.0"}
    assert not License.objects.get(pk="other-closed").is_open
    assert Theme.objects.get(pk="educ").uri.endswith("/data-theme/EDUC")
    assert Theme.objects.get(pk="gobierno-abierto").uri == ""


def test_geography_has_every_department_and_municipality():
    assert len(geography.departments()) == 22 and len(geography.municipalities()) == 340
    assert geography.names()["0101"] == "Guatemala" and geography.names()["16"] == "Alta Verapaz"
    assert geography.unknown_codes(["01", "2217", "23", "9999"]) == ["23", "9999"]


def test_editor_publishes_for_own_institution_with_full_metadata(ine_editor, institutions):
    dataset = services.dataset_create(
        by=ine_editor, publisher=institutions["INE"], title="Índice de precios", description="IPC mensual.",
        license="CC-BY-4.0", tags=["precios", "IPC", "ipc"], themes=["econ"], spatial=["0101"],
        temporal_start="2020-01", temporal_end="2023", legal_basis="Decreto 57-2008 art. 10 num. 4",
        state="published")
    assert dataset.name == "indice-de-precios"
    assert sorted(t.name for t in dataset.tags.all()) == ["IPC", "precios"]
    assert str(dataset.temporal_from) == "2020-01" and dataset.temporal_to.last_day() == dt.date(2023, 12, 31)
    assert dataset.spatial_index == " 01 0101 "
    assert "indice de precios" in dataset.title_text and "estadistica" in dataset.search_text
    event = AuditEvent.objects.filter(action="dataset.create").get()
    assert event.object_id == str(dataset.pk) and event.actor == ine_editor
    services.dataset_update(dataset=dataset, by=ine_editor, title="IPC")
    assert [h.title for h in dataset.history.order_by("history_date")] == ["Índice de precios", "IPC"]


def test_editor_cannot_publish_or_change_for_another_institution(ine_editor, institutions, make_dataset):
    with pytest.raises(PermissionDenied):
        services.dataset_create(by=ine_editor, publisher=institutions["MINEDUC"], title="X", description="x",
                                license="CC0-1.0")
    schools = make_dataset("escuelas", "MINEDUC")
    with pytest.raises(PermissionDenied):
        services.dataset_update(dataset=schools, by=ine_editor, title="Hacked")
    assert AuditEvent.objects.filter(action__endswith=".refused").count() == 2
    assert Dataset.objects.get(pk=schools.pk).title != "Hacked"


@pytest.mark.parametrize("values, field", [
    ({"spatial": ["99"]}, "spatial"),
    ({"temporal_start": "2020-13"}, "temporal_start"),
    ({"temporal_start": "2021", "temporal_end": "2020"}, "temporal_end"),
    ({"license": "nope"}, "license"),
    ({"themes": ["nope"]}, "themes"),
    ({"name": "Bad Name!"}, "name"),
])
def test_invalid_metadata_is_refused_with_the_field(make_dataset, values, field):
    values = {"name": "un-dataset", **values}
    with pytest.raises(ValidationError) as error:
        make_dataset(values.pop("name"), **values)
    assert field in error.value.message_dict
    assert not Dataset.objects.exists()


def test_upload_is_streamed_hashed_and_typed(make_dataset, admin, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    dataset = make_dataset("datos")
    content = b"codigo,nombre\n0101,Guatemala\n" * 1000
    resource = services.resource_add(dataset=dataset, by=admin, title="",
                                     upload=SimpleUploadedFile("muni.csv", content))
    assert resource.sha256 == hashlib.sha256(content).hexdigest() and resource.size == len(content)
    assert resource.media_type == "text/csv" and resource.format == "CSV" and resource.title == "muni.csv"
    assert not resource.file.name.endswith("muni.csv")  # stored under a random name
    assert resource.history.count() == 1
    assert AuditEvent.objects.filter(action="resource.add").count() == 1


@pytest.mark.parametrize("name, content", [
    ("datos.csv", b"%PDF-1.4 fake pdf"),  # not what its extension claims
    ("page.csv", b"<html><script>alert(1)</script></html>"),  # markup is never accepted
])
def test_upload_that_lies_is_refused(make_dataset, admin, settings, tmp_path, name, content):
    settings.MEDIA_ROOT = str(tmp_path)
    dataset = make_dataset("datos")
    with pytest.raises(ValidationError):
        services.resource_add(dataset=dataset, by=admin, upload=SimpleUploadedFile(name, content))
    assert not dataset.resources.exists()


def test_upload_size_limit_is_configurable(make_dataset, admin, settings, tmp_path):
    settings.MEDIA_ROOT, settings.APERTURA_CATALOG_MAX_MB = str(tmp_path), 100 / 1024 ** 2  # 100 bytes
    dataset = make_dataset("datos")
    with pytest.raises(ValidationError, match="100"):
        services.resource_add(dataset=dataset, by=admin, upload=SimpleUploadedFile("a.csv", b"a,b\n" * 100))


def test_data_request_is_supported_and_answered(make_user, institutions, ine_editor):
    citizen, other = make_user(), make_user()
    request = services.data_request_create(by=citizen, institution=institutions["INE"], title="Homicidios",
                                           description="Por municipio y mes.")
    assert services.data_request_support(request=request, by=other) is True
    assert services.data_request_support(request=request, by=other) is False
    assert request.supports.count() == 1
    with pytest.raises(ValidationError):
        services.data_request_answer(request=request, by=ine_editor, status="planned")
    with pytest.raises(ValidationError):
        services.data_request_answer(request=request, by=ine_editor, status="refused", answer="No")
    services.data_request_answer(request=request, by=ine_editor, status="planned", planned_for=dt.date(2027, 3, 1),
                                 answer="En marzo.")
    request.refresh_from_db()
    assert request.status == "planned" and request.answered_at and request.days_to_answer == 0
    with pytest.raises(PermissionDenied):
        services.data_request_answer(request=request, by=citizen, status="refused", answer="Not mine to refuse")
    with pytest.raises(PermissionDenied):
        services.data_request_create(by=AnonymousUser(), institution=institutions["INE"], title="x", description="y")
    assert DataRequest.objects.get().history.count() == 2


def test_publish_self_needs_the_commission():
    with pytest.raises(CommandError, match="GAE"):
        call_command("catalog", "publish-self")


def test_large_upload_is_streamed_never_held_whole(make_dataset, admin, settings, tmp_path):
    """A 40 MB file goes through with a memory peak far below its size: it is read and stored in chunks."""
    import tracemalloc

    from django.core.files.uploadedfile import TemporaryUploadedFile

    settings.MEDIA_ROOT, settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path), str(tmp_path)
    dataset = make_dataset("grande")
    upload = TemporaryUploadedFile("grande.csv", "text/csv", 0, "utf-8")
    line, sha = b"0101,Guatemala,12345,67890\n", hashlib.sha256()
    block = line * 40_000
    for _ in range(40):
        upload.write(block)
        sha.update(block)
    upload.size = upload.tell()
    upload.seek(0)
    tracemalloc.start()
    try:
        resource = services.resource_add(dataset=dataset, by=admin, upload=upload)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        upload.close()
    assert resource.size == 40 * len(block) > 40_000_000 and resource.sha256 == sha.hexdigest()
    assert peak < 4_000_000, peak
