"""The background worker: django-tasks-db's, made to survive what a long-running process meets.

- A database error (the server restarted, the connection was cut) does not end the worker: it closes the broken
  connections, waits a little longer each time (up to a minute), and goes on.
- A task's outcome that could not be saved because the connection dropped is saved once it is back; a task that
  failed *because* the connection dropped, or because the worker was told to stop in the middle, is released
  (queued again, or failed once it has had its runs) rather than recorded as the task's own failure.
- A heartbeat thread says the worker is alive; a reaper thread retries or fails the tasks of workers that are not
  (see `common.leases`). An outcome is only saved while the task is still this worker's: one taken over after this
  worker stalled past its lease is left to the worker that has it now.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time

from django.db import InterfaceError, OperationalError, close_old_connections, connections
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.module_loading import autodiscover_modules
from django_tasks import TaskResultStatus
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from . import leases, scratch
from .supervisor import PARENT_PID_ENV, Backoff

logger = logging.getLogger("apertura.worker")

DATABASE_ERRORS = (OperationalError, InterfaceError)
BACKOFF_FIRST, BACKOFF_MAX = 0.5, 60.0
# Saving an outcome while the worker is stopping: a few tries, then the reaper will take the task back.
TRIES_WHILE_STOPPING = 3


def default_worker_id() -> str:
    # Readable in pg_stat_activity and in logs: which machine, which process.
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{get_random_string(6)}"


def close_broken_connections() -> None:
    """Drop this thread's connections so the next query opens a fresh one (a broken one would fail it again)."""
    for connection in connections.all(initialized_only=True):
        try:
            connection.close()
        except DATABASE_ERRORS:
            connection.connection = None


def connection_lost(exc: BaseException | None) -> bool:
    """Whether `exc` (or what led to it) is the database connection going away, not a query the task got wrong.
    PostgreSQL says so by the error's class: none (the client saw the socket close), 08 (connection exception) or
    57P (the server shut the session down, as pg_terminate_backend does). SQLite has no connection to lose."""
    while exc is not None:
        if isinstance(exc, InterfaceError):
            return True
        if isinstance(exc, OperationalError) and hasattr(exc.__cause__, "sqlstate"):
            state = exc.__cause__.sqlstate
            return state is None or state.startswith(("08", "57P"))
        exc = exc.__cause__ or exc.__context__
    return False


class _Every(threading.Thread):
    """Runs `action` every `interval` seconds on its own database connection until stopped; errors are logged."""

    def __init__(self, name: str, interval: float, action, stop: threading.Event):
        super().__init__(name=name, daemon=True)
        self.interval, self.action, self.stop = interval, action, stop

    def run(self) -> None:
        try:
            while not self.stop.wait(self.interval):
                close_old_connections()
                try:
                    self.action()
                except DATABASE_ERRORS as exc:
                    logger.warning("%s: database unavailable (%s); trying again in %ss", self.name, exc,
                                   self.interval)
                    close_broken_connections()
                except Exception:
                    logger.exception("%s failed", self.name)
        finally:
            close_broken_connections()


class Worker(db_worker.Worker):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.started_at = timezone.now()
        self.backoff = Backoff(first=BACKOFF_FIRST, cap=BACKOFF_MAX)
        self.stopping = threading.Event()
        self.parent_pid = int(os.environ.get(PARENT_PID_ENV) or 0)
        self.cut_short = False
        scratch.become_worker(self.worker_id)

    def shutdown(self, signum, frame) -> None:
        # A second signal stops the task in hand: whatever it raises then (DuckDB turns it into "Query
        # interrupted"), the task was cut short, it did not fail.
        self.cut_short = not self.running
        super().shutdown(signum, frame)

    # The loop -------------------------------------------------------------------------------------------------

    def run(self) -> None:
        # Every app's tasks module, so the hooks they register are known before the first reaping.
        autodiscover_modules("tasks")
        threads = []
        try:
            self._until_done(self._sign_on)
            threads = self._start_threads()
            while True:
                began = time.monotonic()
                try:
                    super().run()
                    return
                except DATABASE_ERRORS as exc:
                    if not self.running:
                        return
                    if time.monotonic() - began > BACKOFF_MAX:  # a new outage, not the same one going on
                        self.backoff.reset()
                    self._recover(exc)
                    # Between tasks now; a claim whose commit was lost with the connection would stay RUNNING
                    # under this (live) worker for good.
                    self._until_done(leases.release_held_by, self.worker_id, error=exc)
                    # Picking up where it was: no thundering-herd delay on a restart of the loop.
                    self.startup_delay = False
        finally:
            self.stopping.set()
            for thread in threads:
                thread.join(timeout=5)
            self._sign_off()

    def _recover(self, exc: BaseException) -> None:
        delay = self.backoff.next_delay()
        logger.warning("Database unavailable (%s: %s); worker %s tries again in %.1fs", type(exc).__name__, exc,
                       self.worker_id, delay)
        close_broken_connections()
        time.sleep(delay)

    def _until_done(self, action, *args, **kwargs):
        """`action` retried across database errors until it succeeds (or, stopping, a few times)."""
        tries = 0
        while True:
            try:
                value = action(*args, **kwargs)
                self.backoff.reset()
                return value
            except DATABASE_ERRORS as exc:
                tries += 1
                if not self.running and tries >= TRIES_WHILE_STOPPING:
                    logger.error("Worker %s stops without saving (%s); the reaper will take its task back",
                                 self.worker_id, exc)
                    return None
                self._recover(exc)

    def _sign_on(self) -> None:
        leases.beat(self.worker_id, started_at=self.started_at)
        leases.reap(exclude=self.worker_id)

    def _sign_off(self) -> None:
        """A clean exit: nothing of this worker is left RUNNING, nor any heartbeat nor scratch folder."""
        try:
            leases.reap(only=self.worker_id)
        except DATABASE_ERRORS as exc:
            logger.error("Worker %s could not sign off (%s): others will reap it after the lease", self.worker_id,
                         exc)
        finally:
            close_broken_connections()

    def _start_threads(self) -> list[threading.Thread]:
        threads = [_Every("heartbeat", leases.heartbeat_seconds(), self._heartbeat, self.stopping),
                   _Every("reaper", leases.heartbeat_seconds(), self._reap, self.stopping)]
        for thread in threads:
            thread.start()
        return threads

    def _heartbeat(self) -> None:
        if self.parent_pid and os.getppid() != self.parent_pid:
            # Started by `apertura serve`, which is gone (killed): stop as if it had asked, not run on unseen.
            logger.warning("Worker %s: the process that started it is gone; stopping", self.worker_id)
            self.parent_pid = 0
            os.kill(os.getpid(), signal.SIGTERM)
        leases.beat(self.worker_id, started_at=self.started_at)

    def _reap(self) -> None:
        leases.reap(exclude=self.worker_id)

    # One task ---------------------------------------------------------------------------------------------------

    def run_task(self, db_task_result: DBTaskResult) -> None:
        # The base class records the outcome through these two methods; they are given this worker's care here.
        save_success, save_failure = db_task_result.set_successful, db_task_result.set_failed
        db_task_result.set_successful = lambda value: self._until_done(self._if_still_ours, db_task_result,
                                                                       save_success, value)
        db_task_result.set_failed = lambda exc: self._record_failure(db_task_result, exc, save_failure)
        super().run_task(db_task_result)
        self.backoff.reset()

    def _record_failure(self, result: DBTaskResult, exc: BaseException, save_failure) -> None:
        if self.cut_short or isinstance(exc, (SystemExit, KeyboardInterrupt)):
            self._until_done(leases.release, result.pk, worker_id=self.worker_id, error=exc)
        elif connection_lost(exc):
            logger.warning("Task %s lost the database connection; releasing it", result.pk)
            close_broken_connections()
            self._until_done(leases.release, result.pk, worker_id=self.worker_id, error=exc)
        else:
            self._until_done(self._if_still_ours, result, save_failure, exc)

    def _if_still_ours(self, result: DBTaskResult, save, *args) -> None:
        with exclusive_transaction(DBTaskResult.objects.db):
            row = (DBTaskResult.objects.select_for_update().filter(pk=result.pk)
                   .values_list("status", "worker_ids").first())
            if row is None or row[0] != TaskResultStatus.RUNNING or (row[1] or [""])[-1] != self.worker_id:
                logger.warning("Task %s was taken over while worker %s ran it (it stalled past its lease); its "
                               "outcome here is not saved", result.pk, self.worker_id)
                return
            save(*args)


def start(*, queue_names: list[str], excluded_queue_names: list[str], interval: float, batch: bool,
          backend_name: str, startup_delay: bool, max_tasks: int | None, worker_id: str) -> None:
    """Run a worker in this process until it is told to stop (or, in batch mode, runs out of tasks)."""
    from django.conf import settings

    options = settings.DATABASES["default"].setdefault("OPTIONS", {})
    if "application_name" in options:  # PostgreSQL: so operators (and tests) can find this worker's connections
        options["application_name"] = f"apertura worker {worker_id}"[:63]
    worker = Worker(queue_names=queue_names, excluded_queue_names=excluded_queue_names, interval=interval,
                    batch=batch, backend_name=backend_name, startup_delay=startup_delay, max_tasks=max_tasks,
                    worker_id=worker_id)
    worker.configure_signals()
    worker.run()
