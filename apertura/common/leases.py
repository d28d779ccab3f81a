"""Leases on background work: which workers are alive, and what becomes of the tasks of those that are not.

Every worker writes a heartbeat (`WorkerHeartbeat`) every few seconds. A worker not heard from for the lease
(APERTURA_WORKER_LEASE_SECONDS), or whose process is gone from the machine it ran on, is dead: `reap` puts each task
it was running back in the queue, or marks it failed once it has had its runs (APERTURA_WORKER_MAX_ATTEMPTS), and
calls the hooks the task's app registered with `when_interrupted` so the app can repair its own state (a table shown
"ingesting" forever). Then the `cleanups` registered with `when_reaping` remove what dead processes left on disk.

Every worker reaps when it starts and then periodically, so a task is never left RUNNING for good.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from .models import WorkerHeartbeat
from .scratch import pid_alive, process_space

logger = logging.getLogger("apertura.worker")

TaskHook = Callable[..., None]
_task_hooks: dict[str, list[TaskHook]] = {}
_cleanups: list[Callable[[set[str]], None]] = []


class WorkerLost(Exception):
    """Why a task was failed by the reaper rather than by its own code (its traceback is this message)."""


def when_interrupted(*tasks):
    """Register `hook(result, retrying=…)` to run, inside the reaper's transaction, when one of `tasks` stops
    before finishing (its worker died, was stopped, or lost the database): `retrying` says whether it is queued
    again or failed for good. Hooks repair what the task left half-done; they must be quick and use the database
    only (anything slow or outside, like e-mail, goes in `transaction.on_commit`)."""

    def register(hook: TaskHook) -> TaskHook:
        for task in tasks:
            _task_hooks.setdefault(task.module_path, []).append(hook)
        return hook

    return register


def when_reaping(cleanup: Callable[[set[str]], None]) -> Callable[[set[str]], None]:
    """Register `cleanup(live_worker_ids)`, run after each reaping to remove what processes no longer alive left
    behind (scratch folders)."""
    _cleanups.append(cleanup)
    return cleanup


def heartbeat_seconds() -> float:
    return float(settings.APERTURA_WORKER_HEARTBEAT_SECONDS)


def lease_seconds() -> float:
    return float(settings.APERTURA_WORKER_LEASE_SECONDS)


def max_attempts() -> int:
    return int(settings.APERTURA_WORKER_MAX_ATTEMPTS)


def beat(worker_id: str, *, started_at: datetime) -> None:
    """Say this worker is alive (creating its row again if a reaper removed it while this process was stalled)."""
    now = timezone.now()
    # One UPDATE every few seconds; only this worker writes its row, so no lock is needed to create it again.
    if not WorkerHeartbeat.objects.filter(worker_id=worker_id).update(last_seen=now):
        WorkerHeartbeat.objects.create(worker_id=worker_id, last_seen=now, started_at=started_at,
                                       host=socket.gethostname()[:255], pid=os.getpid(), process_space=process_space())


def sign_off(worker_id: str) -> None:
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def _is_dead(heartbeat: WorkerHeartbeat, *, now: datetime, here: str) -> bool:
    if heartbeat.last_seen < now - timedelta(seconds=lease_seconds()):
        return True
    # On its own machine a worker whose process is gone is dead now, not once the lease runs out.
    return heartbeat.process_space == here and not pid_alive(heartbeat.pid)


def _last_worker(result: DBTaskResult) -> str:
    return result.worker_ids[-1] if result.worker_ids else ""


def _orphaned(result: DBTaskResult, *, heartbeats: dict[str, WorkerHeartbeat], dead: set[str], now: datetime) -> bool:
    worker = _last_worker(result)
    if worker in dead:
        return True
    if worker in heartbeats:
        return False
    # No heartbeat at all: a worker that died before we saw it, or one that does not write heartbeats (a plain
    # `db_worker`). Only after a lease since the task started, so a worker that just signed on is not mistaken.
    started = result.started_at or result.enqueued_at
    return started < now - timedelta(seconds=lease_seconds())


def reap(*, exclude: str = "", only: str = "") -> dict[str, int]:
    """Retry or fail the tasks of dead workers, forget those workers, and clean up after them. `exclude` is the
    reaping worker itself (alive by definition); `only` reaps that one worker's tasks (a worker signing off).
    Returns how many tasks were retried and failed."""
    now, here = timezone.now(), process_space()
    heartbeats = {h.worker_id: h for h in WorkerHeartbeat.objects.all()}
    dead = {only} if only else {w for w, h in heartbeats.items() if w != exclude and _is_dead(h, now=now, here=here)}
    outcome = {"retried": 0, "failed": 0}
    for result in DBTaskResult.objects.running().only("id", "worker_ids", "started_at", "enqueued_at"):
        if only and _last_worker(result) != only:
            continue
        if _last_worker(result) == exclude or not _orphaned(result, heartbeats=heartbeats, dead=dead, now=now):
            continue
        worker = _last_worker(result)
        seen = heartbeats[worker].last_seen.isoformat() if worker in heartbeats else "never"
        error = WorkerLost(f"the worker running it stopped (worker {worker or '?'}, last heard from: {seen})")
        done = release(result.pk, worker_id=worker, error=error)
        if done:
            outcome[done] += 1
    if dead:
        WorkerHeartbeat.objects.filter(worker_id__in=dead).delete()
        if not only:
            logger.warning("Workers taken for dead: %s; their tasks retried: %d, failed: %d", ", ".join(sorted(dead)),
                           outcome["retried"], outcome["failed"])
    run_cleanups()
    return outcome


def release_held_by(worker_id: str, *, error: BaseException) -> int:
    """Release every task RUNNING under `worker_id` (a live worker that knows it runs none: one it claimed as the
    connection dropped, the claim committed but never confirmed). Returns how many."""
    held = [r.pk for r in DBTaskResult.objects.running().only("id", "worker_ids") if _last_worker(r) == worker_id]
    return sum(1 for pk in held if release(pk, worker_id=worker_id, error=error))


def run_cleanups() -> None:
    live = set(WorkerHeartbeat.objects.values_list("worker_id", flat=True))
    for cleanup in _cleanups:
        try:
            cleanup(live)
        except Exception:
            logger.exception("Cleanup %s failed", getattr(cleanup, "__qualname__", cleanup))


def release(result_id, *, worker_id: str, error: BaseException) -> str | None:
    """Take a RUNNING task back from `worker_id`: queued again if it has runs left, else failed with `error`. Returns
    "retried", "failed", or None when the task had meanwhile finished or moved to another worker."""
    with exclusive_transaction(DBTaskResult.objects.db):
        result = DBTaskResult.objects.select_for_update().filter(pk=result_id, status=TaskResultStatus.RUNNING).first()
        if result is None or _last_worker(result) != worker_id:
            return None
        retrying = len(result.worker_ids) < max_attempts()
        if retrying:
            result.status = TaskResultStatus.READY
            result.save(update_fields=["status"])
        else:
            result.set_failed(error)
        _run_task_hooks(result, retrying=retrying)
    logger.warning("Task %s (%s) %s: %s", result.pk, result.task_path,
                   "queued again" if retrying else "failed", error)
    return "retried" if retrying else "failed"


def _run_task_hooks(result: DBTaskResult, *, retrying: bool) -> None:
    try:
        _ = result.task  # imports the task's module, which registers its hooks
    except Exception:
        logger.exception("Task %s points to no task (%s)", result.pk, result.task_path)
    for hook in _task_hooks.get(result.task_path, []):
        try:
            with transaction.atomic():
                hook(result, retrying=retrying)
        except Exception:
            logger.exception("Hook %s failed for task %s", hook.__qualname__, result.pk)
