import hashlib
import json

from django.db import transaction

from .models import AuditEvent

GENESIS = "0" * 64


def _digest(previous_hash: str, payload: dict) -> str:
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256((previous_hash + canonical).encode()).hexdigest()


def _payload(event: AuditEvent) -> dict:
    return {
        "actor": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "summary": event.summary,
        "data": event.data,
    }


def audit_record(
    *, action: str, obj_type: str, obj_id: str, actor=None, actor_label: str = "", summary: str = "",
    data: dict | None = None,
) -> AuditEvent:
    """Append one event to the chain. Called inside the writing service's transaction."""
    with transaction.atomic():
        last = AuditEvent.objects.select_for_update().order_by("-id").only("hash").first()
        previous = last.hash if last else GENESIS
        event = AuditEvent(
            actor=actor if actor is not None and actor.is_authenticated else None,
            actor_label=actor_label or (actor.get_username() if actor is not None and actor.is_authenticated else ""),
            action=action,
            object_type=obj_type,
            object_id=str(obj_id),
            summary=summary,
            data=data or {},
            previous_hash=previous,
        )
        event.hash = _digest(previous, _payload(event))
        event.save()
        return event


def audit_verify() -> AuditEvent | None:
    """Walk the chain; return the first event whose content or link was altered, or None if intact."""
    previous = GENESIS
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        if event.previous_hash != previous or event.hash != _digest(previous, _payload(event)):
            return event
        previous = event.hash
    return None
