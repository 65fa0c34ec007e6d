"""A real, private Airflow for tests and benchmarks: api-server, scheduler and dag-processor on 127.0.0.1.

A temporary AIRFLOW_HOME, a free port, the project's `dags/`. By default SQLite and the LocalExecutor;
given a `Celery` cluster, the CeleryExecutor with PostgreSQL as the metadata database, Redis as the
broker (a queue of its own, so that other Celery users of the same Redis never see its tasks) and
`workers` Celery worker processes, each with its own AIRFLOW_HOME and temporary folder, as on separate
machines. Each component runs in its own process group, and leaving the context stops every group
(TERM, then KILL), so no scheduler, worker or task process outlives the test.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.services import REDIS, ensure_service, free_port, start_process, stop_process, wait_for_port

PROJECT = Path(__file__).resolve().parent.parent
AIRFLOW = str(Path(sys.executable).with_name("airflow"))
# Bounded, but generous: a 2-core machine shared with other jobs starts Airflow slowly.
COMMAND_TIMEOUT = 300


@dataclass(frozen=True)
class Celery:
    """Run tasks on Celery workers: `database` is an empty PostgreSQL database's URL (see services)."""

    database: str
    workers: int = 2


@dataclass(frozen=True)
class DagRun:
    run_id: str
    state: str
    seconds: float | None  # start to end, once finished


def worker_hostname() -> str:
    """The name a worker records on its task instances (Airflow's hostname_callable): which worker ran what."""
    return os.environ.get("NEWSETL_TEST_WORKER") or os.uname().nodename


@dataclass
class LocalAirflow:
    home: Path
    env: dict[str, str]
    database: str | None  # PostgreSQL URL; None: SQLite in home
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)  # component ("scheduler", "worker-1") → process

    @property
    def groups(self) -> dict[str, int]:
        """Component → process group: each was started in a session of its own, led by itself."""
        return {name: proc.pid for name, proc in self.procs.items()}

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

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Rows of a read-only query of the metadata database (`%s` placeholders)."""
        if self.database:
            import psycopg2

            with psycopg2.connect(self.database, connect_timeout=10) as db, db.cursor() as cur:
                cur.execute(sql, params)
                return cur.fetchall()
        for _ in range(10):
            try:
                with sqlite3.connect(f"file:{self.home / 'airflow.db'}?mode=ro", uri=True, timeout=10) as db:
                    return db.execute(sql.replace("%s", "?"), params).fetchall()
            except sqlite3.OperationalError:  # the scheduler holds the write lock for a moment
                time.sleep(1)
        raise AssertionError("the metadata database stayed locked")

    def runs(self, dag_id: str, run_type: str) -> list[DagRun]:
        """A DAG's runs of one type (`backfill`, `manual`, `scheduled`), read from the metadata database."""
        rows = self.query(
            "SELECT run_id, state, start_date, end_date FROM dag_run WHERE dag_id = %s AND run_type = %s "
            "ORDER BY run_id",
            (dag_id, run_type),
        )
        return [DagRun(run_id, state, _seconds(start, end)) for run_id, state, start, end in rows]

    def wait_for_runs(self, dag_id: str, run_type: str, count: int, timeout: float) -> list[DagRun]:
        """Poll until `count` runs of that type have finished (or the timeout passes); returns them."""
        deadline = time.monotonic() + timeout
        runs: list[DagRun] = []
        while time.monotonic() < deadline:
            self.check_running()
            runs = self.runs(dag_id, run_type)
            if len(runs) >= count and all(r.state in ("success", "failed") for r in runs):
                break
            time.sleep(1)
        return runs

    def check_running(self) -> None:
        """Fails at once, with the end of its log, when a component has stopped: runs would wait in vain."""
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                log = self.home / f"{name}.out"
                tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
                raise AssertionError(f"the {name} stopped (exit {proc.returncode}):\n{tail}")

    def backfill(self, dag_id: str, dates: list[str], timeout: float) -> list[DagRun]:
        """`airflow backfill create` over `dates`, one run at a time and oldest first (each date is
        deduplicated against the dates before it); asserts every run succeeded within `timeout`.

        The run unpausing queued (yesterday's) is let finish first: a backfill queued while the
        scheduler finished it once crashed the scheduler on SQLite (Airflow 3.3.2: an IntegrityError
        creating the backfill's task instances, then `ObjectDeletedError` in its loop)."""
        self.wait_for_runs(dag_id, "scheduled", 1, timeout)
        self.cli(
            "backfill", "create", "--dag-id", dag_id, "--from-date", dates[0], "--to-date", dates[-1],
            "--max-active-runs", "1",
        )  # fmt: skip
        runs = self.wait_for_runs(dag_id, "backfill", len(dates), timeout)
        assert [r.state for r in runs] == ["success"] * len(dates), (
            f"backfill runs after at most {timeout}s: {runs}\n{self.failed_task_logs()}"
        )
        return runs

    def failed_task_logs(self) -> str:
        logs = sorted(self.home.rglob("logs/**/*.log"))
        return "\n".join(f"--- {p}\n{p.read_text(errors='replace')[-3000:]}" for p in logs if "failed" in p.read_text())


def _seconds(start, end) -> float | None:
    if start is None or end is None:
        return None
    # SQLite gives text, PostgreSQL datetimes.
    start, end = (v if isinstance(v, dt.datetime) else dt.datetime.fromisoformat(v) for v in (start, end))
    return (end - start).total_seconds()


@contextmanager
def local_airflow(home: Path, extra_env: dict[str, str], celery: Celery | None = None) -> Iterator[LocalAirflow]:
    """A migrated database with news_etl serialized and unpaused, and the components running."""
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
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
        "PYTHONPATH": os.pathsep.join(p for p in (str(PROJECT / "tests"), os.environ.get("PYTHONPATH", "")) if p),
        **(_celery_env(celery) if celery else _sqlite_env()),
        **extra_env,
    }
    if not celery:
        env.pop("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", None)
    airflow = LocalAirflow(home=home, env=env, database=celery.database if celery else None)
    airflow.cli("db", "migrate")
    airflow.cli("dags", "reserialize")  # a fresh database does not know the DAG yet

    try:
        # The api-server first: tasks report to it, and one started before it would fail its first try.
        airflow.procs["api-server"] = _start(airflow, "api-server")
        wait_for_port(port, timeout=COMMAND_TIMEOUT, what="the api-server", proc=airflow.procs["api-server"])
        airflow.cli("dags", "unpause", "news_etl")  # new DAGs start paused: their runs would wait forever
        for component in ("scheduler", "dag-processor"):
            airflow.procs[component] = _start(airflow, component)
        for k in range(1, (celery.workers if celery else 0) + 1):
            airflow.procs[f"worker-{k}"] = _start_worker(airflow, k)
        yield airflow
    finally:
        for proc in airflow.procs.values():
            stop_process(proc)


def _sqlite_env() -> dict[str, str]:
    return {"AIRFLOW__DATABASE__SQL_ALCHEMY_CONNECT_ARGS": "airflow_sqlite.CONNECT_ARGS"}


def _celery_env(celery: Celery) -> dict[str, str]:
    ensure_service(6379)
    database = celery.database.replace("postgresql://", "postgresql+psycopg2://", 1)
    return {
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": database,
        "AIRFLOW__CELERY__BROKER_URL": REDIS,
        "AIRFLOW__CELERY__RESULT_BACKEND": f"db+{database}",
        "AIRFLOW__OPERATORS__DEFAULT_QUEUE": f"newsetl_{secrets.token_hex(4)}",
        "AIRFLOW__CORE__HOSTNAME_CALLABLE": "airflow_local.worker_hostname",
    }


def _start(airflow: LocalAirflow, component: str) -> subprocess.Popen:
    return start_process([AIRFLOW, component], airflow.home / f"{component}.out", airflow.env, PROJECT)


def _start_worker(airflow: LocalAirflow, k: int) -> subprocess.Popen:
    """Celery worker `k`: one task at a time, its own AIRFLOW_HOME (logs), temporary folder and log server."""
    home = airflow.home / f"worker-{k}"
    (home / "tmp").mkdir(parents=True, exist_ok=True)
    env = {
        **airflow.env,
        "AIRFLOW_HOME": str(home),
        "TMPDIR": str(home / "tmp"),
        "NEWSETL_TEST_WORKER": f"worker-{k}",
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
    }
    queue = airflow.env["AIRFLOW__OPERATORS__DEFAULT_QUEUE"]
    command = [AIRFLOW, "celery", "worker", "--queues", queue, "--concurrency", "1", "--celery-hostname",
               f"worker-{k}@%h", "--without-mingle", "--without-gossip"]  # fmt: skip
    return start_process(command, airflow.home / f"worker-{k}.out", env, PROJECT)
