"""Atomic replacement of a file: written under a hidden temporary name in its final folder, flushed,
then renamed over the old one, so readers see the old file or the new one, never half of either.

On object stores (s3, gcs) an upload only becomes visible when complete, which gives the same
guarantee per file; a run publishes its files together through `pipeline.io.commit.Transaction`.
Every temp-then-rename write of the package goes through this module.
"""

from __future__ import annotations

import os
import posixpath
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from fsspec.implementations.local import LocalFileSystem

TMP_SUFFIX = ".tmp"


def temp_name(final: str) -> str:
    """A hidden, unique temporary name beside `final` (readers and listings skip dot-files)."""
    folder, name = posixpath.split(final)
    return posixpath.join(folder, f".{name}.{uuid.uuid4().hex}{TMP_SUFFIX}")


def is_temp(name: str) -> bool:
    return name.startswith(".") and name.endswith(TMP_SUFFIX)


@contextmanager
def open_atomic(fs, final: str, durable: bool = True) -> Iterator:
    """A binary file that appears at `final` complete when the block ends, or not at all.

    `durable`: flushed to disk before the rename (and the rename itself synced) on a local disk;
    staging files, which a retry recomputes, skip it.
    """
    tmp = temp_name(final)
    try:
        with fs.open(tmp, "wb") as fh:
            yield fh
            if durable and isinstance(fs, LocalFileSystem):
                fh.flush()
                os.fsync(fh.fileno())
        publish_file(fs, tmp, final, durable)
    except BaseException:
        if fs.exists(tmp):
            fs.rm(tmp)
        raise


def write_atomic(fs, final: str, data, durable: bool = True) -> None:
    """Write `data` (bytes or any buffer) to `final` atomically (see `open_atomic`)."""
    with open_atomic(fs, final, durable) as fh:
        fh.write(data)


def publish_file(fs, tmp: str, final: str, durable: bool = True) -> None:
    """Rename a written temporary file over its final name (atomic on a local disk)."""
    if isinstance(fs, LocalFileSystem):
        os.replace(tmp, final)
        if durable:
            _fsync(posixpath.dirname(final))
    else:
        fs.mv(tmp, final)


def _fsync(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
