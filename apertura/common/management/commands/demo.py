from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Set up the embedded database, load the curated action plans, publish them as datasets, and serve."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--no-serve", action="store_true", help="prepare everything but do not serve")

    def handle(self, *args, bind, no_serve, **options):
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Database ready.")
        for path in settings.APERTURA_PLAN_FILES:
            call_command("plan", "import", str(path), stdout=self.stdout)
        # The plans are open data too: the Commission's datasets point at their exports.
        call_command("catalog", "publish-self", stdout=self.stdout)
        if not no_serve:
            call_command("serve", bind=bind)
