import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from apertura.plans.tasks import send_deadline_digests


class Command(BaseCommand):
    help = "Queue the daily deadline digest for institution editors (run it once a day, e.g. from cron)."

    def add_arguments(self, parser):
        verbs = parser.add_subparsers(dest="verb", required=True, metavar="{deadlines}")
        deadlines = verbs.add_parser("deadlines", help="milestones due within N days or overdue")
        deadlines.add_argument("--days", type=int, default=14)
        deadlines.add_argument("--on", help="pretend today is this date (YYYY-MM-DD)")
        deadlines.add_argument("--now", action="store_true", help="send now instead of queueing for the worker")

    def handle(self, *args, verb, days, on, now, **options):
        if on:
            try:
                dt.date.fromisoformat(on)
            except ValueError:
                raise CommandError(f"--on {on}: write the date as YYYY-MM-DD") from None
        if days < 0:
            raise CommandError("--days must be zero or more")
        if now:
            sent = send_deadline_digests.call(days=days, on=on)
            self.stdout.write(f"Sent {sent} digest(s).")
        else:
            result = send_deadline_digests.enqueue(days=days, on=on)
            self.stdout.write(f"Queued the deadline digest ({result.id}); `apertura worker` sends it.")
