# The attacks reuse the fixtures that build a catalog with published and private tables.
from tests.catalog.conftest import institutions  # noqa: F401
from tests.datastore.conftest import _messages_in_english, catalog, published, write  # noqa: F401
