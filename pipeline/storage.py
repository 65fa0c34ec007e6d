"""Write stage: Parquet partitions replaced atomically, on a local disk or any fsspec filesystem.

Layout: `<out>/<dataset>/date=YYYY-MM-DD/part-0.parquet` for articles, duplicates and rejects
(one file per partition, so replacing a date is a single rename), and
`<out>/runs/date=YYYY-MM-DD/run-<run_id>.parquet` (append-only history).

A file is written under a hidden temporary name in its final folder, flushed to disk, then
renamed over the old one: readers see the old file or the new one, never half of either, and a
crash before the rename leaves the previous state as it was. On object stores (s3, gcs) an
upload only becomes visible when complete, which gives the same guarantee per file.
"""

from __future__ import annotations

import datetime as dt
import os
import posixpath
import uuid
from collections.abc import Iterable

import pyarrow as pa
import pyarrow.parquet as pq
from fsspec.core import url_to_fs
from fsspec.implementations.local import LocalFileSystem

from pipeline.schema import DATASETS

PART = "part-0.parquet"


def partition_dir(out: str, dataset: str, date: dt.date) -> str:
    _, root = url_to_fs(out)
    return posixpath.join(root, dataset, f"date={date.isoformat()}")


def to_table(rows: Iterable[object], dataset: str) -> pa.Table:
    """Rows (dataclass instances) as a table of the dataset's explicit schema."""
    schema = DATASETS[dataset]
    rows = list(rows)
    columns = {name: [getattr(row, name) for row in rows] for name in schema.names}
    return pa.table(columns, schema=schema)


def write_partition(out: str, dataset: str, date: dt.date, table: pa.Table, name: str = PART) -> str:
    """Atomically write (or replace) one file of one date partition; returns its path."""
    fs, _ = url_to_fs(out)
    folder = partition_dir(out, dataset, date)
    fs.makedirs(folder, exist_ok=True)
    final = posixpath.join(folder, name)
    tmp = posixpath.join(folder, f".{name}.{uuid.uuid4().hex}.tmp")
    try:
        if isinstance(fs, LocalFileSystem):
            pq.write_table(table, tmp, compression="zstd")
            _fsync(tmp)
            os.replace(tmp, final)
            _fsync(folder)
        else:
            with fs.open(tmp, "wb") as fh:
                pq.write_table(table, fh, compression="zstd")
            fs.mv(tmp, final)
    finally:
        if fs.exists(tmp):
            fs.rm(tmp)
    return final


def _fsync(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def partition_dates(out: str, dataset: str) -> list[dt.date]:
    """Dates that have a published partition of `dataset`."""
    fs, root = url_to_fs(out)
    base = posixpath.join(root, dataset)
    if not fs.isdir(base):
        return []
    dates = []
    for entry in fs.ls(base, detail=False):
        name = posixpath.basename(entry.rstrip("/"))
        if name.startswith("date="):
            try:
                dates.append(dt.date.fromisoformat(name[5:]))
            except ValueError:
                continue
    return sorted(dates)


def read_partition(out: str, dataset: str, date: dt.date, columns: list[str] | None = None) -> pa.Table:
    """Every file of one partition as one table (empty table of the schema when absent)."""
    fs, _ = url_to_fs(out)
    folder = partition_dir(out, dataset, date)
    files = sorted(f for f in (fs.ls(folder, detail=False) if fs.isdir(folder) else []) if _visible_parquet(f))
    schema = DATASETS[dataset]
    if columns:
        schema = pa.schema([schema.field(c) for c in columns], metadata=schema.metadata)
    if not files:
        return schema.empty_table()
    tables = [pq.read_table(f, columns=columns, filesystem=fs) for f in files]
    return pa.concat_tables(tables, promote_options="default")


def _visible_parquet(path: str) -> bool:
    name = posixpath.basename(path)
    return name.endswith(".parquet") and not name.startswith((".", "_"))
