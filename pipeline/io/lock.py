"""Locks that keep two runs from publishing the same date at once, on a local disk or an object store.

Two locks per output: one per date, held for a whole run of that date (a second run of it fails
fast, or waits), and one for the output, held for the short section that reads the other dates for
dedup and commits (so two dates published at once still keep each text exactly once).

Where they are held depends on the output:
- given a lock database (`Settings.lock_db`, a PostgreSQL URL): PostgreSQL session advisory locks,
  keyed by a hash of the output's URI and the lock's name, each on a connection of its own. The one
  choice for an object store, where many machines publish (docs/operations.md says why).
- a local `out` without one: an advisory `flock` on `<out>/_locks/date=YYYY-MM-DD.lock` and
  `<out>/_locks/publish.lock`.
- an object store (s3, gcs, ...) without one: refused (`LockUnavailable`). A store has no lock of its
  own, and a lock object written there could not tell a crashed holder from a slow one.
- `memory://`: none (a filesystem of one process).

Both kinds are released by the system when their holder dies — the kernel closes the file, the
server ends the session when its connection drops — so a crashed or killed run never leaves a stale
lock behind. The holder's pid, host and start time are recorded (in the lock file, or as the
session's application_name) only to make the refusal message useful.
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import hashlib
import os
import re
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from fsspec.core import url_to_fs
from fsspec.implementations.local import LocalFileSystem
from fsspec.implementations.memory import MemoryFileSystem

from pipeline.io.partitions import require_output_folder

LOCKS = "_locks"
# TCP keepalives of a lock's connection: a holder cut off from the server loses its locks (the
# server ends the session) within about idle + interval x count seconds.
_KEEPALIVE = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 3}


class PartitionBusy(RuntimeError):
    """Another run holds the lock of this date."""


class LockUnavailable(RuntimeError):
    """No lock can guard the output: it is on an object store without a lock database, or that
    database cannot be reached."""


@contextmanager
def partition_lock(out: str, date: dt.date, wait_seconds: float = 0, db: str | None = None) -> Iterator[None]:
    """Hold the lock of one date; fail with PartitionBusy after `wait_seconds` (0: at once)."""

    def busy(holder: str) -> PartitionBusy:
        return PartitionBusy(
            f"another newsetl run is already processing {date.isoformat()} into {out} ({holder}); "
            f"it was left alone: retry when it has finished, or pass --lock-wait SECONDS to wait"
        )

    with _lock(out, db, f"date={date.isoformat()}.lock", wait_seconds, busy):
        yield


@contextmanager
def publish_lock(out: str, db: str | None = None) -> Iterator[None]:
    """Serialize dedup-against-published and commit across all dates of `out` (waits, briefly)."""
    with _lock(out, db, "publish.lock", None, None):
        yield


@contextmanager
def _lock(
    out: str, db: str | None, name: str, wait_seconds: float | None, busy: Callable[[str], Exception] | None
) -> Iterator[None]:
    """Hold lock `name` of `out` wherever it is kept; `wait_seconds` None waits as long as it takes."""
    fs, root = url_to_fs(out)
    if db:
        held = _database_lock(db, _key(fs.unstrip_protocol(root.rstrip("/")), name), wait_seconds, busy)
    elif isinstance(fs, LocalFileSystem):
        require_output_folder(out)
        held = _file_lock(Path(root) / LOCKS / name, wait_seconds, busy)
    elif isinstance(fs, MemoryFileSystem):
        held = nullcontext()
    else:
        raise LockUnavailable(
            f"{out} is on an object store, which has no locks: give a lock database "
            f"(--lock-db, a postgresql:// URL) so that two runs cannot publish one date at once"
        )
    with held:
        # What this process listed before the lock may have changed meanwhile (s3fs keeps listings).
        fs.invalidate_cache()
        yield


@contextmanager
def _file_lock(path: Path, wait_seconds: float | None, busy) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if wait_seconds is None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        else:
            _poll(lambda: _try_flock(fd), wait_seconds, lambda: busy(_read_holder(path)))
        os.ftruncate(fd, 0)
        os.pwrite(fd, _holder().encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the flock


@contextmanager
def _database_lock(url: str, key: int, wait_seconds: float | None, busy) -> Iterator[None]:
    import psycopg2

    # A SQLAlchemy URL (Airflow's sql_alchemy_conn) names its driver: libpq does not take it.
    dsn = re.sub(r"^postgres(?:ql)?\+\w+://", "postgresql://", url)
    try:
        conn = psycopg2.connect(dsn, application_name=_holder()[:63], connect_timeout=10, **_KEEPALIVE)
    except psycopg2.OperationalError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise LockUnavailable(f"cannot reach the lock database: {reason}") from exc
    conn.autocommit = True  # session locks: no transaction stays open while the run works
    try:
        with conn.cursor() as cur:
            if wait_seconds is None:
                cur.execute("SELECT pg_advisory_lock(%s)", (key,))
            else:
                _poll(lambda: _try_advisory(cur, key), wait_seconds, lambda: busy(_session_holder(cur, key)))
        yield
    finally:
        conn.close()  # ending the session releases its advisory locks


def _key(uri: str, name: str) -> int:
    """A signed 64-bit advisory-lock key for lock `name` of the output at `uri`."""
    digest = hashlib.blake2b(f"newsetl\0{uri}\0{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _poll(attempt: Callable[[], bool], wait_seconds: float, busy: Callable[[], Exception]) -> None:
    deadline = time.monotonic() + wait_seconds
    while not attempt():
        if time.monotonic() >= deadline:
            raise busy()
        time.sleep(0.2)


def _try_flock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
            return False
        raise
    return True


def _try_advisory(cur, key: int) -> bool:
    cur.execute("SELECT pg_try_advisory_lock(%s)", (key,))
    return cur.fetchone()[0]


def _read_holder(path: Path) -> str:
    return path.read_text(errors="replace").strip() or "unknown process"


def _session_holder(cur, key: int) -> str:
    """The application_name of the session holding advisory lock `key` (pg_locks splits it in two oids)."""
    unsigned = key & 0xFFFF_FFFF_FFFF_FFFF
    cur.execute(
        "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
        "AND l.classid::bigint = %s AND l.objid::bigint = %s",
        (unsigned >> 32, unsigned & 0xFFFF_FFFF),
    )
    row = cur.fetchone()
    return row[0] if row and row[0] else "unknown process"


def _holder() -> str:
    since = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return f"pid {os.getpid()} on {socket.gethostname()} since {since}"
