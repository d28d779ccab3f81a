import pytest


@pytest.fixture(scope="session")
def _datastore_session_root(tmp_path_factory):
    # One folder for the session: the engine keeps one locked-down DuckDB database per folder.
    return tmp_path_factory.mktemp("datastore")


@pytest.fixture(autouse=True)
def datastore_root(settings, _datastore_session_root):
    settings.APERTURA_DATASTORE_ROOT = str(_datastore_session_root)
    settings.APERTURA_DATASTORE_SQL_TIMEOUT = 2.0
    return _datastore_session_root


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
