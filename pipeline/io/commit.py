"""Publishing a date's datasets all together: stage every file, commit once, roll forward after a crash.

A run writes a new file per dataset (articles, duplicates, rejects and its `runs` row). Renaming
them one by one is not atomic as a group: a crash between two renames would leave, say, the new
rejects beside the old articles. So publishing is a small write-ahead protocol:

1. stage: every file is written under a hidden temporary name in its final folder and flushed;
2. commit: one journal file `<out>/_journal/date=YYYY-MM-DD.json` listing the renames is written
   and renamed into place atomically — the single commit point;
3. apply: the renames are done, then the journal is removed.

A crash before the commit point leaves the published datasets exactly as before (the staged files
are hidden, and the next run of that date deletes them); a crash after it is rolled forward by the
next run on the same `out` (`recover`), because the journal says exactly which renames remain and a
rename is idempotent to redo. Runs hold `lock.publish_lock` while they recover and commit, so a
journal seen there always belongs to a dead run.

On an object store a "rename" is a copy then a delete: not atomic, but idempotent to redo (a
staged object still there is copied again), so the journal still makes the roll-forward exact. The
journal itself is one PUT, which a store makes visible whole or not at all, and a conditional one
(If-None-Match: the object must not exist): should two runs of one date ever commit at once (a lock
lost with its connection), the second is refused and publishes nothing, so each date's datasets
always come from one run.

Limits: between the commit point and the last rename (a few renames, well under a millisecond on a
local disk, a copy per dataset on an object store) a reader that opens two datasets may see one new
and one old until the crash is recovered; a reader that honours the journal (`pending`) can tell.
"""

from __future__ import annotations

import datetime as dt
import json
import posixpath
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pyarrow as pa
from fsspec.core import url_to_fs
from fsspec.implementations.local import LocalFileSystem

from pipeline.io import atomic, faults
from pipeline.io.parquet import StagedFile
from pipeline.io.partitions import PART

JOURNAL = "_journal"
QUARANTINE = "_quarantine"


class PublishError(RuntimeError):
    """Writing the new files failed (disk full, permissions): nothing was published."""


class Transaction:
    """The files of one run of one date, staged, then published together by `commit`."""

    def __init__(self, out: str, date: dt.date):
        self.out = out
        self.date = date
        self.tag = uuid.uuid4().hex[:16]
        self.moves: list[tuple[str, str]] = []  # (staged, final), paths relative to the out root
        self._fs, self._root = url_to_fs(out)
        self._done = False  # committed, or quarantined: nothing left to clean up

    def stage(self, dataset: str, table: pa.Table, name: str = PART) -> None:
        """Write one dataset's file of this date from a whole table, hidden until commit."""
        with self.open(dataset, name, table.schema) as staged:
            staged.write(table)

    @contextmanager
    def open(self, dataset: str, name: str = PART, schema: pa.Schema | None = None) -> Iterator[StagedFile]:
        """One dataset's file of this date to write table by table (a run streams its partition in
        batches), staged for the commit when the block ends without error, removed otherwise."""
        staged = StagedFile(self.out, dataset, self.date, name, schema)
        with staged:
            yield staged
        self.moves.append((self._relative(staged.tmp), self._relative(staged.final)))
        faults.reach(f"staged:{dataset}")

    def commit(self) -> None:
        """Publish every staged file: after this returns (or crashes past the journal write), all of them."""
        faults.reach("staged")
        journal = _journal_path(self._root, self.date)
        self._fs.makedirs(posixpath.dirname(journal), exist_ok=True)
        record = {"date": self.date.isoformat(), "tag": self.tag, "moves": self.moves}
        try:
            _write_journal(self._fs, journal, json.dumps(record, indent=1).encode())
        except FileExistsError as exc:
            raise PublishError(
                f"another run of {self.date.isoformat()} committed into {self.out} at the same time; "
                f"nothing was published by this one"
            ) from exc
        self._done = True
        faults.reach("committed")
        _apply(self._fs, self._root, record)

    def staged(self, dataset: str) -> str:
        """The staged (not yet published) file of `dataset`, a path on `out`'s filesystem: what an
        audit reads before the commit."""
        return posixpath.join(self._root, next(tmp for tmp, final in self.moves if final.startswith(f"{dataset}/")))

    def quarantine(self, folder: str, reason: str) -> None:
        """Instead of publishing, move every staged file to `folder` (as <dataset>/<name>) beside a
        `reason.txt`: the datasets stay as they were, and the files stay there to inspect."""
        for tmp, final in self.moves:
            kept = posixpath.join(folder, final.split("/", 1)[0], posixpath.basename(final))
            self._fs.makedirs(posixpath.dirname(kept), exist_ok=True)
            atomic.publish_file(self._fs, posixpath.join(self._root, tmp), kept)
            partition = posixpath.join(self._root, posixpath.dirname(final))
            if self._fs.isdir(partition) and not self._fs.ls(partition, detail=False):  # no date without data
                self._fs.rmdir(partition)
        self._fs.pipe_file(posixpath.join(folder, "reason.txt"), f"{reason}\n".encode())
        self._done = True

    def __enter__(self) -> Transaction:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        """Without a commit (an error, disk full), remove whatever was staged: nothing was published."""
        if self._done:
            return
        for tmp, _ in self.moves:
            path = posixpath.join(self._root, tmp)
            if self._fs.exists(path):
                self._fs.rm(path)
        if isinstance(exc, OSError):
            raise PublishError(
                f"could not write the datasets of {self.date.isoformat()} under {self.out}: "
                f"{exc.strerror or exc}; nothing was published, the datasets are as before this run"
            ) from exc

    def _relative(self, path: str) -> str:
        return posixpath.relpath(path, self._root)


def quarantine_dir(out: str, date: dt.date, run_id: str) -> str:
    """Where a run that failed its audit keeps its files: `<out>/_quarantine/<date>/<run_id>` (the
    underscore hides it from readers of the datasets, as `_staging`)."""
    _, root = url_to_fs(out)
    return posixpath.join(root, QUARANTINE, date.isoformat(), run_id)


def pending(out: str) -> list[dt.date]:
    """Dates whose commit was interrupted after its commit point (published by the next `recover`)."""
    fs, root = url_to_fs(out)
    folder = posixpath.join(root, JOURNAL)
    if not fs.isdir(folder):
        return []
    names = [posixpath.basename(p) for p in fs.ls(folder, detail=False)]
    return sorted(dt.date.fromisoformat(n[5:15]) for n in names if n.startswith("date=") and n.endswith(".json"))


def recover(out: str) -> list[dt.date]:
    """Finish every interrupted commit (call under `lock.publish_lock`); returns the dates finished."""
    fs, root = url_to_fs(out)
    folder = posixpath.join(root, JOURNAL)
    for leftover in fs.ls(folder, detail=False) if fs.isdir(folder) else []:
        if atomic.is_temp(posixpath.basename(leftover)):
            fs.rm(leftover)  # a journal whose own write was cut short: its commit never happened
    done = []
    for date in pending(out):
        path = _journal_path(root, date)
        with fs.open(path, "rb") as fh:
            record = json.loads(fh.read())
        _apply(fs, root, record)
        done.append(date)
    return done


def _apply(fs, root: str, record: dict) -> None:
    """Do the journal's renames that are not done yet, then drop the journal."""
    for tmp, final in record["moves"]:
        staged = posixpath.join(root, tmp)
        if fs.exists(staged):  # absent: renamed before the crash
            atomic.publish_file(fs, staged, posixpath.join(root, final))
        faults.reach(f"published:{final.split('/', 1)[0]}")
    fs.rm(_journal_path(root, dt.date.fromisoformat(record["date"])))


def _journal_path(root: str, date: dt.date) -> str:
    return posixpath.join(root, JOURNAL, f"date={date.isoformat()}.json")


def _write_journal(fs, path: str, data: bytes) -> None:
    """Write the journal whole (the commit point): renamed into place on a local disk, one
    conditional PUT elsewhere (FileExistsError when another run's journal is there)."""
    if isinstance(fs, LocalFileSystem):
        atomic.write_atomic(fs, path, data)
    else:
        fs.pipe_file(path, data, mode="create")
