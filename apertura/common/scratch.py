"""Scratch folders: each process writes its temporary files under a folder named after it, so what a process that
died left behind can be told apart from what a live one is still writing, and removed.

A background worker's folder is named after its worker id (see `worker_folder_name`): once the worker's heartbeat
is gone, the folder is a leftover. Any other process (the command line, a web process running tasks inline) gets
a folder named after its process id and the machine it runs on, a leftover once that process no longer exists.
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
import time
from pathlib import Path

WORKER_PREFIX = "w-"
PROCESS_PREFIX = "p-"
# Folders of the layout before scratch folders had owners (one random name per ingest, straight under .tmp).
LEGACY_MAX_AGE_SECONDS = 24 * 3600

_worker_id: str | None = None


def become_worker(worker_id: str) -> None:
    """From now on this process's scratch folder is the worker's (called once, when the worker starts)."""
    global _worker_id
    _worker_id = worker_id


def process_space() -> str:
    """Where a process id names one process: this host and its PID namespace (containers on one host have their
    own, and a process id seen in one means nothing in another)."""
    try:
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        namespace = ""
    return f"{socket.gethostname()}|{namespace}"[:200]


def _short_hash(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:8]


def worker_folder_name(worker_id: str) -> str:
    readable = re.sub(r"[^A-Za-z0-9_.-]", "_", worker_id)[:40]
    return f"{WORKER_PREFIX}{readable}-{_short_hash(worker_id)}"


def _process_folder_name(pid: int) -> str:
    return f"{PROCESS_PREFIX}{pid}-{_short_hash(process_space())}"


def scratch_folder(root: Path) -> Path:
    """This process's own folder under `root`/.tmp (not created here: whoever writes in it does)."""
    name = worker_folder_name(_worker_id) if _worker_id else _process_folder_name(os.getpid())
    return Path(root) / ".tmp" / name


def pid_alive(pid: int) -> bool:
    """Whether a process of this process space has that id (a zombie, killed but not yet collected, is dead)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[:1] != ["Z"]


def leftovers(tmp: Path, live_worker_ids: set[str]) -> list[Path]:
    """What under `tmp` belongs to no live process: folders of workers without a heartbeat, folders of processes
    of this machine that have ended, and anything of the old layout older than a day."""
    if not tmp.is_dir():
        return []
    live_workers = {worker_folder_name(w) for w in live_worker_ids}
    here = _short_hash(process_space())
    found = []
    for entry in tmp.iterdir():
        name = entry.name
        if name.startswith(WORKER_PREFIX):
            dead = name not in live_workers
        elif name.startswith(PROCESS_PREFIX):
            pid, _, space = name[len(PROCESS_PREFIX):].partition("-")
            dead = space == here and pid.isdigit() and not pid_alive(int(pid))
        else:
            dead = _age_seconds(entry) > LEGACY_MAX_AGE_SECONDS
        if dead:
            found.append(entry)
    return found


def _age_seconds(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return 0.0
