import sys

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the platform with gunicorn (the production-grade server; use runserver while developing)."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=2)

    def handle(self, *args, bind, workers, **options):
        from gunicorn.app.wsgiapp import WSGIApplication

        self.stdout.write(f"Apertura is running on http://{bind}/ (Ctrl-C stops it)")
        sys.argv = ["gunicorn", "--bind", bind, "--workers", str(workers), "--access-logfile", "-",
                    "apertura.wsgi:application"]
        WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]").run()
