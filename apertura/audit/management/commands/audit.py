from django.core.management.base import BaseCommand, CommandError

from apertura.audit.models import AuditEvent
from apertura.audit.services import GENESIS, audit_verify


def _events(n: int) -> str:
    return f"{n} event{'' if n == 1 else 's'}"


class Command(BaseCommand):
    help = "Check the audit log."

    def add_arguments(self, parser):
        verbs = parser.add_subparsers(dest="verb", required=True, metavar="{verify}")
        verbs.add_parser("verify", help="prove the hash chain is intact, or name the first altered event")

    def handle(self, *args, verb, **options):
        return getattr(self, f"handle_{verb}")(**options)

    def handle_verify(self, **_options):
        # Read before the walk, so that events appended meanwhile are not claimed as verified.
        last = AuditEvent.objects.order_by("-id").only("hash").first()
        broken = audit_verify()
        if broken is None:
            count = AuditEvent.objects.filter(id__lte=last.id).count() if last else 0
            self.stdout.write(self.style.SUCCESS(
                f"Audit log intact: {_events(count)}, last hash {last.hash if last else GENESIS}."))
            return
        before = AuditEvent.objects.filter(id__lt=broken.id).order_by("-id").only("hash").first()
        if broken.previous_hash != (before.hash if before else GENESIS):
            why = ("its link to the event before it does not match: an event before it was removed, or the "
                   "link itself was altered")
        else:
            why = "its content does not match its hash: it was altered after it was written"
        intact = AuditEvent.objects.filter(id__lt=broken.id).count()
        raise CommandError(
            f"Audit log broken at event {broken.id} ({broken.created_at.isoformat(timespec='seconds')}, "
            f"{broken.action} {broken.object_type}:{broken.object_id}): {why}. "
            f"The {_events(intact)} before it {'is' if intact == 1 else 'are'} intact.")
