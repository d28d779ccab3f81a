from .env import config

# Background work goes through Django's task API; the database backend keeps the embedded deployment
# one process and one file. APERTURA_TASKS_BACKEND=immediate runs tasks inline (tests).
_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
TASKS = {"default": {"BACKEND": _BACKENDS[config["APERTURA_TASKS_BACKEND"]]}}

# Each worker (`apertura worker`) writes a heartbeat this often. One not heard from for the lease is taken for dead
# (sooner on its own machine, once its process is gone): the tasks it was running are retried, up to
# APERTURA_WORKER_MAX_ATTEMPTS runs in all, then failed. The lease is kept well above the heartbeat, or a worker
# slowed down by a busy machine would be taken for dead while it works.
APERTURA_WORKER_HEARTBEAT_SECONDS = config["APERTURA_WORKER_HEARTBEAT_SECONDS"]
APERTURA_WORKER_LEASE_SECONDS = max(config["APERTURA_WORKER_LEASE_SECONDS"], 3 * APERTURA_WORKER_HEARTBEAT_SECONDS)
APERTURA_WORKER_MAX_ATTEMPTS = max(config["APERTURA_WORKER_MAX_ATTEMPTS"], 1)
