"""The datastore's settings: each from the Django settings if set there, else from the environment."""

import os
from pathlib import Path

from django.conf import settings


def _setting(name: str, default):
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name)
    if value in (None, ""):
        return default
    return type(default)(value) if not isinstance(default, Path) else Path(value)


def datastore_root() -> Path:
    """Where Parquet files live (APERTURA_DATASTORE_ROOT; default MEDIA_ROOT/datastore)."""
    return _setting("APERTURA_DATASTORE_ROOT", Path(settings.MEDIA_ROOT) / "datastore").resolve()


def sql_timeout_seconds() -> float:
    return _setting("APERTURA_DATASTORE_SQL_TIMEOUT", 5.0)


def sql_max_rows() -> int:
    return _setting("APERTURA_DATASTORE_SQL_MAX_ROWS", 32000)


def xlsx_max_uncompressed_bytes() -> int:
    return _setting("APERTURA_DATASTORE_XLSX_MAX_MB", 200) * 1024 * 1024


def max_upload_bytes() -> int:
    return _setting("APERTURA_DATASTORE_MAX_MB", 10240) * 1024 * 1024


def xlsx_export_max_rows() -> int:
    return _setting("APERTURA_DATASTORE_XLSX_EXPORT_MAX_ROWS", 100_000)


def memory_limit() -> str:
    return _setting("APERTURA_DATASTORE_MEMORY_LIMIT", "512MB")


def result_cache_entries() -> int:
    """How many query results each process keeps (0: none; see engine.query.cached)."""
    return _setting("APERTURA_DATASTORE_RESULT_CACHE", 128)
