"""Write stage: Parquet partitions replaced atomically, on a local disk or any fsspec filesystem.

Layout: `<out>/<dataset>/date=YYYY-MM-DD/part-0.parquet` for articles, duplicates and rejects
(one file per partition, so replacing a date is a single rename), and
`<out>/runs/date=YYYY-MM-DD/run-<run_id>.parquet` (append-only history).

A file is written under a hidden temporary name in its final folder, flushed to disk, then
renamed over the old one: readers see the old file or the new one, never half of either, and a
crash before the rename leaves the previous state as it was. On object stores (s3, gcs) an
upload only becomes visible when complete, which gives the same guarantee per file. A run
publishes its files together through `pipeline.commit.Transaction`.
"""

from __future__ import annotations

import datetime as dt
import os
import posixpath
import uuid
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from fsspec.core import url_to_fs
from fsspec.implementations.local import LocalFileSystem

from pipeline._arrow_buffers import list_buffers, string_buffers
from pipeline.schema import DATASETS

PART = "part-0.parquet"
TMP_SUFFIX = ".tmp"


@contextmanager
def system_allocator() -> Iterator[None]:
    """Arrow's allocations go through the C library's allocator while this holds (also a decorator).

    pyarrow's default allocator (mimalloc) kept the buffers of a run's Parquet reads and writes
    after they were freed: the publish step of the 10x benchmark corpus peaked at ~490 MB with it,
    ~290 MB with the system allocator, which returns them (measured). Scoped to the pipeline's own
    steps rather than set for the whole process that imports it.
    """
    previous = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        yield
    finally:
        pa.set_memory_pool(previous)


def partition_dir(out: str, dataset: str, date: dt.date) -> str:
    _, root = url_to_fs(out)
    return posixpath.join(root, dataset, f"date={date.isoformat()}")


def columns_to_table(columns: dict[str, list | pa.Array], schema: pa.Schema) -> pa.Table:
    """Columns of Python values (or ready Arrow arrays) as a table of `schema`.

    Arrays are assembled from buffers: handed Python lists or numpy arrays, pyarrow first imports
    pandas to check whether they are pandas objects, ~1 s of a run that needs no pandas (measured).
    """
    arrays = [_to_arrow(v, f.type) if isinstance(v, list) else v for f, v in ((f, columns[f.name]) for f in schema)]
    return pa.Table.from_arrays(arrays, schema=schema)


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)


def _to_arrow(values: list, type_: pa.DataType) -> pa.Array:
    # Each column is a few C-level passes over its list (count, map, join), strings one compiled
    # pass (pipeline/_arrow_buffers.pyx): a Python loop per value cost more than the rest of the
    # staged write (measured).
    n = len(values)
    if pa.types.is_string(type_):
        data, offsets, validity, nulls = string_buffers(values)
        if nulls == n and n:
            return pa.nulls(n, type_)
        validity = None if validity is None else pa.py_buffer(validity)
        return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data), validity, nulls)
    if pa.types.is_list(type_) or pa.types.is_map(type_):  # a None list is an empty one
        offsets, flat, nulls = list_buffers(values)
        if nulls == n and n:
            return pa.nulls(n, type_)
        offsets_array = pa.Array.from_buffers(pa.int32(), n + 1, [None, pa.py_buffer(offsets)])
        if pa.types.is_map(type_):
            keys = _to_arrow([k for k, _ in flat], type_.key_type)
            return pa.MapArray.from_arrays(offsets_array, keys, _to_arrow([x for _, x in flat], type_.item_type))
        return pa.ListArray.from_arrays(offsets_array, _to_arrow(flat, type_.value_type))
    nulls = values.count(None)
    if nulls == n and n:  # a column nothing filled in (kicker, author... in wire copy)
        return pa.nulls(n, type_)
    validity = None
    if nulls:
        present = [v is not None for v in values]
        validity = pa.py_buffer(np.packbits(np.array(present, dtype=bool), bitorder="little"))
    if pa.types.is_struct(type_):  # values are tuples (NamedTuples) or dicts
        children = [
            _to_arrow([None if v is None else (v[f.name] if isinstance(v, dict) else v[i]) for v in values], f.type)
            for i, f in enumerate(type_)
        ]
        mask = from_numpy(np.array([v is None for v in values], dtype=bool)) if nulls else None
        return pa.StructArray.from_arrays(children, fields=list(type_), mask=mask)
    if pa.types.is_timestamp(type_):
        data = np.array([0 if v is None else (_aware(v) - _EPOCH) // _MICROSECOND for v in values], dtype=np.int64)
    elif pa.types.is_date32(type_):
        data = np.array([0 if v is None else (v - _EPOCH.date()).days for v in values], dtype=np.int32)
    else:
        data = np.array([0 if v is None else v for v in values] if nulls else values, dtype=type_.to_pandas_dtype())
    return pa.Array.from_buffers(type_, n, [validity, pa.py_buffer(data)], nulls)


# Above this many column pieces (runs of rows x columns), rows_of copies the rows with `take`.
MAX_SLICED_PIECES = 4096


def rows_of(table: pa.Table, rows: np.ndarray) -> pa.Table:
    """Rows `rows` (increasing) of `table`: slices of it, without a copy, when the rows form few runs;
    else a copy by `take`.

    On Reuters, publish keeps nearly every article, in long runs between the few duplicates: `take`
    copied every column of every batch (~0.05 s of its publish, measured), and the row groups are
    copied once more anyway. Where copies are many (the 10x benchmark corpus: ~300 runs in each
    2,048 staged rows) a slice per run and column cost ~1 µs each, seconds in all (write 1.1 ->
    7.3 s, measured): there `take` is the cheaper, even with the import of pyarrow.compute it
    needs (~45 ms, once; a run with few copies never makes it).
    """
    if len(rows) == table.num_rows:
        return table
    if not len(rows):
        return table.slice(0, 0)
    breaks = np.flatnonzero(np.diff(rows) != 1) + 1
    if (len(breaks) + 1) * table.num_columns > MAX_SLICED_PIECES:
        return table.take(from_numpy(rows.astype(np.int64, copy=False)))
    starts, ends = rows[np.r_[0, breaks]], rows[np.r_[breaks - 1, len(rows) - 1]] + 1
    return pa.concat_tables([table.slice(a, b - a) for a, b in zip(starts.tolist(), ends.tolist(), strict=True)])


def from_numpy(values: np.ndarray) -> pa.Array:
    """A 1-D numeric numpy array as an Arrow array, from its buffer (pa.array() would import pandas)."""
    data = np.packbits(values, bitorder="little") if values.dtype == bool else np.ascontiguousarray(values)
    return pa.Array.from_buffers(pa.from_numpy_dtype(values.dtype), len(values), [None, pa.py_buffer(data)])


def empty_table(schema: pa.Schema) -> pa.Table:
    """A table of `schema` with no rows (Schema.empty_table() imports pandas)."""
    return columns_to_table({name: [] for name in schema.names}, schema)


def to_numpy(array: pa.Array) -> np.ndarray:
    """A numeric Arrow array without nulls as a numpy view of its buffer (its to_numpy() imports pandas)."""
    dtype = np.dtype(array.type.to_pandas_dtype())
    return np.frombuffer(array.buffers()[1], dtype=dtype)[array.offset : array.offset + len(array)]


def numbers_and_validity(column: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """A fixed-width numeric or temporal column as (int64 or its own numbers, True where not null),
    from its buffers: the values under nulls are whatever the buffer holds."""
    array = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    if pa.types.is_timestamp(array.type):
        array = array.view(pa.int64())
    values = to_numpy(array) if len(array) else np.zeros(0, dtype=array.type.to_pandas_dtype())
    bitmap = array.buffers()[0]
    if bitmap is None or not array.null_count:
        return values, np.ones(len(array), dtype=bool)
    bits = np.unpackbits(np.frombuffer(bitmap, dtype=np.uint8), bitorder="little")
    return values, bits[array.offset : array.offset + len(array)].astype(bool)


def column_values(column: pa.ChunkedArray) -> list:
    """A column as Python values. Timestamps go through int64: pyarrow's own conversion of them
    imports pandas (~1 s). Viewed as int64, not cast: a cast imports pyarrow.compute (~45 ms of a
    worker's first shard, measured)."""
    if pa.types.is_timestamp(column.type) and column.type.unit == "us":
        micros = [v for chunk in column.chunks for v in chunk.view(pa.int64()).to_pylist()]
        return [None if v is None else _EPOCH + v * _MICROSECOND for v in micros]
    return column.to_pylist()


def list_column_matrix(column: pa.ChunkedArray, width: int, dtype: type = np.uint64) -> np.ndarray:
    """A list column whose lists all have `width` numbers, as an (n, width) numpy matrix (no pandas)."""
    if not len(column):  # (combining no chunks would import pandas)
        return np.zeros((0, width), dtype=dtype)
    lists = column.combine_chunks()
    # The child values from the offsets: flatten() would import pyarrow.compute.
    first, last = to_numpy(lists.offsets)[[0, -1]].tolist()
    values = lists.values
    data = np.frombuffer(values.buffers()[1], dtype=dtype)[values.offset + first : values.offset + last]
    return data.reshape(-1, width)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def write_partition(out: str, dataset: str, date: dt.date, table: pa.Table, name: str = PART) -> str:
    """Atomically write (or replace) one file of one date partition on its own; returns its path.

    A run publishes its datasets together through `pipeline.commit.Transaction` instead.
    """
    staged = StagedFile(out, dataset, date, name, uuid.uuid4().hex, table.schema)
    with staged:
        staged.write(table)
    publish_file(staged.fs, staged.tmp, staged.final)
    return staged.final


# Columns whose values are (nearly) all distinct: ids, hashes, keys, texts. Dictionary encoding
# finds nothing to share in them; trying it cost the dedup index's writes 3x their time (and 25 %
# of its size), the articles' 7 % (measured on Reuters). They are written plain.
_DISTINCT = {
    "articles": (
        "article_id",
        "title",
        "lead",
        "body",
        "content_hash",
        "raw_sha256",
        "raw_uri",
        "raw_path",
        "exact_key",
    ),
    "dedup_index": ("article_id", "exact_key", "band_keys"),
}


class StagedFile:
    """One file of a date partition, written table by table under a hidden temporary name in its final folder.

    Used as a context manager: on a clean exit the file is flushed to disk (then `publish_file`
    renames it into place); on any error it is removed and the error re-raised. A killed writer
    leaves at worst a hidden `.tmp` file that readers skip and the next run of the date removes.
    Each `write` of more than `rows_per_group` rows is split into row groups of that many rows.

    Row groups are encoded and compressed on a thread of the file's own, one at a time and in
    order (pyarrow releases the GIL there), while the caller prepares the next: publishing spends
    ~40 % of its time writing, with the second core otherwise idle. At most `_IN_FLIGHT` tables
    wait, so memory stays at a few row groups.
    """

    _IN_FLIGHT = 2

    def __init__(self, out: str, dataset: str, date: dt.date, name: str, tag: str, schema: pa.Schema | None = None):
        self.fs, _ = url_to_fs(out)
        folder = partition_dir(out, dataset, date)
        self.fs.makedirs(folder, exist_ok=True)
        self.final = posixpath.join(folder, name)
        self.tmp = posixpath.join(folder, f".{name}.{tag}{TMP_SUFFIX}")
        self.dataset = dataset
        self.schema = schema or DATASETS[dataset]
        self._fh = None
        self._writer = None
        self._thread: ThreadPoolExecutor | None = None
        self._pending: list[Future] = []

    def __enter__(self) -> StagedFile:
        self._fh = self.fs.open(self.tmp, "wb")
        plain = _DISTINCT.get(self.dataset, ())
        dictionary = [name for name in self.schema.names if name not in plain] if plain else True
        self._writer = pq.ParquetWriter(self._fh, self.schema, compression="zstd", use_dictionary=dictionary)
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsetl-write")
        return self

    def write(self, table: pa.Table) -> None:
        while len(self._pending) >= self._IN_FLIGHT:
            self._pending.pop(0).result()  # re-raises a failed write (a full disk) here
        self._pending.append(self._thread.submit(self._writer.write_table, table))

    def _drain(self) -> None:
        """Wait for the queued row groups; the first failure is raised once all have ended."""
        pending, self._pending = self._pending, []
        self._thread.shutdown(wait=True)
        for future in pending:
            future.result()

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            try:
                self._drain()
            except BaseException as error:
                self.__exit__(type(error), error, error.__traceback__)
                raise
            self._writer.close()
            if isinstance(self.fs, LocalFileSystem):
                self._fh.flush()
                os.fsync(self._fh.fileno())
            self._fh.close()
            return
        for close in (self._drain, self._writer.close, self._fh.close):
            try:
                close()
            except Exception:  # already failing (a full disk): the file is removed below anyway
                pass
        if self.fs.exists(self.tmp):
            self.fs.rm(self.tmp)


class RowGroups:
    """Buffers tables and writes them in row groups of exactly `rows` rows (the last one: the rest).

    The row groups of a published file then depend only on its rows, not on how the rows arrived
    (one shard or many), so the files stay the same byte for byte whatever the shard count. Each
    row group is written as one chunk per column: the Parquet writer decides where a dictionary
    falls back to plain encoding chunk by chunk, so chunks cut where the shards ended changed the
    bytes (not the values) of large files.
    """

    def __init__(self, sink: StagedFile | pq.ParquetWriter, rows: int):
        self.sink, self.rows = sink, rows
        self._pending: list[pa.Table] = []
        self._count = 0

    def write(self, table: pa.Table) -> None:
        if not table.num_rows:
            return
        self._pending.append(table)
        self._count += table.num_rows
        if self._count >= self.rows:
            merged = pa.concat_tables(self._pending)
            full = self._count - self._count % self.rows
            for start in range(0, full, self.rows):
                self.sink.write(merged.slice(start, self.rows).combine_chunks())
            rest = merged.slice(full)
            self._pending, self._count = ([rest] if rest.num_rows else []), rest.num_rows

    def flush(self) -> None:
        if self._count:
            self.sink.write(pa.concat_tables(self._pending).combine_chunks())
        self._pending, self._count = [], 0


def publish_file(fs, tmp: str, final: str) -> None:
    """Rename a staged file over its final name (atomic on a local disk), durably."""
    if isinstance(fs, LocalFileSystem):
        os.replace(tmp, final)
        _fsync(posixpath.dirname(final))
    else:
        fs.mv(tmp, final)


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
            if name.startswith(".") and name.endswith(TMP_SUFFIX):
                fs.rm(path)
                removed.append(path)
    return removed


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
    return [(path, group) for path in files for group in range(pq.ParquetFile(path, filesystem=fs).num_row_groups)]


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
