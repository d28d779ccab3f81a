import dj_database_url

from .env import config, DATA_DIR

# SQLite in WAL mode is the embedded default; DATABASE_URL=postgres://… switches to PostgreSQL.
DATABASES = {
    "default": dj_database_url.parse(
        config["DATABASE_URL"] or f"sqlite:///{DATA_DIR / 'apertura.sqlite3'}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
else:
    # A kept connection the server has since cut (restart, failover, pg_terminate_backend) is checked and replaced
    # at the start of the next request, instead of failing it.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Who is who in pg_stat_activity: `apertura serve` and `apertura worker` name their own connections.
    DATABASES["default"].setdefault("OPTIONS", {})["application_name"] = config["APERTURA_DB_APPLICATION_NAME"]
