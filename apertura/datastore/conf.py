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


def sql_max_bytes() -> int:
    """The largest answer datastore_search_sql gives, as encoded JSON (APERTURA_DATASTORE_SQL_MAX_MB)."""
    return _setting("APERTURA_DATASTORE_SQL_MAX_MB", 16) * 1024 * 1024


def sql_memory_limit_bytes() -> int:
    """DuckDB's memory limit for one datastore_search_sql query, whose process may use as much again for the
    rest (APERTURA_DATASTORE_SQL_MEMORY_LIMIT: "256MB", "1GB", "512MiB" or a number of bytes)."""
    return parse_size(_setting("APERTURA_DATASTORE_SQL_MEMORY_LIMIT", "256MB"))


SIZE_UNITS = {"": 1, "b": 1, "kb": 1000, "mb": 1000 ** 2, "gb": 1000 ** 3, "kib": 1024, "mib": 1024 ** 2,
              "gib": 1024 ** 3}


def parse_size(text: str) -> int:
    """Bytes in a size written as DuckDB writes them ("256MB" is 256,000,000 bytes, "256MiB" 2**28)."""
    number = str(text).strip().lower().rstrip("abcdefghijklmnopqrstuvwxyz ")
    unit = str(text).strip().lower()[len(number):].strip()
    if unit not in SIZE_UNITS:
        raise ValueError(f"Not a size: {text!r}")
    return int(float(number) * SIZE_UNITS[unit])


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


def max_line_mb() -> float:
    """The longest row (line) a CSV may have, header included, in MB (APERTURA_DATASTORE_MAX_LINE_MB): a longer
    one is refused with a report naming it, rather than read whole into memory."""
    return _setting("APERTURA_DATASTORE_MAX_LINE_MB", 10.0)
