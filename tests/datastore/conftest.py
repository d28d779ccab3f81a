import pytest


@pytest.fixture(autouse=True)
def _quick_sql_timeout(settings):
    settings.APERTURA_DATASTORE_SQL_TIMEOUT = 2.0


@pytest.fixture
def write(tmp_path):
    """Write a file for upload: text (in an encoding) or bytes."""

    def make(name, content, encoding="utf-8"):
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_bytes(content.encode(encoding))
        return path

    return make


@pytest.fixture
def published(db, write):
    """Ingest text as table `key` and return its TableRef."""
    from apertura.datastore.selectors import published_table
    from apertura.datastore.services import datastore_ingest

    def make(key, text, name="data.csv"):
        result = datastore_ingest(key=key, source_path=write(name, text))
        assert result.ok, result.report
        return published_table(key)

    return make


@pytest.fixture(autouse=True)
def _messages_in_english():
    """These tests read the messages services raise, which follow the active language (Spanish by default)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def catalog(db, make_user, settings, tmp_path):
    """Two institutions with an editor each, an administrator, and a way to publish a CSV as a resource of a
    dataset: the upload goes through the catalog's service, whose hook ingests it (tasks run inline)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from apertura.catalog.registers import seed
    from apertura.catalog.services import dataset_create, resource_add
    from apertura.institutions.models import Institution

    seed()
    settings.MEDIA_ROOT = str(tmp_path / "media")
    ine = Institution.objects.create(acronym="INE", slug="ine", name_es="Instituto Nacional de Estadística",
                                     name_en="National Statistics Institute", kind="public_entity")
    Institution.objects.create(acronym="MINEDUC", slug="mineduc", name_es="Ministerio de Educación",
                               name_en="Ministry of Education", kind="public_entity")
    people = {"admin": make_user("administrator"), "editor": make_user("editor", "INE"),
              "other_editor": make_user("editor", "MINEDUC"), "participant": make_user()}

    class Catalog:
        users = people

        @staticmethod
        def dataset(name="poblacion", state="published"):
            return dataset_create(by=people["admin"], publisher=ine, name=name, title=name.title(),
                                  description="Datos.", license="CC-BY-4.0", state=state)

        @staticmethod
        def upload(dataset, name, content: bytes, *, capture):
            with capture(execute=True):
                return resource_add(dataset=dataset, by=people["editor"], upload=SimpleUploadedFile(name, content))

    return Catalog
