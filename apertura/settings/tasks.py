from .env import env_str

# Background work goes through Django's task API; the database backend keeps the embedded deployment
# one process and one file. APERTURA_TASKS_BACKEND=immediate runs tasks inline (tests).
_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
TASKS = {"default": {"BACKEND": _BACKENDS[env_str("APERTURA_TASKS_BACKEND", "database")]}}
