import datetime as dt
import hashlib
import json
import math
import uuid
from collections.abc import Set
from dataclasses import dataclass, field
from datetime import UTC
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from .models import GENESIS, AuditAcknowledgement, AuditEvent, AuditHead

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

__all__ = ["GENESIS", "SCHEME", "Break", "Verification", "audit_acknowledge", "audit_record", "audit_verify"]

SCHEME = 2
HEAD = 1
Kind = AuditAcknowledgement.Kind


# Scheme 1, kept byte for byte so the events written with it still verify: it covered neither the time nor the
# actor's id, nor the link itself except as a prefix.
def _digest_v1(event: AuditEvent) -> str:
    payload = {"actor": event.actor_label, "action": event.action, "object_type": event.object_type,
               "object_id": event.object_id, "summary": event.summary, "data": event.data}
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256((event.previous_hash + canonical).encode()).hexdigest()


def _instant(value: dt.datetime) -> str:
    # UTC with all six digits: what both SQLite and PostgreSQL store and give back, whatever the time zone.
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _number(value: int | float) -> str:
    # jsonb gives 1e16 back as 10000000000000000 and 1.50 as 1.5: a number is hashed by its digits and exponent,
    # so the float written and the int read back are the same number here.
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    sign, digits, exponent = (Decimal(repr(value)) if isinstance(value, float) else Decimal(value)).as_tuple()
    assert isinstance(exponent, int)  # finite: NaN and the infinities were returned above
    while len(digits) > 1 and digits[-1] == 0:
        digits, exponent = digits[:-1], exponent + 1
    if digits == (0,):
        return "0"
    return f"{'-' if sign else ''}{''.join(map(str, digits))}e{exponent}"


def _canonical(value: object) -> str:
    if value is None or isinstance(value, bool | str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, int | float):
        return _number(value)
    if isinstance(value, list | tuple):
        return "[" + ",".join(_canonical(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{_canonical(str(k))}:{_canonical(v)}" for k, v in
                              sorted(value.items(), key=lambda item: str(item[0]))) + "}"
    raise TypeError(f"not JSON: {type(value).__name__}")


def _digest_v2(event: AuditEvent) -> str:
    fields = {
        "scheme": 2, "created_at": _instant(event.created_at), "actor_id": event.actor_id,
        "actor_label": event.actor_label, "action": event.action, "object_type": event.object_type,
        "object_id": event.object_id, "summary": event.summary, "data": event.data,
        "previous_hash": event.previous_hash,
    }
    # surrogatepass: a lone surrogate in a text must not make the event impossible to hash.
    return hashlib.sha256(f"apertura-audit/2\n{_canonical(fields)}".encode("utf-8", "surrogatepass")).hexdigest()


DIGESTS = {1: _digest_v1, 2: _digest_v2}


def _lock_head() -> AuditHead:
    """The head, locked until the caller's transaction ends. A writer that waited for the lock reads the head as
    the writer before it left it (PostgreSQL hands a locked row over in its committed state; SQLite's IMMEDIATE
    transactions have already queued the writers whole)."""
    try:
        return AuditHead.objects.select_for_update().get(pk=HEAD)
    except AuditHead.DoesNotExist:
        # Only on a database emptied by hand (or by a test's flush): the migration creates the head. Writers racing
        # here all insert the same row and all but one are ignored; a head recreated on a non-empty log starts
        # from the genesis hash on purpose, so the next event shows the break instead of hiding it.
        AuditHead.objects.bulk_create([AuditHead(pk=HEAD, hash=GENESIS)], ignore_conflicts=True)
        return AuditHead.objects.select_for_update().get(pk=HEAD)


def audit_record(
    *, action: str, obj_type: str, obj_id: str | int | uuid.UUID, actor: "User | AnonymousUser | None" = None,
    actor_label: str = "", summary: str = "",
    data: dict | None = None,
) -> AuditEvent:
    """Append one event to the chain. Called inside the writing service's transaction: three queries (lock the
    head, insert, move the head), no savepoint, and the lock is held until that transaction commits."""
    actor = actor if actor is not None and actor.is_authenticated else None
    # What the database will give back: tuples become lists, keys strings.
    data = json.loads(json.dumps(data or {}))
    with transaction.atomic(savepoint=False):
        head = _lock_head()
        event = AuditEvent(
            created_at=timezone.now(),  # taken under the lock, so times follow the chain's order
            actor=actor,
            actor_label=actor_label or (actor.get_username() if actor is not None else ""),
            action=action,
            object_type=obj_type,
            object_id=str(obj_id),
            summary=summary,
            data=data,
            scheme=SCHEME,
            previous_hash=head.hash,
        )
        event.hash = _digest_v2(event)
        event.save(force_insert=True)
        AuditHead.objects.filter(pk=HEAD).update(last_event_id=event.pk, hash=event.hash)
        return event


# A break no acknowledgement can cover: an acknowledgement row that the chain does not record.
UNRECORDED = "unrecorded_acknowledgement"


@dataclass
class Break:
    """Where the chain stops proving itself, with the values an acknowledgement records."""

    kind: str
    event_id: int | None
    why: str
    event: AuditEvent | None = None
    previous_hash: str = ""
    expected_previous_hash: str = ""
    hash: str = ""
    expected_hash: str = ""

    def values(self) -> tuple:
        return (self.event_id, str(self.kind), self.previous_hash, self.expected_previous_hash, self.hash,
                self.expected_hash)


def _ack_values(ack: AuditAcknowledgement) -> tuple:
    return (ack.event_id, ack.kind, ack.previous_hash, ack.expected_previous_hash, ack.hash, ack.expected_hash)


def _recorded_values(event: AuditEvent) -> tuple:
    """What the audit event written with an acknowledgement says of it, in the order of the row's values."""
    d = event.data
    return (event.object_id, d.get("kind"), d.get("previous_hash"), d.get("expected_previous_hash"), d.get("hash"),
            d.get("expected_hash"), event.summary, event.actor_label, d.get("acknowledged_at"))


@dataclass
class Verification:
    count: int = 0
    last_id: int | None = None
    last_hash: str = GENESIS
    head: tuple[int | None, str] | None = None  # (last event id, hash), read before the walk
    broken: Break | None = None
    acknowledged: list[AuditAcknowledgement] = field(default_factory=list)
    found: set[str] = field(default_factory=set)  # the hashes asked for that are events of the verified chain

    @property
    def intact(self) -> bool:
        return self.broken is None


def _head_values() -> tuple[int | None, str] | None:
    return AuditHead.objects.filter(pk=HEAD).values_list("last_event_id", "hash").first()


def _check_event(event: AuditEvent, previous: str, highest_scheme: int) -> Break | None:
    digest = DIGESTS.get(event.scheme)
    expected = digest(event) if digest else ""
    if event.previous_hash == previous and event.hash == expected and event.scheme >= highest_scheme:
        return None
    found: dict[str, Any] = {"event_id": event.id, "event": event, "previous_hash": event.previous_hash,
                             "expected_previous_hash": previous, "hash": event.hash, "expected_hash": expected}
    if event.hash != expected or event.scheme < highest_scheme:
        # Only on a break: would the event verify under another scheme than the one it now states?
        was = next((s for s, other in DIGESTS.items() if s != event.scheme and other(event) == event.hash), None)
        if digest is None or was is not None or event.scheme < highest_scheme:
            return Break(kind=Kind.SCHEME, why=(
                f"its hashing scheme was changed{f' from {was}' if was else ''} to {event.scheme}"
                f"{f' after events of scheme {highest_scheme}' if event.scheme < highest_scheme else ''}: "
                "an event is verified by the scheme it states, which must never be moved"), **found)
        return Break(kind=Kind.CONTENT, why=(
            "its content does not match its hash: it was altered after it was written (its time, actor, action, "
            "object, summary or details)" if event.scheme >= 2 else
            "its content does not match its hash: it was altered after it was written (its actor, action, object, "
            "summary or details; events of scheme 1 do not cover their time and actor id)"), **found)
    return Break(kind=Kind.LINK, why="its link to the event before it does not match: an event before it was "
                 "removed, or the link itself was altered", **found)


def _check_end(result: Verification, head_seen: str | None) -> Break | None:
    if result.head is None:
        if result.count == 0:
            return None
        return Break(kind=Kind.HEAD, event_id=result.last_id, expected_hash=result.last_hash, why=(
            "the chain's head is missing, so the end of the log cannot be proved: it was deleted"))
    head_id, head_hash = result.head
    if head_id is not None and head_seen is None:
        return Break(kind=Kind.HEAD, event_id=head_id, hash=head_hash, expected_hash=result.last_hash, why=(
            f"the head records event {head_id} as the last one written, and it is not in the log: the events after "
            f"{f'event {result.last_id}' if result.last_id else 'the start'} were removed"))
    if head_id is not None and head_seen != head_hash:
        return Break(kind=Kind.HEAD, event_id=head_id, hash=head_hash, expected_hash=head_seen or "", why=(
            "its hash is not the one the head recorded when it was written: it was rewritten with a new hash"))
    # Read after the walk: an event appended meanwhile moved the head in its own transaction, so an event the
    # walk saw beyond the head was not appended by audit_record.
    head_after = _head_values()
    if result.count and result.last_id is not None and (
            head_after is None or head_after[0] is None or result.last_id > head_after[0]):
        return Break(kind=Kind.HEAD, event_id=result.last_id, hash=head_after[1] if head_after else "",
                     expected_hash=result.last_hash, why=(
                         "it comes after the last event the head records: it was not appended by audit_record"))
    return None


def audit_verify(*, expect: Set[str] = frozenset()) -> Verification:
    """Walk the chain from the start: every event by the scheme it was hashed with, every link, then the end of
    the log against its head. Stops at the first break that no acknowledgement accounts for exactly. `expect`:
    hashes printed by earlier runs and kept elsewhere; those met before the break are returned in `found`."""
    result = Verification(head=_head_values())
    acks = list(AuditAcknowledgement.objects.order_by("id"))
    by_event = {ack.event_id: ack for ack in acks if ack.kind != Kind.HEAD}
    recorded: dict[int, tuple] = {}
    previous, highest_scheme, head_seen = GENESIS, 1, None
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        found = _check_event(event, previous, highest_scheme)
        if found is None:
            highest_scheme = max(highest_scheme, event.scheme)
        elif event.id in by_event and found.values() == _ack_values(by_event[event.id]):
            result.acknowledged.append(by_event[event.id])
        else:
            result.broken = found
            return result
        if event.action == "audit.acknowledge" and isinstance(event.data.get("acknowledgement"), int):
            recorded[event.data["acknowledgement"]] = _recorded_values(event)
        if result.head is not None and event.id == result.head[0]:
            head_seen = event.hash
        if event.hash in expect:
            result.found.add(event.hash)
        previous = event.hash
        result.count, result.last_id, result.last_hash = result.count + 1, event.id, event.hash
    result.broken = _check_end(result, head_seen)
    if result.broken is not None:
        return result
    # An acknowledgement counts only when the chain records it as made: a row added or edited by hand does not.
    for ack in acks:
        if recorded.get(ack.id) != (str(ack.event_id), *_ack_values(ack)[1:], ack.reason, ack.acknowledged_by,
                                    _instant(ack.acknowledged_at)):
            result.broken = Break(kind=UNRECORDED, event_id=ack.event_id, why=(
                f"acknowledgement #{ack.id} of a break there is not the one the audit log recorded when it was "
                "made: it was added or altered in the database by hand"))
            return result
    # Those of the end of the log are listed too: the head they moved shows nothing any more.
    result.acknowledged = acks
    return result


def audit_acknowledge(*, event_id: int, reason: str, by: str) -> AuditAcknowledgement:
    """Record the first break that verify reports as investigated, changing no event. A break at the end of the
    log (events removed there, the head rewritten or missing) also moves the head to the log's real end so the
    chain continues from it; the head's old values stay in the acknowledgement."""
    reason = reason.strip()
    if not reason:
        raise ValueError("an acknowledgement needs a reason")
    result = audit_verify()
    found = result.broken
    if found is None:
        raise ValueError("the audit log is intact: there is no break to acknowledge")
    if found.event_id != event_id:
        raise ValueError(f"the first break is at event {found.event_id}, not {event_id}: breaks are acknowledged "
                         "one at a time, in the order verify reports them")
    if found.kind not in Kind.values:
        raise ValueError("an acknowledgement the audit log does not record cannot itself be acknowledged: remove "
                         "it from the database (after investigating who added it)")
    with transaction.atomic():
        if found.kind == Kind.HEAD:
            head = _lock_head()
            last = AuditEvent.objects.order_by("-id").values_list("id", "hash").first() or (None, GENESIS)
            if (head.last_event_id, head.hash) != (result.head or (None, GENESIS)) or last != (result.last_id,
                                                                                                result.last_hash):
                raise ValueError("the audit log changed while it was checked: run the command again")
            AuditHead.objects.filter(pk=HEAD).update(last_event_id=result.last_id, hash=result.last_hash)
        ack = AuditAcknowledgement.objects.create(
            event_id=event_id, kind=found.kind, previous_hash=found.previous_hash,
            expected_previous_hash=found.expected_previous_hash, hash=found.hash, expected_hash=found.expected_hash,
            reason=reason, acknowledged_by=by, acknowledged_at=timezone.now())
        audit_record(action="audit.acknowledge", obj_type="audit_event", obj_id=event_id, actor_label=by,
                     summary=reason, data={
                         "acknowledgement": ack.id, "kind": ack.kind, "why": found.why,
                         "previous_hash": ack.previous_hash, "expected_previous_hash": ack.expected_previous_hash,
                         "hash": ack.hash, "expected_hash": ack.expected_hash,
                         "acknowledged_at": _instant(ack.acknowledged_at)})
    return ack
