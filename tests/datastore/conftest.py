import pytest


@pytest.fixture(autouse=True)
def _quick_sql_timeout(settings):
    settings.APERTURA_DATASTORE_SQL_TIMEOUT = 2.0


@pytest.fixture(autouse=True)
def _messages_in_english():
    """These tests read the messages services raise, which follow the active language (Spanish by default)."""
    from django.utils import translation

    with translation.override("en"):
        yield
