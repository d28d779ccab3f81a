from .env import env_int, env_str

# Background work goes through Django's task API; the database backend keeps the embedded deployment
# one process and one file. APERTURA_TASKS_BACKEND=immediate runs tasks inline (tests).
_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
TASKS = {"default": {"BACKEND": _BACKENDS[env_str("APERTURA_TASKS_BACKEND", "database")]}}


def _seconds(name: str, default: float) -> float:
    value = env_str(name)
    return float(value) if value else default


# Each worker (`apertura worker`) writes a heartbeat this often. One not heard from for the lease is taken for dead
# (sooner on its own machine, once its process is gone): the tasks it was running are retried, up to
# APERTURA_WORKER_MAX_ATTEMPTS runs in all, then failed. The lease is kept well above the heartbeat, or a worker
# slowed down by a busy machine would be taken for dead while it works.
APERTURA_WORKER_HEARTBEAT_SECONDS = _seconds("APERTURA_WORKER_HEARTBEAT_SECONDS", 5.0)
APERTURA_WORKER_LEASE_SECONDS = max(_seconds("APERTURA_WORKER_LEASE_SECONDS", 60.0),
                                    3 * APERTURA_WORKER_HEARTBEAT_SECONDS)
APERTURA_WORKER_MAX_ATTEMPTS = max(env_int("APERTURA_WORKER_MAX_ATTEMPTS", 2), 1)
