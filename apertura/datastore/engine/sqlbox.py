"""The sandbox a user's SQL runs in: one short-lived process per query, holding one fresh in-memory DuckDB
database that can read exactly the Parquet files of the tables the query was bound to (sqlguard), nothing else.

Why a process: DuckDB's memory_limit covers its buffers (sorts, hash tables) but not the values a query
computes, so `repeat('x', 40000000)` over a cross join grows the process by gigabytes whatever the limit.
In its own process, capped by the kernel (RLIMIT_DATA), such a query fails with an out-of-memory error, or
the process dies, and the web worker that asked only reads the refusal. The process also has its own
deadline, and is killed by the caller when it overruns it.

In the database: `allowed_paths` lists the exact files, then `enable_external_access=false` closes every
other file, glob, directory listing, URL and extension; extensions are neither installed nor loaded on
their own, nothing spills to disk (no temporary directory), Python variables are not tables, and the
configuration is locked. DuckDB's own parser must also see exactly one SELECT statement.

The answer is fetched in batches and encoded to JSON in the process, counting its bytes against a budget and
its rows against a limit, with the deadline checked between batches and an interrupt armed until the end.
This module runs as a script (`python -I sqlbox.py`, which imports only the standard library and duckdb)
and is imported by the engine for `run`, which starts it and reads its answer.
"""

import datetime as dt
import decimal
import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

GRACE_SECONDS = 1.0  # how long past its deadline the process may take to report before it is killed
BATCH_ROWS = 100
OVERRAN = 3  # the exit status of a sandbox process that overran its deadline
FIRST_LINE = 300  # how much of an error message is passed on


class SandboxRefusal(Exception):
    """The query was stopped or refused: `kind` is one of timeout, too_large, memory, refused, failed,
    not_select, crashed; `detail` is DuckDB's first line of explanation, when there is one."""

    def __init__(self, kind: str, detail: str = ""):
        self.kind, self.detail = kind, detail
        super().__init__(f"{kind}: {detail}" if detail else kind)


# --- The caller's side --------------------------------------------------------------------------------------

def run(sql: str, *, files: list[str], timeout: float, max_rows: int, max_bytes: int, memory_bytes: int,
        threads: int = 1) -> dict:
    """Run `sql`, which may read only `files`, in a sandbox process: {"fields": [{"id", "type"}], "records":
    [...], "truncated": bool}, or raise SandboxRefusal. `timeout` counts from now and covers the whole answer;
    `memory_bytes` is DuckDB's memory limit, and the process may use as much again for the rest."""
    deadline = time.monotonic() + timeout  # CLOCK_MONOTONIC: the same clock in the sandbox process
    request = json.dumps({"sql": sql, "files": files, "deadline": deadline, "max_rows": max_rows,
                          "max_bytes": max_bytes, "memory_bytes": memory_bytes, "threads": threads}).encode()
    process = _start()
    try:
        out, _err = process.communicate(request, timeout=max(deadline - time.monotonic(), 0) + GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        raise SandboxRefusal("timeout") from None
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    try:
        answer = json.loads(out)
    except ValueError:
        raise SandboxRefusal(_kind_of_death(process.returncode)) from None
    if "error" in answer:
        raise SandboxRefusal(answer["error"], answer.get("detail", ""))
    return answer


def _kind_of_death(returncode: int) -> str:
    if returncode == OVERRAN:
        return "timeout"
    # Killed by the kernel for its memory (SIGKILL), or aborted by a failed allocation (SIGABRT).
    return "memory" if returncode in (-9, -6) else "crashed"


def _start() -> subprocess.Popen:
    # Isolated (-I: no PYTHON* variables, user site or script folder on the path), with an empty environment so
    # the query runs without the server's secrets around it, and from the root folder so that no relative path
    # names anything of the server's.
    env = {key: os.environ[key] for key in ("TZ",) if key in os.environ}
    return subprocess.Popen([sys.executable, "-I", str(Path(__file__).resolve())], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd="/", close_fds=True)


# --- The sandbox process ------------------------------------------------------------------------------------

def _main() -> None:
    import duckdb  # here, not at the top: the engine imports this module for `run` alone

    request = json.loads(sys.stdin.buffer.read())
    # Whatever happens inside DuckDB, the process never outlives its deadline by more than the grace period.
    watchdog = threading.Timer(request["deadline"] - time.monotonic() + GRACE_SECONDS, os._exit, (OVERRAN,))
    watchdog.daemon = True
    watchdog.start()
    answer = _answer(duckdb, request, request["deadline"])
    sys.stdout.buffer.write(answer)
    sys.stdout.buffer.flush()
    os._exit(0)  # without waiting for DuckDB's threads to wind down


def _answer(duckdb, request: dict, deadline: float) -> bytes:
    try:
        con = _database(duckdb, request)
        _cap_memory(request["memory_bytes"])
        limited = f"SELECT * FROM ({request['sql']}\n) AS q LIMIT {int(request['max_rows']) + 1}"
        # Both the query and what runs (the query under the row limit) must be exactly one SELECT to DuckDB.
        if not all(_one_select(duckdb, con, sql) for sql in (request["sql"], limited)):
            return _error("not_select")
        return _fetch(con, limited, request, deadline)
    except duckdb.InterruptException:
        return _error("timeout")
    except (duckdb.OutOfMemoryException, MemoryError):
        return _error("memory")
    except duckdb.PermissionException as exc:
        return _error("refused", exc)
    except duckdb.Error as exc:
        if "out of memory" in str(exc).lower() or "bad_alloc" in str(exc).lower():
            return _error("memory")
        return _error("failed", exc)
    except _TooLarge:
        return _error("too_large")
    except _Late:
        return _error("timeout")


def _one_select(duckdb, con, sql: str) -> bool:
    statements = con.extract_statements(sql)
    return len(statements) == 1 and statements[0].type == duckdb.StatementType.SELECT


def _database(duckdb, request: dict):
    """A fresh in-memory database that can read the request's files and nothing else."""
    con = duckdb.connect(config={
        "threads": request["threads"], "memory_limit": f"{request['memory_bytes']}B", "temp_directory": "",
        "autoload_known_extensions": False, "autoinstall_known_extensions": False,
        "allow_community_extensions": False, "python_enable_replacements": False,
    })
    con.execute(f"SET allowed_paths = [{', '.join(_literal(path) for path in request['files'])}]")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _cap_memory(memory_bytes: int) -> None:
    """Cap the process's data at what it uses now (the interpreter, DuckDB and its threads) plus twice DuckDB's
    limit: the second half for the values DuckDB does not count and the answer being encoded."""
    in_use = _data_bytes()
    if not in_use:  # no /proc (not Linux, where RLIMIT_DATA means something else): DuckDB's limit alone
        return
    cap = in_use + 2 * memory_bytes
    resource.setrlimit(resource.RLIMIT_DATA, (cap, cap))


def _data_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmData:"):
                return int(line.split()[1]) * 1024
    return 0


class _TooLarge(Exception):
    pass


class _Late(Exception):
    pass


def _fetch(con, sql: str, request: dict, deadline: float) -> bytes:
    """The answer as JSON, encoded a batch at a time under the byte budget, the row limit and the deadline
    (an interrupt stops DuckDB at the deadline; between batches the deadline is checked again)."""
    alarm = threading.Timer(max(deadline - time.monotonic(), 0), con.interrupt)
    alarm.daemon = True
    alarm.start()
    try:
        con.execute(sql)
        names = [d[0] for d in con.description]
        fields = [{"id": name, "type": str(d[1])} for name, d in zip(names, con.description, strict=True)]
        budget = request["max_bytes"]
        records, spent, count, truncated = [], 0, 0, False
        while rows := con.fetchmany(BATCH_ROWS):
            if time.monotonic() > deadline:
                raise _Late
            for row in rows:
                if count == request["max_rows"]:
                    truncated = True
                    break
                record = _encode(dict(zip(names, row, strict=True)), room=budget - spent)
                spent += len(record) + 1
                if spent > budget:
                    raise _TooLarge
                records.append(record)
                count += 1
            if truncated:
                break
        if time.monotonic() > deadline:
            raise _Late
    finally:
        alarm.cancel()
    head = json.dumps({"fields": fields, "truncated": truncated}, ensure_ascii=False).encode()
    return head[:-1] + b', "records": [' + b",".join(records) + b"]}"


def _encode(record: dict, *, room: int) -> bytes:
    """The record as JSON; _TooLarge as soon as its text alone exceeds `room` bytes (it has at least as many
    bytes as characters), before a copy of it is encoded."""
    try:
        text = json.dumps(record, ensure_ascii=False, default=_plain)
    except TypeError:  # a MAP keyed by something other than text or numbers
        text = json.dumps(_keys_as_text(record), ensure_ascii=False, default=_plain)
    if len(text) > room:
        raise _TooLarge
    return text.encode()


def _plain(value):
    """JSON for what DuckDB returns besides text, numbers, lists and objects."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return "\\x" + bytes(value).hex()
    return str(value)


def _keys_as_text(value):
    if isinstance(value, dict):
        return {str(_plain(k)) if not isinstance(k, str) else k: _keys_as_text(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_keys_as_text(v) for v in value]
    return value


def _error(kind: str, exc: Exception | None = None) -> bytes:
    detail = str(exc).splitlines()[0][:FIRST_LINE] if exc is not None else ""
    return json.dumps({"error": kind, "detail": detail}, ensure_ascii=False).encode()


if __name__ == "__main__":
    _main()
