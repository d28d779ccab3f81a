import pytest
from django.core.management import CommandError, call_command

from apertura.audit.models import AuditEvent
from apertura.audit.services import audit_record

pytestmark = pytest.mark.django_db


def _events(n=3):
    return [audit_record(action=f"test.write{i}", obj_type="thing", obj_id=i, actor_label="tester")
            for i in range(n)]


def test_an_intact_log_is_reported_with_its_last_hash(capsys):
    events = _events()
    call_command("audit", "verify")
    assert capsys.readouterr().out.strip() == f"Audit log intact: 3 events, last hash {events[-1].hash}."


def test_an_empty_log_is_intact(capsys):
    call_command("audit", "verify")
    assert "Audit log intact: 0 events" in capsys.readouterr().out


def test_the_first_altered_event_is_named():
    events = _events()
    AuditEvent.objects.filter(pk=events[1].pk).update(summary="rewritten")
    with pytest.raises(CommandError) as caught:
        call_command("audit", "verify")
    message = str(caught.value)
    assert f"Audit log broken at event {events[1].id} (" in message
    assert "test.write1 thing:1" in message and "was altered after it was written" in message
    assert "The 1 event before it is intact" in message


def test_a_removed_event_breaks_the_link_of_the_next():
    events = _events()
    AuditEvent.objects.filter(pk=events[1].pk).delete()
    with pytest.raises(CommandError, match=f"broken at event {events[2].id} .*link to the event before it"):
        call_command("audit", "verify")


def _acknowledge(event_id, reason="restored from the 2026-11-30 backup; see incident 42", by="ops"):
    call_command("audit", "acknowledge", str(event_id), "--reason", reason, "--by", by)


def test_an_acknowledged_break_is_listed_and_the_log_reported_intact(capsys):
    from apertura.audit.models import AuditAcknowledgement

    events = _events()
    AuditEvent.objects.filter(pk=events[1].pk).update(summary="rewritten")
    _acknowledge(events[1].id)
    assert f"Acknowledged the break at event {events[1].id} (content altered)" in capsys.readouterr().out
    ack = AuditAcknowledgement.objects.get()
    assert (ack.event_id, ack.kind, ack.acknowledged_by) == (events[1].id, "content", "ops")
    assert ack.hash == events[1].hash and ack.expected_hash not in ("", events[1].hash)
    assert ack.previous_hash == ack.expected_previous_hash == events[0].hash
    # Nothing erased: the altered event stays as it is, and the acknowledgement is itself an event of the chain.
    assert AuditEvent.objects.get(pk=events[1].pk).summary == "rewritten"
    recorded = AuditEvent.objects.order_by("id").last()
    assert (recorded.action, recorded.object_id, recorded.data["acknowledgement"]) == (
        "audit.acknowledge", str(events[1].id), ack.id)

    call_command("audit", "verify")
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == f"Audit log intact: 4 events, last hash {recorded.hash}, with 1 acknowledged break:"
    assert lines[1].startswith(f"  event {events[1].id}: content altered, acknowledged ")
    assert lines[1].endswith(f"by ops (#{ack.id}): restored from the 2026-11-30 backup; see incident 42")


def test_a_new_break_is_still_found_after_an_acknowledged_one():
    events = _events(4)
    AuditEvent.objects.filter(pk=events[1].pk).update(summary="rewritten")
    _acknowledge(events[1].id)
    AuditEvent.objects.filter(pk=events[3].pk).update(summary="rewritten too")
    with pytest.raises(CommandError) as caught:
        call_command("audit", "verify")
    message = str(caught.value)
    assert caught.value.returncode == 1 and f"Audit log broken at event {events[3].id} (" in message
    assert f"The 3 events before it are intact, with 1 acknowledged break:\n  event {events[1].id}: " in message
    assert f"apertura audit acknowledge {events[3].id} --reason" in message


def test_an_acknowledged_event_altered_again_breaks_again():
    events = _events()
    AuditEvent.objects.filter(pk=events[1].pk).update(summary="rewritten")
    _acknowledge(events[1].id)
    AuditEvent.objects.filter(pk=events[1].pk).update(summary="rewritten again")
    with pytest.raises(CommandError, match=f"broken at event {events[1].id} .*was altered after it was written"):
        call_command("audit", "verify")


def test_a_removed_event_is_acknowledged_at_the_next_one(capsys):
    events = _events()
    AuditEvent.objects.filter(pk=events[1].pk).delete()
    _acknowledge(events[2].id)
    call_command("audit", "verify")
    out = capsys.readouterr().out
    assert "Audit log intact: 3 events" in out and f"  event {events[2].id}: link broken, acknowledged" in out


def test_events_removed_at_the_end_are_acknowledged_and_the_chain_continues(capsys):
    from apertura.audit.models import AuditHead

    events = _events(4)
    AuditEvent.objects.filter(pk__in=[events[2].pk, events[3].pk]).delete()
    with pytest.raises(CommandError, match=f"broken at event {events[3].id} \\(the end of the log\\).*were removed"):
        call_command("audit", "verify")
    _acknowledge(events[3].id)
    assert "the head now ends the chain at its last event" in capsys.readouterr().out
    assert AuditHead.objects.get().last_event_id == AuditEvent.objects.order_by("id").last().id
    audit_record(action="test.later", obj_type="thing", obj_id=9)
    call_command("audit", "verify")
    out = capsys.readouterr().out
    assert "Audit log intact: 4 events" in out and f"  event {events[3].id}: end of the log changed" in out


def test_an_intact_log_has_nothing_to_acknowledge():
    events = _events()
    with pytest.raises(CommandError, match="the audit log is intact: there is no break to acknowledge"):
        _acknowledge(events[1].id)


def test_only_the_first_break_can_be_acknowledged():
    from apertura.audit.models import AuditAcknowledgement

    events = _events()
    AuditEvent.objects.filter(pk=events[2].pk).update(summary="rewritten")
    with pytest.raises(CommandError, match=f"the first break is at event {events[2].id}, not {events[0].id}"):
        _acknowledge(events[0].id)
    assert not AuditAcknowledgement.objects.exists()


def test_an_acknowledgement_needs_a_reason():
    events = _events()
    AuditEvent.objects.filter(pk=events[1].pk).update(summary="rewritten")
    with pytest.raises(CommandError, match="needs a reason"):
        _acknowledge(events[1].id, reason="  ")
    with pytest.raises(CommandError, match="--reason"):
        call_command("audit", "acknowledge", str(events[1].id))


def test_an_acknowledgement_added_by_hand_does_not_count():
    from apertura.audit.models import AuditAcknowledgement

    events = _events()
    AuditEvent.objects.filter(pk=events[1].pk).update(summary="rewritten")
    with pytest.raises(CommandError) as caught:
        call_command("audit", "verify")
    broken = str(caught.value)
    # The forger copies the values verify itself would record.
    from apertura.audit.services import audit_verify

    found = audit_verify().broken
    forged = AuditAcknowledgement.objects.create(
        event_id=found.event_id, kind=found.kind, previous_hash=found.previous_hash,
        expected_previous_hash=found.expected_previous_hash, hash=found.hash, expected_hash=found.expected_hash,
        reason="nothing to see", acknowledged_by="intruder")
    with pytest.raises(CommandError) as caught:
        call_command("audit", "verify")
    assert f"acknowledgement #{forged.id} of a break there is not the one the audit log recorded" in str(caught.value)
    assert "apertura audit acknowledge" not in str(caught.value) and broken != str(caught.value)


def test_an_acknowledgement_edited_by_hand_does_not_count():
    from apertura.audit.models import AuditAcknowledgement

    events = _events(4)
    AuditEvent.objects.filter(pk=events[1].pk).update(summary="rewritten")
    _acknowledge(events[1].id)
    AuditAcknowledgement.objects.update(reason="edited")  # the reason is part of what the chain recorded
    with pytest.raises(CommandError, match="not the one the audit log recorded"):
        call_command("audit", "verify")
