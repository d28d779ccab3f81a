import subprocess
import sys

from django.conf import settings
from django.core.management.base import BaseCommand

DATABASE_BACKEND = "django_tasks_db.DatabaseBackend"


class Command(BaseCommand):
    help = ("Serve the platform with gunicorn (the production-grade server; use runserver while developing), "
            "with a background worker beside it when tasks are kept in the database.")

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--no-worker", action="store_true",
                            help="do not start a task worker (when `apertura db_worker` runs elsewhere)")

    def handle(self, *args, bind, workers, no_worker, **options):
        from gunicorn.app.wsgiapp import WSGIApplication

        worker = None
        if not no_worker and settings.TASKS["default"]["BACKEND"] == DATABASE_BACKEND:
            # Uploaded tables are ingested, e-mails sent and harvests run by the worker: on one machine, one
            # command runs both, so a publisher's upload never waits in a queue nobody reads.
            worker = subprocess.Popen([sys.executable, "-m", "apertura.cli", "db_worker", "--queue-name", "*"])
            self.stdout.write("Background worker started.")
        self.stdout.write(f"Apertura is running on http://{bind}/ (Ctrl-C stops it)")
        sys.argv = ["gunicorn", "--bind", bind, "--workers", str(workers), "--access-logfile", "-",
                    "apertura.wsgi:application"]
        try:
            WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]").run()
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=30)
