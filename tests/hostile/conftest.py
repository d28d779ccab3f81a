# The attacks read the services' messages in English, as the datastore's tests do; the catalog they attack, with
# published and private tables, is built by tests/conftest.py's fixtures.
from tests.datastore.conftest import _messages_in_english  # noqa: F401
