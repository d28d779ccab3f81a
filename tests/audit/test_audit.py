import hashlib
import importlib
import json
from datetime import UTC, datetime

import pytest
from django.apps import apps

from apertura.audit.models import AuditEvent, AuditHead
from apertura.audit.services import GENESIS, audit_record, audit_verify

pytestmark = pytest.mark.django_db


def _write_as_before_the_upgrade(n: int) -> list[AuditEvent]:
    """Events as the first version wrote them (scheme 1: neither time nor actor id hashed), and the head the
    migration then creates from them."""
    events, previous = [], GENESIS
    for i in range(n):
        payload = {"actor": "tester", "action": "old.write", "object_type": "thing", "object_id": str(i),
                   "summary": "", "data": {"n": i}}
        canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
        digest = hashlib.sha256((previous + canonical).encode()).hexdigest()
        events.append(AuditEvent.objects.create(actor_label="tester", action="old.write", object_type="thing",
                                                object_id=str(i), data={"n": i}, scheme=1, previous_hash=previous,
                                                hash=digest))
        previous = digest
    AuditHead.objects.all().delete()
    importlib.import_module("apertura.audit.migrations.0002_chain_head_scheme_acknowledgement").create_head(apps, None)
    return events


def test_events_form_an_intact_chain():
    for n in range(3):
        audit_record(action="test.write", obj_type="thing", obj_id=n, actor_label="tester")
    events = list(AuditEvent.objects.order_by("id"))
    assert events[1].previous_hash == events[0].hash and events[2].previous_hash == events[1].hash
    assert {e.scheme for e in events} == {2}
    assert AuditHead.objects.get().last_event_id == events[2].id and AuditHead.objects.get().hash == events[2].hash
    result = audit_verify()
    assert result.intact and result.count == 3 and result.last_hash == events[2].hash


def test_an_altered_event_is_found():
    for n in range(3):
        audit_record(action="test.write", obj_type="thing", obj_id=n)
    second = AuditEvent.objects.order_by("id")[1]
    AuditEvent.objects.filter(pk=second.pk).update(summary="rewritten")
    broken = audit_verify().broken
    assert broken.event == second and broken.kind == "content"


def test_what_the_database_gives_back_verifies(admin_user):
    # The hash is taken from the values in memory; it must hold for the values read back, on either database.
    data = {"float_as_int": 1e16, "big": 1.2345678901234567e40, "half": 1.50, "tiny": 1.5e-7, "neg_zero": -0.0,
            "keys": {2: "two", 10: "ten"}, "tuple": (1, "a", None, True), "text": "ñandú — «quoted» \n\t\"",
            "nested": [{"b": 1, "a": [0.1, 0.2]}]}
    written = audit_record(action="test.write", obj_type="thing", obj_id="x", actor=admin_user, data=data,
                           summary="Año nuevo ✓")
    reread = AuditEvent.objects.get(pk=written.pk)
    assert reread.created_at == written.created_at and reread.created_at.microsecond == written.created_at.microsecond
    assert reread.actor_id == admin_user.pk and reread.actor_label == admin_user.get_username()
    assert audit_verify().intact


def test_an_event_written_at_a_whole_second_verifies(monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC))
    audit_record(action="test.write", obj_type="thing", obj_id=1)
    assert AuditEvent.objects.get().created_at == datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
    assert audit_verify().intact


def test_events_written_before_the_upgrade_keep_their_hash_and_the_chain_continues():
    old = _write_as_before_the_upgrade(3)
    assert AuditHead.objects.get().hash == old[-1].hash
    new = audit_record(action="test.write", obj_type="thing", obj_id="new")
    assert new.previous_hash == old[-1].hash and new.scheme == 2
    assert audit_verify().intact
    AuditEvent.objects.filter(pk=old[1].pk).update(object_id="99")
    assert audit_verify().broken.event == old[1]


def test_the_migration_starts_an_empty_log_at_the_genesis_hash():
    AuditHead.objects.all().delete()
    importlib.import_module("apertura.audit.migrations.0002_chain_head_scheme_acknowledgement").create_head(apps, None)
    assert (AuditHead.objects.get().last_event_id, AuditHead.objects.get().hash) == (None, GENESIS)


def test_an_append_costs_three_queries_and_no_savepoint(django_assert_num_queries):
    from django.db import connection, transaction

    audit_record(action="test.write", obj_type="thing", obj_id=0)
    with transaction.atomic(), django_assert_num_queries(3) as captured:  # lock the head, insert, move the head
        audit_record(action="test.write", obj_type="thing", obj_id=1)
    sql = [query["sql"] for query in captured.captured_queries]
    assert connection.vendor == "sqlite" or "FOR UPDATE" in sql[0]  # SQLite's IMMEDIATE transaction is the lock
    assert not any("SAVEPOINT" in statement for statement in sql)


def test_a_missing_head_is_recreated_and_a_non_empty_log_then_shows_the_break():
    first = audit_record(action="test.write", obj_type="thing", obj_id=1)
    AuditHead.objects.all().delete()
    assert audit_verify().broken.kind == "head"
    second = audit_record(action="test.write", obj_type="thing", obj_id=2)
    assert second.previous_hash == GENESIS != first.hash
    broken = audit_verify().broken
    assert broken.event == second and broken.kind == "link"


def test_events_removed_at_the_end_are_found():
    events = [audit_record(action="test.write", obj_type="thing", obj_id=n) for n in range(4)]
    AuditEvent.objects.filter(pk__in=[events[2].pk, events[3].pk]).delete()
    result = audit_verify()
    assert result.broken.kind == "head" and result.broken.event_id == events[3].id
    assert f"the events after event {events[1].id} were removed" in result.broken.why


def test_the_last_event_rewritten_with_a_new_hash_is_found():
    events = [audit_record(action="test.write", obj_type="thing", obj_id=n) for n in range(2)]
    last = AuditEvent.objects.get(pk=events[1].pk)
    last.summary = "rewritten"
    from apertura.audit.services import _digest_v2

    last.hash = _digest_v2(last)
    last.save()
    broken = audit_verify().broken
    assert broken.kind == "head" and broken.event_id == last.id and "rewritten with a new hash" in broken.why


def test_an_event_inserted_without_audit_record_is_found():
    from apertura.audit.services import _digest_v2

    last = audit_record(action="test.write", obj_type="thing", obj_id=1)
    forged = AuditEvent(action="test.forged", object_type="thing", object_id="2", scheme=2, previous_hash=last.hash)
    forged.hash = _digest_v2(forged)
    forged.save()
    broken = audit_verify().broken
    assert broken.kind == "head" and broken.event_id == forged.id and "not appended by audit_record" in broken.why
