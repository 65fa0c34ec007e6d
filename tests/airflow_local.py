"""A real, private Airflow for tests and benchmarks: api-server, scheduler and dag-processor on 127.0.0.1.

A temporary AIRFLOW_HOME (SQLite, LocalExecutor), a free port, the project's `dags/`. Each
component runs in its own process group, and leaving the context stops every group (TERM, then
KILL), so no scheduler or task process outlives the test.
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
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
AIRFLOW = str(Path(sys.executable).with_name("airflow"))
# Bounded, but generous: a 2-core machine shared with other jobs starts Airflow slowly.
COMMAND_TIMEOUT = 300
STOP_TIMEOUT = 60


@dataclass(frozen=True)
class DagRun:
    run_id: str
    state: str
    seconds: float | None  # start to end, once finished


@dataclass
class LocalAirflow:
    home: Path
    env: dict[str, str]

    def cli(self, *args: str, attempts: int = 5) -> str:
        """Run an `airflow` command; retried when SQLite refuses its write ("database is locked").

        A command that reads then writes while the scheduler holds SQLite's write lock fails at once
        whatever the busy timeout (SQLite refuses the upgrade to avoid a deadlock); its transaction
        was rolled back, so running it again is safe.
        """
        for attempt in range(1, attempts + 1):
            proc = subprocess.run(
                [AIRFLOW, *args], env=self.env, capture_output=True, text=True, timeout=COMMAND_TIMEOUT, cwd=PROJECT
            )
            if proc.returncode == 0 or "database is locked" not in proc.stderr or attempt == attempts:
                break
            time.sleep(2 * attempt)
        assert proc.returncode == 0, f"airflow {' '.join(args)} exited {proc.returncode}:\n{proc.stderr[-4000:]}"
        return proc.stdout

    def runs(self, dag_id: str, run_type: str) -> list[DagRun]:
        """A DAG's runs of one type (`backfill`, `manual`, `scheduled`), read from the metadata database."""
        query = (
            "SELECT run_id, state, (julianday(end_date) - julianday(start_date)) * 86400 FROM dag_run "
            "WHERE dag_id = ? AND run_type = ? ORDER BY run_id"
        )
        for _ in range(10):
            try:
                with sqlite3.connect(f"file:{self.home / 'airflow.db'}?mode=ro", uri=True, timeout=10) as db:
                    return [DagRun(*row) for row in db.execute(query, (dag_id, run_type)).fetchall()]
            except sqlite3.OperationalError:  # the scheduler holds the write lock for a moment
                time.sleep(1)
        raise AssertionError("the metadata database stayed locked")

    def wait_for_runs(self, dag_id: str, run_type: str, count: int, timeout: float) -> list[DagRun]:
        """Poll until `count` runs of that type have finished (or the timeout passes); returns them."""
        deadline = time.monotonic() + timeout
        runs: list[DagRun] = []
        while time.monotonic() < deadline:
            runs = self.runs(dag_id, run_type)
            if len(runs) >= count and all(r.state in ("success", "failed") for r in runs):
                break
            time.sleep(1)
        return runs

    def failed_task_logs(self) -> str:
        logs = sorted((self.home / "logs").rglob("*.log"))
        return "\n".join(f"--- {p}\n{p.read_text(errors='replace')[-3000:]}" for p in logs if "failed" in p.read_text())


@contextmanager
def local_airflow(home: Path, extra_env: dict[str, str]) -> Iterator[LocalAirflow]:
    """A migrated database with news_etl serialized and unpaused, and the three components running."""
    home.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",  # where tasks reach the execution API
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONNECT_ARGS": "airflow_sqlite.CONNECT_ARGS",
        "PYTHONPATH": os.pathsep.join(p for p in (str(PROJECT / "tests"), os.environ.get("PYTHONPATH", "")) if p),
        **extra_env,
    }
    env.pop("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", None)
    airflow = LocalAirflow(home=home, env=env)
    airflow.cli("db", "migrate")
    airflow.cli("dags", "reserialize")  # a fresh database does not know the DAG yet

    procs: list[subprocess.Popen] = []
    try:
        # The api-server first: tasks report to it, and one started before it would fail its first try.
        procs.append(_start(airflow, "api-server"))
        _wait_for_port(port, procs[0])
        airflow.cli("dags", "unpause", "news_etl")  # new DAGs start paused: their runs would wait forever
        procs += [_start(airflow, "scheduler"), _start(airflow, "dag-processor")]
        yield airflow
    finally:
        for proc in procs:
            _stop(proc)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(airflow: LocalAirflow, component: str) -> subprocess.Popen:
    with open(airflow.home / f"{component}.out", "wb") as log:
        return subprocess.Popen(
            [AIRFLOW, component],
            env=airflow.env,
            cwd=PROJECT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so stopping it reaches its children
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
