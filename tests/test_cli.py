"""The `apertura` command as a plan coordinator runs it."""

import json
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from apertura.plans.models import Milestone, Plan

pytestmark = pytest.mark.django_db


def test_import_reports_problems_with_lines_and_changes_nothing(plan_data, write_plan, capsys):
    call_command("plan", "import", str(write_plan(plan_data)))
    plan_data["commitments"][0]["milestones"][0]["responsible"] = ["MINEDUC"]
    plan_data["commitments"][0]["milestones"][1]["end"] = "2031-02-30"
    path = write_plan(plan_data)
    with pytest.raises(CommandError) as caught:
        call_command("plan", "import", str(path))
    message = str(caught.value)
    assert "2 problems; nothing was written" in message
    assert f"{path}:" in message and "commitments[0].milestones[0].responsible[0]" in message
    assert "not a real date" in message
    assert list(Milestone.objects.values_list("end", flat=True).order_by("seq"))[1].isoformat() == "2031-12-01"


def test_check_only_validates(plan_data, write_plan, capsys):
    call_command("plan", "import", str(write_plan(plan_data)), "--check")
    assert "valid" in capsys.readouterr().out and not Plan.objects.exists()


def test_export_of_an_unknown_plan_names_the_known_ones(fifth_plan):
    with pytest.raises(CommandError, match="There is no plan «2099».*2021-2023"):
        call_command("plan", "export", "2099")


def test_the_console_script_exits_non_zero_on_a_bad_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: apertura-plan/1\nplan: {}\n")
    env = {**os.environ, "APERTURA_DATA_DIR": str(tmp_path / "data")}
    env.pop("DATABASE_URL", None)
    result = subprocess.run([sys.executable, "-m", "apertura.cli", "plan", "import", str(bad)],
                            capture_output=True, text=True, env=env)
    assert result.returncode != 0
    assert "missing: «institutions», «commitments»" in result.stderr


def test_demo_prepares_the_database_and_loads_the_fifth_plan(tmp_path):
    env = {**os.environ, "APERTURA_DATA_DIR": str(tmp_path / "data")}
    env.pop("DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "apertura.cli", "demo", "--no-serve"], check=True, env=env,
                   capture_output=True)
    out = subprocess.run([sys.executable, "-m", "apertura.cli", "plan", "export", "2021-2023"], check=True,
                         env=env, capture_output=True, text=True).stdout
    data = json.loads(out)
    assert sum(len(c["milestones"]) for c in data["commitments"]) == 49


def test_serve_runs_a_worker_that_ingests_queued_uploads(tmp_path):
    """On one machine, `apertura serve` alone is enough: a table queued for ingest gets loaded."""
    import socket
    import time

    env = {**os.environ, "APERTURA_DATA_DIR": str(tmp_path / "data"), "APERTURA_TASKS_BACKEND": "database"}
    env.pop("DATABASE_URL", None)
    cli = [sys.executable, "-m", "apertura.cli"]
    shell = [*cli, "shell", "--no-imports", "-c"]
    subprocess.run([*cli, "migrate", "--verbosity", "0"], check=True, env=env)
    source = tmp_path / "poblacion.csv"
    source.write_text("municipio,poblacion\n0101,923392\n0108,473080\n")
    status = ("from apertura.datastore.models import DatastoreTable as T; "
              "print(T.objects.get(resource_key='poblacion').status)")
    subprocess.run([*shell, "from apertura.datastore.services import datastore_ingest_queue; "
                    f"datastore_ingest_queue(key='poblacion', source_path='{source}', system=True)"],
                   check=True, env=env)
    assert subprocess.run([*shell, status], env=env, capture_output=True, text=True,
                          check=True).stdout.strip() == "queued"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([*cli, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(60):
            now = subprocess.run([*shell, status], env=env, capture_output=True, text=True).stdout
            if now.strip() == "ready":
                break
            time.sleep(1)
        assert now.strip() == "ready"
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_two_servers_on_one_machine_have_their_own_control_sockets(short_tmp_path):
    """gunicorn's default control socket is one ~/.gunicorn/gunicorn.ctl for every instance of the user: the second
    server took it over from the first. Each `apertura serve` now has its own, in its data folder."""
    tmp_path = short_tmp_path  # the sockets' paths must fit in a Unix socket address
    import socket
    import stat
    import time

    home = tmp_path / "home"
    home.mkdir()
    # The secret given: two servers started at once in a new data folder would both generate it.
    env = {**os.environ, "APERTURA_DATA_DIR": str(tmp_path / "data"), "HOME": str(home),
           "APERTURA_SECRET_KEY": "two-servers-test"}
    env.pop("DATABASE_URL", None)
    env.pop("XDG_RUNTIME_DIR", None)
    ports = []
    for _ in range(2):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            ports.append(probe.getsockname()[1])
    logs = [tmp_path / f"serve-{port}.log" for port in ports]
    servers = [subprocess.Popen([sys.executable, "-m", "apertura.cli", "serve", "--no-worker", "--workers", "1",
                                 "--bind", f"127.0.0.1:{port}"], env=env, stdout=log.open("wb"),
                                stderr=subprocess.STDOUT) for port, log in zip(ports, logs, strict=True)]
    sockets = [tmp_path / "data" / "run" / f"gunicorn-127.0.0.1_{port}.ctl" for port in ports]
    try:
        deadline = time.monotonic() + 120
        while not all(path.exists() for path in sockets) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert all(path.exists() and stat.S_ISSOCK(path.stat().st_mode) for path in sockets), [
            log.read_text() for log in logs]
        assert all(server.poll() is None for server in servers)
        assert not (home / ".gunicorn").exists()
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)
