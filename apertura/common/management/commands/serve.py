import os
import re
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connections

from apertura.settings.env import DATA_DIR

DATABASE_BACKEND = "django_tasks_db.DatabaseBackend"
# A Unix socket's path must fit in sun_path (108 bytes on Linux, 104 on macOS).
MAX_SOCKET_PATH = 100
# How long the worker may take to finish its task when the server stops (then it is stopped, its task queued again).
WORKER_GRACE_SECONDS = 30


def default_control_socket(bind: str) -> str:
    """One per data folder and address: two instances on one machine never share one (gunicorn's default is a
    single ~/.gunicorn/gunicorn.ctl for every instance of the user)."""
    return str(DATA_DIR / "run" / f"gunicorn-{re.sub(r'[^A-Za-z0-9_.-]', '_', bind)[:60]}.ctl")


class Command(BaseCommand):
    help = ("Serve the platform with gunicorn (the production-grade server; use runserver while developing), "
            "with a background worker beside it, started again whenever it stops, when tasks are kept in the "
            "database.")

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--no-worker", action="store_true",
                            help="do not start a task worker (when `apertura worker` runs elsewhere)")
        parser.add_argument("--control-socket", default="",
                            help="gunicorn's control socket, for gunicornc (default: "
                                 "$APERTURA_DATA_DIR/run/gunicorn-<bind>.ctl)")
        parser.add_argument("--no-control-socket", action="store_true", help="do not open gunicorn's control socket")

    def handle(self, *args, bind, workers, no_worker, control_socket, no_control_socket, **options):
        from gunicorn.app.wsgiapp import WSGIApplication

        supervisor = None
        if not no_worker and settings.TASKS["default"]["BACKEND"] == DATABASE_BACKEND:
            # Uploaded tables are ingested, e-mails sent and harvests run by the worker: on one machine, one
            # command runs both, so a publisher's upload never waits in a queue nobody reads.
            supervisor = _start_supervised_worker()
            self.stdout.write("Background worker started (it is started again if it stops).")
        _name_web_connections()
        self.stdout.write(f"Apertura is running on http://{bind}/ (Ctrl-C stops it)")
        sys.argv = ["gunicorn", "--bind", bind, "--workers", str(workers), "--access-logfile", "-",
                    *self._control_socket_options(bind, control_socket, no_control_socket),
                    "apertura.wsgi:application"]
        try:
            WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]").run()
        finally:
            if supervisor is not None:
                _stop_supervised_worker(supervisor)

    def _control_socket_options(self, bind: str, path: str, disabled: bool) -> list[str]:
        if disabled:
            return ["--no-control-socket"]
        path = path or default_control_socket(bind)
        if len(path.encode()) > MAX_SOCKET_PATH:
            self.stderr.write(f"No control socket: its path is too long for a Unix socket ({path}); "
                              "choose a shorter one with --control-socket.")
            return ["--no-control-socket"]
        return ["--control-socket", path]


def _start_supervised_worker() -> subprocess.Popen:
    """The worker under its supervisor (see `common.supervisor`), started now, before gunicorn forks anything. In a
    session of its own: a Ctrl-C meant for the server does not cut the worker's task short, the server stops it in
    order."""
    from apertura.common.supervisor import PARENT_PID_ENV

    return subprocess.Popen(
        [sys.executable, "-m", "apertura.common.supervisor", "--grace-seconds", str(WORKER_GRACE_SECONDS), "--",
         sys.executable, "-m", "apertura.cli", "worker"],
        env={**os.environ, PARENT_PID_ENV: str(os.getpid())}, start_new_session=True)


def _stop_supervised_worker(supervisor: subprocess.Popen) -> None:
    # Gunicorn's master collects every child's exit; from now on this process waits for its own.
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    supervisor.terminate()
    try:
        supervisor.wait(timeout=WORKER_GRACE_SECONDS + 30)
    except subprocess.TimeoutExpired:
        supervisor.kill()
        supervisor.wait()


def _name_web_connections() -> None:
    # Read when each gunicorn worker opens its connection; none is open yet in this (the forking) process.
    options = settings.DATABASES["default"].get("OPTIONS", {})
    if "application_name" in options:
        options["application_name"] = "apertura web"
    connections.close_all()
