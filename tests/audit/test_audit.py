import pytest

from apertura.audit.models import AuditEvent
from apertura.audit.services import audit_record, audit_verify

pytestmark = pytest.mark.django_db


def test_events_form_an_intact_chain():
    for n in range(3):
        audit_record(action="test.write", obj_type="thing", obj_id=n, actor_label="tester")
    events = list(AuditEvent.objects.order_by("id"))
    assert events[1].previous_hash == events[0].hash and events[2].previous_hash == events[1].hash
    assert audit_verify() is None


def test_an_altered_event_is_found():
    for n in range(3):
        audit_record(action="test.write", obj_type="thing", obj_id=n)
    second = AuditEvent.objects.order_by("id")[1]
    AuditEvent.objects.filter(pk=second.pk).update(summary="rewritten")
    assert audit_verify() == second
