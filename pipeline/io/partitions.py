"""Date partitions of the datasets: where they live, which dates exist, reading and deleting them.

Layout: `<out>/<dataset>/date=YYYY-MM-DD/part-0.parquet` for articles, duplicates and rejects
(one file per partition, so replacing a date is a single rename), and
`<out>/runs/date=YYYY-MM-DD/run-<run_id>.parquet` (append-only history).
"""

from __future__ import annotations

import datetime as dt
import posixpath
from collections.abc import Iterable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from fsspec.core import url_to_fs

from pipeline.io.arrow import empty_table, rows_of
from pipeline.io.atomic import is_temp
from pipeline.schema import DATASETS

PART = "part-0.parquet"


class OutputNotAFolder(ValueError):
    """The output root (or a folder above it) is a file: no dataset can be written there."""


def require_output_folder(out: str) -> None:
    """Raise OutputNotAFolder unless `out` is a folder or can be made one (missing folders are fine)."""
    fs, path = url_to_fs(out)
    while path and not fs.exists(path):
        parent = posixpath.dirname(path.rstrip("/"))
        if parent == path:
            return
        path = parent
    if path and not fs.isdir(path):
        raise OutputNotAFolder(f"output {out} cannot be a folder: {path} is a file")


def partition_dir(out: str, dataset: str, date: dt.date) -> str:
    _, root = url_to_fs(out)
    return posixpath.join(root, dataset, f"date={date.isoformat()}")


def discard_staged(out: str, date: dt.date) -> list[str]:
    """Remove temporary files a crashed run left in the partition folders of `date`."""
    fs, _ = url_to_fs(out)
    removed = []
    for dataset in DATASETS:
        folder = partition_dir(out, dataset, date)
        if not fs.isdir(folder):
            continue
        for path in fs.ls(folder, detail=False):
            name = posixpath.basename(path)
            if is_temp(name):
                fs.rm(path)
                removed.append(path)
    return removed


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
        return empty_table(schema)
    # ParquetFile, not pq.read_table: the dataset reader behind read_table imports pandas (~1 s).
    tables = [pq.ParquetFile(f, filesystem=fs).read(columns=columns) for f in files]
    return pa.concat_tables(tables, promote_options="default")


def partition_batches(out: str, dataset: str, date: dt.date, columns: list[str]) -> Iterator[pa.Table]:
    """Some columns of every file of one partition, a row group at a time (nothing when absent)."""
    return read_row_groups(out, partition_row_groups(out, dataset, date), columns)


def partition_row_groups(out: str, dataset: str, date: dt.date) -> list[tuple[str, int]]:
    """(file, row group) of every row group of one partition, in order: work to share out."""
    fs, _ = url_to_fs(out)
    folder = partition_dir(out, dataset, date)
    files = sorted(f for f in (fs.ls(folder, detail=False) if fs.isdir(folder) else []) if _visible_parquet(f))
    return [group for path in files for group in file_row_groups(out, path)]


def file_row_groups(out: str, path: str) -> list[tuple[str, int]]:
    """(file, row group) of every row group of one file under `out` (none when it is absent)."""
    fs, _ = url_to_fs(out)
    if not fs.exists(path):
        return []
    return [(path, group) for group in range(pq.ParquetFile(path, filesystem=fs).num_row_groups)]


def read_row_groups(
    out: str, groups: list[tuple[str, int]], columns: list[str], use_threads: bool = True
) -> Iterator[pa.Table]:
    """Some columns of the given row groups (from `partition_row_groups`), one at a time; without
    `use_threads` in the calling thread only (processes already reading side by side)."""
    fs, _ = url_to_fs(out)
    opened: tuple[str, pq.ParquetFile] | None = None
    for path, group in groups:
        if opened is None or opened[0] != path:
            opened = (path, pq.ParquetFile(path, filesystem=fs))
        yield opened[1].read_row_group(group, columns=columns, use_threads=use_threads)


def partition_rows(out: str, dataset: str, date: dt.date, rows: np.ndarray, columns: list[str]) -> Iterator[pa.Table]:
    """Some rows of one partition by row number (sorted, unique; counted across its files in order),
    reading only the row groups that hold them: one table per such row group."""
    fs, _ = url_to_fs(out)
    folder = partition_dir(out, dataset, date)
    files = sorted(f for f in (fs.ls(folder, detail=False) if fs.isdir(folder) else []) if _visible_parquet(f))
    start = 0
    for path in files:
        reader = pq.ParquetFile(path, filesystem=fs)
        for group in range(reader.metadata.num_row_groups):
            size = reader.metadata.row_group(group).num_rows
            lo, hi = np.searchsorted(rows, [start, start + size]).tolist()
            if hi > lo:
                yield rows_of(reader.read_row_group(group, columns=columns), rows[lo:hi] - start)
            start += size


def delete_partition(out: str, date: dt.date, datasets: Iterable[str]) -> list[str]:
    """Remove one date's partition of each dataset (folders that exist); returns what was removed."""
    fs, _ = url_to_fs(out)
    removed = []
    for dataset in datasets:
        folder = partition_dir(out, dataset, date)
        if fs.isdir(folder):
            fs.rm(folder, recursive=True)
            removed.append(folder)
    return removed


def _visible_parquet(path: str) -> bool:
    name = posixpath.basename(path)
    return name.endswith(".parquet") and not name.startswith((".", "_"))
