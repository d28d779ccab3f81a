"""Keeping the background worker running: `python -m apertura.common.supervisor -- COMMAND…` runs the command and
starts it again whenever it exits, after a wait that doubles (up to a minute) while it keeps failing quickly.

`apertura serve` runs its worker under this supervisor, a process of its own started before gunicorn: gunicorn's
master collects the exit status of every child of its process and forks its workers at any moment, so a worker
watched from inside it could neither be told dead from alive reliably nor be started again safely.

SIGTERM (or SIGINT) asks the worker to finish the task in hand; after the grace period, a second SIGTERM tells it
to stop at once (it queues its task again), and then it is killed. The supervisor stops too if the process that
started it disappears, and the worker if the supervisor does (APERTURA_WORKER_PARENT_PID): nothing runs unseen.
Plain Python, no Django: it has nothing to do with the database.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time

PARENT_PID_ENV = "APERTURA_WORKER_PARENT_PID"
# A worker that ran this long before it stopped was not failing at start: the next restart waits the least again.
STEADY_SECONDS = 60.0
POLL_SECONDS = 0.5


class Backoff:
    """Waits that double after each failure in a row, up to a cap; a success starts them over."""

    def __init__(self, first: float = 0.5, cap: float = 60.0):
        self.first, self.cap, self.failures = first, cap, 0

    def next_delay(self) -> float:
        delay = min(self.cap, self.first * 2 ** self.failures)
        self.failures += 1
        return delay

    def reset(self) -> None:
        self.failures = 0


def describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


def log(message: str) -> None:
    print(f"[supervisor {os.getpid()}] {message}", file=sys.stderr, flush=True)


class Supervisor:
    def __init__(self, argv: list[str], *, grace_seconds: float, parent_pid: int = 0):
        self.argv, self.grace_seconds, self.parent_pid = argv, grace_seconds, parent_pid
        self.backoff = Backoff(first=1.0, cap=60.0)
        self.stop_requested = False
        self.child: subprocess.Popen | None = None

    def request_stop(self, signum, frame) -> None:
        self.stop_requested = True

    def orphaned(self) -> bool:
        return bool(self.parent_pid) and os.getppid() != self.parent_pid

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self.request_stop)
        signal.signal(signal.SIGINT, self.request_stop)
        while not self._should_stop():
            began = time.monotonic()
            self.child = subprocess.Popen(self.argv, env={**os.environ, PARENT_PID_ENV: str(os.getpid())})
            code = self._wait_or_stop(self.child)
            if code is None:  # stopping: the child was stopped in order
                return 0
            if time.monotonic() - began > STEADY_SECONDS:
                self.backoff.reset()
            delay = self.backoff.next_delay()
            log(f"The background worker stopped ({describe_exit(code)}); starting it again in {delay:.0f} s.")
            if self._sleep(delay):
                return 0
        return 0

    def _should_stop(self) -> bool:
        if self.orphaned() and not self.stop_requested:
            log("The server that started the worker is gone; stopping it.")
            self.stop_requested = True
        return self.stop_requested

    def _wait_or_stop(self, child: subprocess.Popen) -> int | None:
        """The child's exit status, or None once it was stopped because this supervisor is stopping."""
        while True:
            try:
                return child.wait(timeout=POLL_SECONDS)
            except subprocess.TimeoutExpired:
                if self._should_stop():
                    self._stop(child)
                    return None

    def _stop(self, child: subprocess.Popen) -> None:
        for signum, patience in ((signal.SIGTERM, self.grace_seconds), (signal.SIGTERM, 10.0), (signal.SIGKILL, 10.0)):
            try:
                child.send_signal(signum)
                child.wait(timeout=patience)
                return
            except subprocess.TimeoutExpired:
                continue
            except ProcessLookupError:
                return

    def _sleep(self, seconds: float) -> bool:
        """Sleeps, unless told to stop meanwhile (then says so)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self._should_stop():
                return True
            time.sleep(min(POLL_SECONDS, max(deadline - time.monotonic(), 0)))
        return self._should_stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m apertura.common.supervisor", description=__doc__.split("\n")[0])
    parser.add_argument("--grace-seconds", type=float, default=30.0,
                        help="how long the worker may take to finish its task when asked to stop (default: 30)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the command to keep running")
    options = parser.parse_args(argv)
    command = options.command[1:] if options.command[:1] == ["--"] else options.command
    if not command:
        parser.error("no command to run")
    parent = int(os.environ.get(PARENT_PID_ENV) or 0)
    return Supervisor(command, grace_seconds=options.grace_seconds, parent_pid=parent).run()


if __name__ == "__main__":
    sys.exit(main())
