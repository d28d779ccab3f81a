"""The datastore's settings (APERTURA_DATASTORE_…), parsed from the environment at start-up
(apertura/settings/registry.py) and read here from the Django settings, so tests override them there."""

from pathlib import Path

from django.conf import settings

from apertura.settings.registry import SIZE_UNITS, parse_size  # noqa: F401  (parse_size was defined here)


def datastore_root() -> Path:
    """Where Parquet files live (APERTURA_DATASTORE_ROOT; default MEDIA_ROOT/datastore)."""
    return Path(settings.APERTURA_DATASTORE_ROOT or Path(settings.MEDIA_ROOT) / "datastore").resolve()


def sql_timeout_seconds() -> float:
    return float(settings.APERTURA_DATASTORE_SQL_TIMEOUT)


def sql_max_rows() -> int:
    return int(settings.APERTURA_DATASTORE_SQL_MAX_ROWS)


def sql_max_bytes() -> int:
    """The largest answer datastore_search_sql gives, as encoded JSON (APERTURA_DATASTORE_SQL_MAX_MB)."""
    return int(settings.APERTURA_DATASTORE_SQL_MAX_MB * 1024 * 1024)


def sql_memory_limit_bytes() -> int:
    """DuckDB's memory limit for one datastore_search_sql query, whose process may use as much again for the
    rest (APERTURA_DATASTORE_SQL_MEMORY_LIMIT: "256MB", "1GB", "512MiB" or a number of bytes)."""
    return parse_size(settings.APERTURA_DATASTORE_SQL_MEMORY_LIMIT)


def xlsx_max_uncompressed_bytes() -> int:
    return int(settings.APERTURA_DATASTORE_XLSX_MAX_MB * 1024 * 1024)


def max_upload_bytes() -> int:
    return int(settings.APERTURA_DATASTORE_MAX_MB * 1024 * 1024)


def xlsx_export_max_rows() -> int:
    return int(settings.APERTURA_DATASTORE_XLSX_EXPORT_MAX_ROWS)


def memory_limit() -> str:
    """DuckDB's memory limit for ingesting and searching (APERTURA_DATASTORE_MEMORY_LIMIT), as DuckDB takes it."""
    return f"{parse_size(settings.APERTURA_DATASTORE_MEMORY_LIMIT)}B"


def result_cache_entries() -> int:
    """How many query results each process keeps (0: none; see engine.query.cached)."""
    return int(settings.APERTURA_DATASTORE_RESULT_CACHE)


def max_line_mb() -> float:
    """The longest row (line) a CSV may have, header included, in MB (APERTURA_DATASTORE_MAX_LINE_MB): a longer
    one is refused with a report naming it, rather than read whole into memory."""
    return float(settings.APERTURA_DATASTORE_MAX_LINE_MB)
