"""A real Airflow (scheduler, dag-processor, api-server) backfills news_etl like `newsetl backfill`.

The components run on 127.0.0.1 with a temporary AIRFLOW_HOME and a free port, in their own
process groups, and are stopped (the whole group) however the test ends.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import PROJECT, assert_same_partitions, build_dated_raw, run_cli

pytestmark = pytest.mark.slow

DATES = ["2024-05-01", "2024-05-02", "2024-05-03"]
# Bounded, but generous: a 2-core machine shared with other jobs starts Airflow slowly.
COMMAND_TIMEOUT = 300
BACKFILL_TIMEOUT = 900
STOP_TIMEOUT = 60


@dataclass
class Airflow:
    home: Path
    env: dict[str, str]
    out: Path
    raw: Path

    def cli(self, *args: str) -> str:
        proc = subprocess.run(
            [str(Path(sys.executable).with_name("airflow")), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            cwd=PROJECT,
        )
        assert proc.returncode == 0, f"airflow {' '.join(args)} exited {proc.returncode}:\n{proc.stderr[-4000:]}"
        return proc.stdout

    def runs(self, run_type: str) -> dict[str, str]:
        """run_id → state of news_etl's runs of one type, read from the metadata database."""
        for _ in range(10):
            try:
                with sqlite3.connect(f"file:{self.home / 'airflow.db'}?mode=ro", uri=True, timeout=10) as db:
                    rows = db.execute(
                        "SELECT run_id, state FROM dag_run WHERE dag_id = 'news_etl' AND run_type = ?", (run_type,)
                    ).fetchall()
                return dict(rows)
            except sqlite3.OperationalError:  # the scheduler holds the write lock for a moment
                time.sleep(1)
        raise AssertionError("the metadata database stayed locked")

    def failed_task_logs(self) -> str:
        logs = sorted((self.home / "logs").rglob("*.log"))
        return "\n".join(f"--- {p}\n{p.read_text(errors='replace')[-3000:]}" for p in logs if "failed" in p.read_text())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(af: Airflow, component: str) -> subprocess.Popen:
    with open(af.home / f"{component}.out", "wb") as log:
        return subprocess.Popen(
            [str(Path(sys.executable).with_name("airflow")), component],
            env=af.env,
            cwd=PROJECT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so teardown reaches its children
        )


def _wait_for_port(port: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + COMMAND_TIMEOUT
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"the api-server exited with status {proc.returncode}"
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(1)
    raise AssertionError(f"the api-server did not listen on 127.0.0.1:{port} within {COMMAND_TIMEOUT}s")


def _stop(proc: subprocess.Popen) -> None:
    """Stop a component and everything it started: its whole process group, TERM then KILL."""
    for sig, wait in ((signal.SIGTERM, STOP_TIMEOUT), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
        try:  # the leader is gone; its group may still hold task processes
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        return


@pytest.fixture
def airflow(tmp_path: Path) -> Iterator[Airflow]:
    home = tmp_path / "airflow"
    home.mkdir()
    raw = build_dated_raw(tmp_path / "raw")
    out = tmp_path / "airflow_out"
    port = _free_port()
    venv_bin = str(Path(sys.executable).parent)
    env = {
        **os.environ,
        "PATH": f"{venv_bin}:{os.environ.get('PATH', '')}",
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
        "NEWSETL_RAW": f"{raw}/{{date}}",
        "NEWSETL_OUT": str(out),
    }
    env.pop("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", None)
    af = Airflow(home=home, env=env, out=out, raw=raw)
    af.cli("db", "migrate")
    af.cli("dags", "reserialize")

    procs: list[subprocess.Popen] = []
    try:
        # The api-server first: tasks report to it, and one started before it would fail its first try.
        procs.append(_start(af, "api-server"))
        _wait_for_port(port, procs[0])
        af.cli("dags", "unpause", "news_etl")  # new DAGs start paused: backfill runs would wait forever
        procs += [_start(af, "scheduler"), _start(af, "dag-processor")]
        yield af
    finally:
        for proc in procs:
            _stop(proc)


def test_airflow_backfill_under_a_scheduler_publishes_the_cli_backfill_partitions(airflow: Airflow, tmp_path: Path):
    cli_out = tmp_path / "cli_out"
    run_cli(
        "backfill",
        "--start",
        DATES[0],
        "--end",
        DATES[-1],
        "--raw",
        f"{airflow.raw}/{{date}}",
        "--out",
        str(cli_out),
        "-q",
    )

    # One run at a time, oldest first: each date is deduplicated against the dates before it.
    airflow.cli(
        "backfill", "create", "--dag-id", "news_etl", "--from-date", DATES[0], "--to-date", DATES[-1],
        "--max-active-runs", "1",
    )  # fmt: skip
    deadline = time.monotonic() + BACKFILL_TIMEOUT
    runs: dict[str, str] = {}
    while time.monotonic() < deadline:
        runs = airflow.runs("backfill")
        if len(runs) == len(DATES) and all(state in ("success", "failed") for state in runs.values()):
            break
        time.sleep(5)
    assert len(runs) == len(DATES) and set(runs.values()) == {"success"}, (
        f"backfill runs after {BACKFILL_TIMEOUT}s: {runs}\n{airflow.failed_task_logs()}"
    )

    assert_same_partitions(cli_out, airflow.out, DATES)
    assert not any((airflow.out / "_staging").glob("*/*")), "publish left staged files behind"
