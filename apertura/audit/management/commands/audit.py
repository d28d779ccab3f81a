import getpass

from django.core.management.base import BaseCommand, CommandError

from apertura.audit.models import AuditAcknowledgement
from apertura.audit.services import UNRECORDED, Verification, audit_acknowledge, audit_verify


def _events(n: int) -> str:
    return f"{n} event{'' if n == 1 else 's'}"


# The CLI speaks English whatever the site's language (the model's labels are translated).
KINDS = {"content": "content altered", "link": "link broken", "scheme": "hashing scheme changed",
         "head": "end of the log changed"}


def _acknowledged(acks: list[AuditAcknowledgement]) -> list[str]:
    return [f"  event {ack.event_id}: {KINDS[ack.kind]}, acknowledged {ack.acknowledged_at:%Y-%m-%d %H:%M} UTC "
            f"by {ack.acknowledged_by} (#{ack.id}): {ack.reason}" for ack in acks]


def _operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in a bare container
        return "operator"


class Command(BaseCommand):
    help = "Check the audit log, or record a break in it as investigated."

    def add_arguments(self, parser):
        verbs = parser.add_subparsers(dest="verb", required=True, metavar="{verify,acknowledge}")
        verify = verbs.add_parser("verify", help="prove the hash chain is intact, or name the first altered event")
        verify.add_argument("--expect", action="append", default=[], metavar="HASH",
                            help="a last hash printed by an earlier run and kept elsewhere: fail unless it is an "
                                 "event of the verified chain (repeatable)")
        ack = verbs.add_parser("acknowledge", help="record the first break verify reports as investigated, "
                                                   "without changing or erasing any event (see docs/audit.md)")
        ack.add_argument("event_id", type=int, metavar="EVENT_ID", help="the event verify names")
        ack.add_argument("--reason", required=True, help="what the investigation found")
        ack.add_argument("--by", default="", help="who investigated (default: the system user running this)")

    def handle(self, *args, verb, **options):
        return getattr(self, f"handle_{verb}")(**options)

    def handle_verify(self, *, expect, **_options):
        expect = {value.strip().lower() for value in expect}
        result = audit_verify(expect=expect)
        missing = sorted(expect - result.found)
        if result.intact and missing:
            raise CommandError(
                f"Audit log rewritten: {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not the hash of "
                f"any event in the chain, which is otherwise intact ({_events(result.count)}, last hash "
                f"{result.last_hash}): the events up to {'it' if len(missing) == 1 else 'them'} were removed or "
                "rewritten with new hashes since that hash was printed.")
        if result.intact:
            acks = result.acknowledged
            self.stdout.write(self.style.SUCCESS(
                f"Audit log intact: {_events(result.count)}, last hash {result.last_hash}"
                + (f", with {len(acks)} acknowledged break{'' if len(acks) == 1 else 's'}:" if acks else ".")))
            for line in _acknowledged(acks):
                self.stdout.write(line)
            return
        raise CommandError(self._broken(result))

    def _broken(self, result: Verification) -> str:
        broken = result.broken
        event = broken.event
        if event is not None:
            where = (f" ({event.created_at.isoformat(timespec='seconds')}, {event.action} {event.object_type}:"
                     f"{event.object_id})")
        else:
            where = " (the end of the log)" if broken.kind == "head" else ""
        if broken.kind == UNRECORDED:  # found after the whole walk
            rest = f"The chain's {_events(result.count)} otherwise verify"
        else:
            rest = f"The {_events(result.count)} before it {'is' if result.count == 1 else 'are'} intact"
        acks = result.acknowledged
        lines = [f"Audit log broken at event {broken.event_id}{where}: {broken.why}. {rest}"
                 + (f", with {len(acks)} acknowledged break{'' if len(acks) == 1 else 's'}:" if acks else ".")]
        lines += _acknowledged(result.acknowledged)
        if broken.kind != UNRECORDED:
            lines.append(f"Once investigated (docs/audit.md): apertura audit acknowledge {broken.event_id} "
                         f"--reason \"…\"")
        return "\n".join(lines)

    def handle_acknowledge(self, *, event_id, reason, by, **_options):
        try:
            ack = audit_acknowledge(event_id=event_id, reason=reason, by=by.strip() or _operator())
        except ValueError as exc:
            raise CommandError(f"Not acknowledged: {exc}.") from exc
        moved = (f"; the head now ends the chain at its last event, {ack.expected_hash}" if ack.kind == "head"
                 else "")
        self.stdout.write(self.style.SUCCESS(
            f"Acknowledged the break at event {ack.event_id} ({KINDS[ack.kind]}) as #{ack.id}: stored hash "
            f"{ack.hash or '-'}, expected {ack.expected_hash or '-'}. No event was changed{moved}."))
        self.stdout.write("Run `apertura audit verify` to check the rest of the chain.")
