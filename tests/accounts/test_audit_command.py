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
