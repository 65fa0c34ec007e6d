"""Atomic replacement of a file: written under a hidden temporary name in its final folder, flushed,
then renamed over the old one, so readers see the old file or the new one, never half of either.
On object stores (s3, gcs) an upload only becomes visible when complete, which gives the same
guarantee per file; a run publishes its files together through `pipeline.io.commit.Transaction`.
"""

from __future__ import annotations

import os
import posixpath

from fsspec.implementations.local import LocalFileSystem

TMP_SUFFIX = ".tmp"


def publish_file(fs, tmp: str, final: str) -> None:
    """Rename a staged file over its final name (atomic on a local disk), durably."""
    if isinstance(fs, LocalFileSystem):
        os.replace(tmp, final)
        _fsync(posixpath.dirname(final))
    else:
        fs.mv(tmp, final)


def _fsync(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
