"""Workers killed or cut off mid-job (issue 10, items 4, 5 and 10).

Found from outside, on PostgreSQL behind `apertura serve`: the worker died for good when its database connection
was cut, and serve never restarted it; `kill -9` of the worker mid-ingest left the task RUNNING forever, the page
at "5 %" and a folder in datastore/.tmp; the web answered 500 after its connection was cut. Each test here does
the same to real processes (a worker, or `apertura serve`, started against the test database) and checks what the
operator and the publisher see now: the job retried or failed, nothing stuck, the service still working.

The child processes need a database they can open: on PostgreSQL the test database itself, on SQLite a file copy
of it, which this process then uses too (see `deployment`).
"""

from __future__ import annotations

import datetime
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from apertura.common import leases, scratch
from apertura.common.models import WorkerHeartbeat
from apertura.datastore.models import DatastoreTable

POSTGRESQL = connection.vendor == "postgresql"
needs_postgresql = pytest.mark.skipif(
    not POSTGRESQL, reason="SQLite has no server connection to cut (run with DATABASE_URL=postgres://…)")
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Short, so a dead worker is noticed in seconds; the lease stays three heartbeats long, as in production.
HEARTBEAT, LEASE = 0.5, 3.0
BIG_ROWS = 2_000_000  # enough for the ingest to be caught in the middle (about 2 s here)
SMALL_CSV = b"municipio,fecha,poblacion,nombre,tasa\n0101,2021-01-01,923392,Guatemala,1.5\n"
PATIENCE = 120  # seconds: an overall limit for what should take a few, on a busy machine


class Deployment:
    """Apertura's processes on the test database: workers, `apertura serve`, each logging to a file."""

    def __init__(self, env: dict, folder: Path):
        self.env, self.folder, self.processes, self.logs, self.log_of = env, folder, [], [], {}
        self.datastore = Path(env["APERTURA_DATASTORE_ROOT"])

    def start(self, *args: str, **env: str) -> subprocess.Popen:
        log = self.folder / f"{args[0]}-{len(self.logs)}.log"
        self.logs.append(log)
        with log.open("wb") as out:
            process = subprocess.Popen([sys.executable, "-m", "apertura.cli", *args], env={**self.env, **env},
                                       stdout=out, stderr=subprocess.STDOUT)
        self.processes.append(process)
        self.log_of[process.pid] = log
        return process

    def worker(self, **env: str) -> subprocess.Popen:
        return self.start("worker", "--interval", "0.2", "--no-startup-delay", **env)

    def serve(self, *args: str) -> tuple[subprocess.Popen, str]:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        return self.start("serve", "--bind", f"127.0.0.1:{port}", "--workers", "1", *args), f"http://127.0.0.1:{port}"

    def wait_for(self, condition, what: str, every: float = 0.1):
        deadline = time.monotonic() + PATIENCE
        while not (value := condition()):
            if time.monotonic() > deadline:
                tails = "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}" for log in self.logs)
                pytest.fail(f"Still waiting, after {PATIENCE} s, for {what}\n{tails}")
            time.sleep(every)
        return value

    def heartbeat_of(self, process: subprocess.Popen) -> WorkerHeartbeat:
        return self.wait_for(lambda: WorkerHeartbeat.objects.filter(pid=process.pid).first(),
                             f"the heartbeat of process {process.pid}")

    def scratch_of(self, worker_id: str) -> Path:
        return self.datastore / ".tmp" / scratch.worker_folder_name(worker_id)

    def stop_all(self):
        for process in self.processes:
            if process.poll() is None:
                process.terminate()  # serve stops its own worker
        for process in self.processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _sqlite_file_copy(path: Path):
    """The in-memory test database copied to `path`; this process switches to the file (threads too) until the
    returned function switches it back. The in-memory one is kept open aside: closing it would drop it."""
    original = connections["default"]
    original.ensure_connection()
    target = sqlite3.connect(path)
    original.connection.backup(target)
    target.close()
    old_settings = connections.settings["default"]
    connections.settings["default"] = {**old_settings, "NAME": str(path)}
    connections["default"] = original.__class__(connections.settings["default"], "default")

    def switch_back():
        connections["default"].close()
        connections["default"] = original
        connections.settings["default"] = old_settings

    return switch_back


def _postgresql_url() -> str:
    s = connection.settings_dict
    return (f"postgres://{quote(s['USER'] or '')}:{quote(s['PASSWORD'] or '')}@{s['HOST'] or 'localhost'}:"
            f"{s['PORT'] or 5432}/{s['NAME']}")


@pytest.fixture
def deployment(transactional_db, settings, tmp_path, datastore_root, monkeypatch):
    data, media = tmp_path / "data", tmp_path / "data" / "media"
    data.mkdir()
    env = {**os.environ, "APERTURA_DATA_DIR": str(data), "APERTURA_MEDIA_ROOT": str(media),
           "APERTURA_DATASTORE_ROOT": str(media / "datastore"), "APERTURA_TASKS_BACKEND": "database",
           "APERTURA_WORKER_HEARTBEAT_SECONDS": str(HEARTBEAT), "APERTURA_WORKER_LEASE_SECONDS": str(LEASE),
           "APERTURA_SECRET_KEY": "jobs-test-secret", "PYTHONUNBUFFERED": "1"}
    env.pop("DATABASE_URL", None)
    settings.MEDIA_ROOT, settings.APERTURA_DATASTORE_ROOT = str(media), str(media / "datastore")
    settings.TASKS = DATABASE_TASKS
    settings.APERTURA_WORKER_HEARTBEAT_SECONDS, settings.APERTURA_WORKER_LEASE_SECONDS = HEARTBEAT, LEASE
    monkeypatch.setattr(scratch, "_worker_id", None)  # a worker run in this process would set it
    switch_back = None
    if POSTGRESQL:
        env["DATABASE_URL"] = _postgresql_url()
    else:
        switch_back = _sqlite_file_copy(data / "apertura.sqlite3")
    deployed = Deployment(env, tmp_path)
    try:
        yield deployed
    finally:
        deployed.stop_all()
        if switch_back:
            switch_back()


@pytest.fixture
def publisher(deployment, make_user):
    """A published dataset of INE and its editor, to upload tables to."""
    from apertura.catalog.registers import seed
    from apertura.catalog.services import dataset_create
    from apertura.institutions.models import Institution

    seed()
    ine = Institution.objects.create(acronym="INE", slug="ine", name_es="Instituto Nacional de Estadística",
                                     name_en="National Statistics Institute", kind="public_entity")
    admin, editor = make_user("administrator"), make_user("editor", "INE")
    dataset = dataset_create(by=admin, publisher=ine, name="poblacion", title="Población", description="Datos.",
                             license="CC-BY-4.0", state="published")
    return dataset, editor


def _upload_small(dataset, editor):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from apertura.catalog.services import resource_add

    return resource_add(dataset=dataset, by=editor, upload=SimpleUploadedFile("poblacion.csv", SMALL_CSV))


def _replace_with_big_file(resource, editor):
    """The publisher replaces the file with one of two million rows (the catalog's hook queues its ingest)."""
    import duckdb

    from apertura.catalog.datastore import resource_file_changed

    path = resource.file.path.replace("'", "''")
    duckdb.sql(f"COPY (SELECT lpad((i % 340)::VARCHAR, 4, '0') AS municipio, DATE '2021-01-01' + (i % 365)::INT "
               f"AS fecha, i * 7 % 1000003 AS poblacion, 'Municipio ' || i AS nombre, (i % 1000) / 7 AS tasa "
               f"FROM range({BIG_ROWS}) t(i)) TO '{path}' (HEADER)")
    assert resource_file_changed(resource=resource, by=editor)


def _table(resource) -> DatastoreTable:
    return DatastoreTable.objects.select_related("current").get(resource_key=str(resource.pk))


def _latest_ingest(resource) -> DBTaskResult:
    return (DBTaskResult.objects.filter(task_path="apertura.datastore.tasks.ingest",
                                        args_kwargs__kwargs__key=str(resource.pk)).order_by("-enqueued_at").first())


def _published(deployment, resource, number: int) -> DatastoreTable:
    return deployment.wait_for(
        lambda: (t := _table(resource)).status == "ready" and t.current and t.current.number == number and t,
        f"version {number} to be published")


def _kill_mid_ingest(deployment, worker, resource, editor) -> tuple[str, DBTaskResult, int]:
    """Queue the big file and `kill -9` the worker while the table shows it ingesting. Returns the dead worker's
    id, its task, and the version then published. Should the ingest win the race, again with a new worker."""
    for _ in range(3):
        worker_id = deployment.heartbeat_of(worker).worker_id
        published = _table(resource).current.number
        _replace_with_big_file(resource, editor)
        deployment.wait_for(lambda: _table(resource).status != "queued", "the ingest to start", every=0.01)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        task_result = _latest_ingest(resource)
        if _table(resource).status == "running" and task_result.status == TaskResultStatus.RUNNING:
            return worker_id, task_result, published
        worker = deployment.worker()
    pytest.fail("Every ingest finished before its worker could be killed: the file is too small for this machine")


def _status_page(client, dataset, resource) -> str:
    response = client.get(reverse("catalog:resource", args=[dataset.name, resource.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


def test_an_ingest_whose_worker_was_killed_is_run_again_by_the_next_worker(deployment, publisher, client):
    dataset, editor = publisher
    first = deployment.worker()
    resource = _upload_small(dataset, editor)
    _published(deployment, resource, 1)
    dead, task_result, published = _kill_mid_ingest(deployment, first, resource, editor)
    assert deployment.scratch_of(dead).is_dir()  # what it was writing when it died

    second = deployment.worker()
    done = deployment.wait_for(lambda: (r := _latest_ingest(resource)).status not in ("READY", "RUNNING") and r,
                               "the interrupted ingest to be run again")
    assert done.pk == task_result.pk and done.status == TaskResultStatus.SUCCESSFUL
    assert done.worker_ids == [dead, deployment.heartbeat_of(second).worker_id]
    # Run twice, published once: the next version, not one for each run.
    table = _published(deployment, resource, published + 1)
    assert table.row_count == BIG_ROWS and table.versions.count() == published + 1
    assert f"Version {published + 1} is published" in _status_page(client, dataset, resource)
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).exists()
    assert not WorkerHeartbeat.objects.filter(worker_id=dead).exists()
    assert not deployment.scratch_of(dead).exists()


def test_an_ingest_out_of_runs_is_failed_and_the_publisher_told_why(deployment, publisher, client, signed_in):
    from django.utils import translation

    from apertura.datastore.tasks import stopped_report

    dataset, editor = publisher
    first = deployment.worker()
    resource = _upload_small(dataset, editor)
    _published(deployment, resource, 1)
    dead, task_result, published = _kill_mid_ingest(deployment, first, resource, editor)

    deployment.worker(APERTURA_WORKER_MAX_ATTEMPTS="1")
    failed = deployment.wait_for(lambda: (r := _latest_ingest(resource)).status == TaskResultStatus.FAILED and r,
                                 "the interrupted ingest to be failed")
    assert "the worker running it stopped" in failed.traceback
    table = deployment.wait_for(lambda: (t := _table(resource)).status == "failed" and t, "the table to say so")
    assert table.current.number == published and table.row_count == 1  # the previous version stays served
    with translation.override("es"):  # the worker writes in the site's language
        assert table.last_report["summary"] == stopped_report()["summary"]
    page = _status_page(signed_in(editor), dataset, resource)
    assert "The last upload was not published." in page and f"Version {published} is still the one published" in page
    assert escape(table.last_report["summary"]) in page and 'id="ingest-progress"' not in page
    inbox = deployment.wait_for(lambda: (n := list(editor.notifications.order_by("id"))) and len(n) == 2 and n,
                                "the editor to be told")
    assert inbox[1].body == table.last_report["summary"]
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).exists()
    deployment.wait_for(lambda: not deployment.scratch_of(dead).exists(), "the dead worker's folder to go")


def test_a_worker_stopped_in_the_middle_of_an_ingest_gives_it_back(deployment, publisher):
    """What `apertura serve` does on shutdown when the task outlasts its grace: a second SIGTERM."""
    dataset, editor = publisher
    worker = deployment.worker()
    resource = _upload_small(dataset, editor)
    published = _published(deployment, resource, 1).current.number
    worker_id = deployment.heartbeat_of(worker).worker_id
    _replace_with_big_file(resource, editor)
    deployment.wait_for(lambda: _table(resource).status != "queued", "the ingest to start", every=0.01)
    worker.send_signal(signal.SIGTERM)
    deployment.wait_for(lambda: "shutting down gracefully" in deployment.log_of[worker.pid].read_text(),
                        "the worker to hear it")  # a second signal before it did would count as one
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=PATIENCE) == 0
    given_back = _latest_ingest(resource)
    if given_back.status == TaskResultStatus.SUCCESSFUL:
        pytest.skip("The ingest finished before the worker could be stopped: the file is too small for this machine")
    assert (given_back.status, given_back.worker_ids) == (TaskResultStatus.READY, [worker_id])
    assert _table(resource).status == "queued"
    assert not WorkerHeartbeat.objects.exists() and not deployment.scratch_of(worker_id).exists()
    deployment.worker()
    assert _published(deployment, resource, published + 1).row_count == BIG_ROWS


def test_serve_starts_its_worker_again_when_it_is_killed(deployment, publisher):
    dataset, editor = publisher
    server, _ = deployment.serve()
    before = deployment.wait_for(lambda: WorkerHeartbeat.objects.first(), "serve's worker to start")
    os.kill(before.pid, signal.SIGKILL)
    after = deployment.wait_for(lambda: WorkerHeartbeat.objects.exclude(worker_id=before.worker_id).first(),
                                "serve to start a new worker")
    assert after.pid != before.pid and server.poll() is None
    resource = _upload_small(dataset, editor)
    _published(deployment, resource, 1)
    deployment.wait_for(lambda: not WorkerHeartbeat.objects.filter(worker_id=before.worker_id).exists(),
                        "the dead worker to be forgotten")
    assert "The background worker stopped" in deployment.logs[0].read_text()


def test_the_reaper_keeps_to_the_lease(db, settings):
    """Only a worker not heard from for the lease (or without a heartbeat, a lease after the task started) loses its
    tasks, and a task is retried once, then failed."""
    settings.TASKS = DATABASE_TASKS
    settings.APERTURA_WORKER_LEASE_SECONDS, settings.APERTURA_WORKER_MAX_ATTEMPTS = 60, 2
    now = timezone.now()
    long_ago = now - datetime.timedelta(seconds=61)

    def running(worker_ids, started=now):
        result = DBTaskResult.objects.get(pk=noop.enqueue().id)
        DBTaskResult.objects.filter(pk=result.pk).update(status=TaskResultStatus.RUNNING, worker_ids=worker_ids,
                                                         started_at=started)
        return result.pk

    def heartbeat(worker_id, seen):
        WorkerHeartbeat.objects.create(worker_id=worker_id, host="elsewhere", pid=1, process_space="elsewhere",
                                       started_at=seen, last_seen=seen)

    heartbeat("fresh", now)
    heartbeat("silent", long_ago)
    alive = running(["fresh"])
    silent_first = running(["silent"])
    silent_second = running(["fresh", "silent"])
    unknown_recent = running(["unknown"])
    unknown_old = running(["unknown"], started=long_ago)

    assert leases.reap() == {"retried": 2, "failed": 1}
    status = dict(DBTaskResult.objects.values_list("pk", "status"))
    assert status[alive] == status[unknown_recent] == TaskResultStatus.RUNNING
    assert status[silent_first] == status[unknown_old] == TaskResultStatus.READY
    assert status[silent_second] == TaskResultStatus.FAILED
    assert set(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == {"fresh"}


def test_a_retried_ingest_does_not_publish_the_same_file_twice(db, settings, tmp_path):
    """The run that died may have published before its worker could record it: the retry sees that version."""
    from django_tasks import TaskContext

    from apertura.datastore.services import datastore_ingest
    from apertura.datastore.tasks import ingest

    settings.TASKS = DATABASE_TASKS
    source = tmp_path / "poblacion.csv"
    source.write_bytes(SMALL_CSV)
    queued = DBTaskResult.objects.get(pk=ingest.enqueue(key="retried", source_path=str(source)).id)
    assert datastore_ingest(key="retried", source_path=source).ok  # the first run, which then "died"
    DBTaskResult.objects.filter(pk=queued.pk).update(worker_ids=["dead", "next"])
    retry = TaskContext(task_result=DBTaskResult.objects.get(pk=queued.pk).task_result)
    report = ingest.call(retry, key="retried", source_path=str(source))
    table = DatastoreTable.objects.get(resource_key="retried")
    assert report["valid"] and table.versions.count() == 1 and table.status == "ready"
    # Another file on a retry is published as usual.
    source.write_bytes(SMALL_CSV + b"0108,2021-01-01,473080,Mixco,2.5\n")
    ingest.call(retry, key="retried", source_path=str(source))
    assert table.versions.count() == 2


def test_what_ended_processes_left_in_the_scratch_folder_is_removed(settings, tmp_path):
    from apertura.datastore.tasks import _remove_leftovers

    settings.APERTURA_DATASTORE_ROOT = str(tmp_path)
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                           check=True)
    here = scratch.scratch_folder(tmp_path).name.rpartition("-")[2]
    tmp = tmp_path / ".tmp"
    mine, live_worker = scratch.scratch_folder(tmp_path), tmp / scratch.worker_folder_name("alive")
    dead_process, dead_worker = tmp / f"p-{ended.stdout.strip()}-{here}", tmp / scratch.worker_folder_name("gone")
    elsewhere, recent, old = tmp / "p-1-0000ffff", tmp / "0123abcd", tmp / "export-4567.parquet"
    for folder in (mine, live_worker, dead_process, dead_worker, elsewhere, recent):
        (folder / "spill").mkdir(parents=True)
    old.write_bytes(b"x")
    os.utime(old, (time.time() - 2 * 24 * 3600,) * 2)
    _remove_leftovers({"alive"})
    assert sorted(p.name for p in tmp.iterdir()) == sorted(p.name for p in (mine, live_worker, elsewhere, recent))


def test_the_worker_loop_outlives_database_errors(deployment, monkeypatch):
    """A query that fails because the database went away (here: made to, once) does not end the worker."""
    from django.db import OperationalError
    from django_tasks_db.models import DBTaskResultQuerySet

    from apertura.common.worker import Worker

    get_locked, failures = DBTaskResultQuerySet.get_locked, []

    def flaky(queryset):
        if not failures:
            failures.append(1)
            raise OperationalError("server closed the connection unexpectedly")
        return get_locked(queryset)

    monkeypatch.setattr(DBTaskResultQuerySet, "get_locked", flaky)
    queued = noop.enqueue()
    worker = Worker(queue_names=["*"], excluded_queue_names=[], interval=0, batch=True, backend_name="default",
                    startup_delay=False, max_tasks=None, worker_id="in-process")
    worker.backoff.first = 0.01
    worker.run()
    assert failures and DBTaskResult.objects.get(pk=queued.id).status == TaskResultStatus.SUCCESSFUL
    assert not WorkerHeartbeat.objects.exists()  # signed off


@needs_postgresql
def test_a_worker_whose_connections_are_cut_keeps_working(deployment, publisher):
    dataset, editor = publisher
    worker = deployment.worker()
    worker_id = deployment.heartbeat_of(worker).worker_id
    deployment.wait_for(lambda: _cut_connections("apertura worker"), "the worker's connections to cut")
    resource = _upload_small(dataset, editor)
    _published(deployment, resource, 1)
    assert worker.poll() is None and _latest_ingest(resource).worker_ids == [worker_id]


@needs_postgresql
def test_an_ingest_that_lost_its_connection_is_run_again(deployment, publisher):
    dataset, editor = publisher
    worker = deployment.worker()
    resource = _upload_small(dataset, editor)
    _published(deployment, resource, 1)
    worker_id = deployment.heartbeat_of(worker).worker_id
    _replace_with_big_file(resource, editor)
    deployment.wait_for(lambda: _table(resource).status == "running", "the ingest to start", every=0.01)
    worker.send_signal(signal.SIGSTOP)  # frozen mid-ingest while its connections are cut
    try:
        assert _cut_connections("apertura worker")
    finally:
        worker.send_signal(signal.SIGCONT)
    done = deployment.wait_for(lambda: (r := _latest_ingest(resource)).status not in ("READY", "RUNNING") and r,
                               "the ingest to end")
    # Its run failed on the cut connection: not recorded as the task's failure, but released and run again.
    assert done.status == TaskResultStatus.SUCCESSFUL and done.worker_ids == [worker_id, worker_id]
    table = _published(deployment, resource, 2)
    assert table.row_count == BIG_ROWS and worker.poll() is None


@task()
def noop() -> str:
    return "done"


@task()
def cut_own_connection() -> str:
    """Returns once the server has cut the connection its worker will save the outcome with."""
    import psycopg

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    with psycopg.connect(_postgresql_url(), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    return "done"


@needs_postgresql
def test_an_outcome_is_saved_after_the_connection_comes_back(deployment):
    from apertura.common.worker import Worker

    queued = cut_own_connection.enqueue()
    worker = Worker(queue_names=["*"], excluded_queue_names=[], interval=0, batch=True, backend_name="default",
                    startup_delay=False, max_tasks=None, worker_id="in-process")
    worker.backoff.first = 0.01
    worker.run()
    saved = DBTaskResult.objects.get(pk=queued.id)
    assert (saved.status, saved.return_value, saved.worker_ids) == (TaskResultStatus.SUCCESSFUL, "done", ["in-process"])


@needs_postgresql
def test_a_web_request_after_its_connection_is_cut_is_answered(deployment):
    server, base = deployment.serve("--no-worker")
    deployment.wait_for(lambda: _get(f"{base}/datasets/") == 200, "the server to answer")
    assert deployment.wait_for(lambda: _cut_connections("apertura web"), "the web's connection to cut")
    assert [_get(f"{base}/datasets/") for _ in range(3)] == [200, 200, 200]


def _get(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def _cut_connections(application_name: str) -> int:
    """pg_terminate_backend of every connection whose application_name starts so; how many were cut."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
                       "WHERE datname = current_database() AND application_name LIKE %s AND pid <> pg_backend_pid()",
                       [f"{application_name}%"])
        return cursor.fetchone()[0]
