"""The real services of the scale-out tests, and the process handling they share with the Airflow launcher.

PostgreSQL (127.0.0.1:5432, trust auth) and Redis (127.0.0.1:6379) are the machine's: started with the
machine's own commands when they are down, left running after. Each test gets a database of its own,
dropped after. The S3 endpoint is the test's own: moto's server on a free port, stopped after.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

POSTGRES = "postgresql://postgres@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379/0"
# How this kind of machine starts its services (they run before a session; CI may find one stopped).
_START = {
    5432: "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    6379: "redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save '' --appendonly no "
    "--dir /var/lib/redis --logfile /var/log/redis/ci.log",
}
START_TIMEOUT = 120
STOP_TIMEOUT = 60


def ensure_service(port: int) -> None:
    """PostgreSQL (5432) or Redis (6379) listening on 127.0.0.1: started when down, skipped where it cannot be."""
    if _listening(port):
        return
    program = _START[port].split()[0]
    if shutil.which(program) is None:
        pytest.skip(f"needs the service on 127.0.0.1:{port}: it is down and {program} is not installed here")
    done = subprocess.run(_START[port], shell=True, capture_output=True, text=True, timeout=START_TIMEOUT)
    wait_for_port(port, timeout=START_TIMEOUT, what=f"{program} ({done.stderr.strip()[-300:]})")


@contextmanager
def scratch_database(prefix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database (its URL), dropped afterwards with whatever still uses it."""
    import psycopg2

    ensure_service(5432)
    name = f"{prefix}_{secrets.token_hex(4)}"
    _admin(psycopg2, f"CREATE DATABASE {name}")
    try:
        yield f"{POSTGRES}/{name}"
    finally:
        _admin(psycopg2, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _admin(psycopg2, statement: str) -> None:
    conn = psycopg2.connect(f"{POSTGRES}/postgres", connect_timeout=10)
    conn.autocommit = True  # CREATE/DROP DATABASE cannot run in a transaction
    try:
        with conn.cursor() as cur:
            cur.execute(statement)
    finally:
        conn.close()


@dataclass(frozen=True)
class S3:
    """A private S3 endpoint: `env` points a subprocess's s3fs (botocore) at it, `fs()` this process's."""

    endpoint: str

    @property
    def env(self) -> dict[str, str]:
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_DEFAULT_REGION": "us-east-1",
        }

    def fs(self):
        import s3fs

        return s3fs.S3FileSystem(
            endpoint_url=self.endpoint, key="test", secret="test", skip_instance_cache=True, use_listings_cache=False
        )


@contextmanager
def moto_s3(log: Path) -> Iterator[S3]:
    """moto's S3 server on a free 127.0.0.1 port, for this test only (no credentials, nothing on disk)."""
    port = free_port()
    moto_server = str(Path(sys.executable).with_name("moto_server"))
    server = start_process([moto_server, "-H", "127.0.0.1", "-p", str(port)], log)
    try:
        wait_for_port(port, timeout=START_TIMEOUT, what="moto_server", proc=server)
        yield S3(f"http://127.0.0.1:{port}")
    finally:
        stop_process(server)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_for_port(port: int, timeout: float, what: str, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc is None or proc.poll() is None, f"{what} exited with status {proc.returncode}"
        if _listening(port):
            return
        time.sleep(0.5)
    raise AssertionError(f"{what} did not listen on 127.0.0.1:{port} within {timeout:.0f}s")


def start_process(
    command: list[str], log: Path, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.Popen:
    """A background process writing to `log`, in its own process group (so stopping it reaches its children)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        return subprocess.Popen(
            command, env=env or os.environ, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop_process(proc: subprocess.Popen) -> None:
    """Stop a process and everything it started: its whole process group, TERM then KILL."""
    for sig, wait in ((signal.SIGTERM, STOP_TIMEOUT), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
        try:  # the leader is gone; its group may still hold children
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        return
