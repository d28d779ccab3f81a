from django.core.management.base import BaseCommand, CommandError

from apertura.catalog.tasks import harvest_due


class Command(BaseCommand):
    help = "Scheduled harvests: run-due runs every enabled harvest source whose interval has passed (run from cron)."

    def add_arguments(self, parser):
        verbs = parser.add_subparsers(dest="verb", required=True, metavar="{run-due}")
        due = verbs.add_parser("run-due", help="run the harvest sources that are due, here or through the task queue")
        due.add_argument("--enqueue", action="store_true", help="hand the work to the task queue (apertura worker)")

    def handle(self, *args, verb, enqueue=False, **options):
        if enqueue:
            result = harvest_due.enqueue()
            self.stdout.write(f"queued {result.id}")
            return
        from apertura.catalog.harvest import harvest_run_due

        runs = harvest_run_due()
        for run in runs:
            self.stdout.write(run.summary)
        if not runs:
            self.stdout.write("no harvest source is due")
        if any(run.error for run in runs):
            raise CommandError(f"{sum(bool(run.error) for run in runs)} of {len(runs)} sources failed")
