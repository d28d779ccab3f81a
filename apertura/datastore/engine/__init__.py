"""The datastore engine: pure functions over files and DuckDB, with no models (services.py adds those)."""
