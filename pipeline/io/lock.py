"""Locks that keep two runs from publishing the same date at once.

Method: an advisory `flock` on a lock file next to the datasets, `<out>/_locks/date=YYYY-MM-DD.lock`
for a run of one date (held for the whole run) and `<out>/_locks/publish.lock` for the short
section that reads the other dates' articles for dedup and commits (so two dates published at once
still keep each text exactly once). The kernel drops a `flock` when its process dies, so a crashed
or killed run never leaves a stale lock behind. The lock file holds the holder's pid, host and start
time only to make the refusal message useful.

Limits: `flock` works on local disks; on NFS it depends on the server, and object stores (s3, gcs)
have no locks at all. For a non-local `out` these locks are no-ops: run one writer per date there
(Airflow's `max_active_runs=1` does this for the DAG).
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fsspec.core import url_to_fs
from fsspec.implementations.local import LocalFileSystem

from pipeline.io.partitions import require_output_folder

LOCKS = "_locks"


class PartitionBusy(RuntimeError):
    """Another run holds the lock of this date."""


def _lock_path(out: str, name: str) -> Path | None:
    fs, root = url_to_fs(out)
    if not isinstance(fs, LocalFileSystem):
        return None
    require_output_folder(out)
    folder = Path(root) / LOCKS
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


@contextmanager
def partition_lock(out: str, date: dt.date, wait_seconds: float = 0) -> Iterator[None]:
    """Hold the lock of one date; fail with PartitionBusy after `wait_seconds` (0: at once)."""
    path = _lock_path(out, f"date={date.isoformat()}.lock")
    if path is None:
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait_seconds
        while not _try_flock(fd):
            if time.monotonic() >= deadline:
                holder = path.read_text(errors="replace").strip() or "unknown process"
                raise PartitionBusy(
                    f"another newsetl run is already processing {date.isoformat()} into {out} ({holder}); "
                    f"it was left alone: retry when it has finished, or pass --lock-wait SECONDS to wait"
                )
            time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.pwrite(fd, _holder().encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the flock


@contextmanager
def publish_lock(out: str) -> Iterator[None]:
    """Serialize dedup-against-published and commit across all dates of `out` (waits, briefly)."""
    path = _lock_path(out, "publish.lock")
    if path is None:
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _try_flock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
            return False
        raise
    return True


def _holder() -> str:
    since = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return f"pid {os.getpid()} on {socket.gethostname()} since {since}"
