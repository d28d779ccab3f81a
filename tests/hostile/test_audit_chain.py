"""The audit chain under concurrent writers, and the fields an outsider moves to rewrite history.

Found from outside: six threads writing 40 events each on PostgreSQL produced 240 events with 120 distinct links
(a writer that waited for the lock on the last event was handed that same event once it was released), so
`apertura audit verify` reported tampering that never happened; and the hash covered neither the time nor the
actor's id, so an event moved 400 days back or given to another user still verified."""

import sqlite3
import threading
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction

from apertura.audit.models import AuditEvent, AuditHead
from apertura.audit.services import GENESIS, audit_record, audit_verify

THREADS, EACH = 6, 40


@pytest.fixture
def parallel_database(transactional_db, tmp_path):
    """The database the writers share. On PostgreSQL, the test database. SQLite's test database lives in memory
    with a shared cache, where a lock is per table and fails at once ("database table is locked") instead of
    waiting like a file does: there the writers run against a file copy, in WAL mode with the busy timeout and
    IMMEDIATE transactions of the settings, as the platform runs."""
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        yield
        return
    path = tmp_path / "audit.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(path) as copy:
        connection.connection.backup(copy)
    copy.close()
    in_memory, settings = connections["default"], connections.settings["default"]
    # Threads open their connections from these settings; this thread gets a connection of its own to the copy.
    connections.settings["default"] = {**settings, "NAME": str(path)}
    connections["default"] = connections.create_connection("default")
    try:
        yield
    finally:
        connections["default"].close()
        connections["default"], connections.settings["default"] = in_memory, settings


def _write_in_parallel():
    start, failures = threading.Barrier(THREADS), []

    def writer(n):
        try:
            start.wait()
            for i in range(EACH):
                # As the services do: the event is appended inside the writer's own transaction.
                with transaction.atomic():
                    audit_record(action="test.concurrent", obj_type="thread", obj_id=f"{n}-{i}", actor_label=f"t{n}")
        except Exception as exc:  # reported to the main thread, which fails the test
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def _assert_one_chain(expected: int):
    events = list(AuditEvent.objects.order_by("id").values_list("previous_hash", "hash"))
    assert len(events) == expected
    assert len({previous for previous, _ in events}) == expected
    assert [previous for previous, _ in events] == [GENESIS] + [h for _, h in events[:-1]]
    assert AuditHead.objects.get().hash == events[-1][1]
    result = audit_verify()
    assert result.intact and result.count == expected


def test_concurrent_writers_append_to_one_chain(parallel_database):
    # As reported: a log that already has events, every writer waiting for the one before it.
    AuditEvent.objects.all().delete()
    AuditHead.objects.all().delete()
    audit_record(action="test.first", obj_type="thing", obj_id=0)
    _write_in_parallel()
    _assert_one_chain(1 + THREADS * EACH)


def test_concurrent_first_writers_on_a_database_without_a_head(parallel_database):
    # An emptied database (a flush) has no head row: the writers racing to create it must still form one chain.
    AuditEvent.objects.all().delete()
    AuditHead.objects.all().delete()
    _write_in_parallel()
    _assert_one_chain(THREADS * EACH)


def _verify_fails() -> str:
    with pytest.raises(CommandError) as caught:
        call_command("audit", "verify")
    assert caught.value.returncode == 1  # what `apertura audit verify` exits with
    return str(caught.value)


@pytest.fixture
def events(db):
    return [audit_record(action=f"test.write{i}", obj_type="thing", obj_id=i, actor_label="tester")
            for i in range(3)]


@pytest.mark.django_db
def test_an_event_moved_400_days_back_is_found(events):
    AuditEvent.objects.filter(pk=events[1].pk).update(created_at=events[1].created_at - timedelta(days=400))
    message = _verify_fails()
    assert f"Audit log broken at event {events[1].id} (" in message and "test.write1 thing:1" in message
    assert "its content does not match its hash" in message and "The 1 event before it is intact" in message


@pytest.mark.django_db
def test_an_event_given_to_another_actor_is_found(events, admin_user):
    # The label stays as it was: only the account the event points at moves.
    AuditEvent.objects.filter(pk=events[2].pk).update(actor=admin_user)
    message = _verify_fails()
    assert f"Audit log broken at event {events[2].id} (" in message and "its content does not match" in message


@pytest.mark.django_db
@pytest.mark.parametrize("scheme", [1, 3])
def test_an_event_whose_scheme_was_flipped_is_found(events, scheme):
    # Scheme 1 did not hash the time: flipping an event back to it must not make its time editable.
    AuditEvent.objects.filter(pk=events[1].pk).update(scheme=scheme)
    message = _verify_fails()
    assert f"Audit log broken at event {events[1].id} (" in message
    assert f"its hashing scheme was changed from 2 to {scheme}" in message


@pytest.mark.django_db
def test_a_chain_rewritten_from_the_start_is_found_by_a_hash_kept_elsewhere(events, capsys):
    from apertura.audit.services import _digest_v2

    call_command("audit", "verify")
    kept = capsys.readouterr().out.strip().rsplit(" ", 1)[1].rstrip(".")
    assert kept == events[-1].hash
    # Whoever can write the database and run the code can rehash every event after the one altered, and the head:
    previous = GENESIS
    for event in AuditEvent.objects.order_by("id"):
        event.summary, event.previous_hash = "rewritten", previous
        event.hash = previous = _digest_v2(event)
        event.save()
    AuditHead.objects.update(hash=previous)
    call_command("audit", "verify")
    assert "Audit log intact: 3 events" in capsys.readouterr().out
    # ... but not make the hash printed before, and kept elsewhere, an event of the chain again.
    with pytest.raises(CommandError) as caught:
        call_command("audit", "verify", "--expect", kept)
    assert caught.value.returncode == 1
    assert f"Audit log rewritten: {kept} is not the hash of any event in the chain" in str(caught.value)


@pytest.mark.django_db
def test_a_hash_kept_elsewhere_is_found_in_a_chain_that_grew(events, capsys):
    audit_record(action="test.later", obj_type="thing", obj_id=9)
    call_command("audit", "verify", "--expect", events[-1].hash, "--expect", events[0].hash.upper())
    assert "Audit log intact: 4 events" in capsys.readouterr().out
