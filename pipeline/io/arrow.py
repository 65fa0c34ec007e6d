"""Arrow helpers: Python columns to typed tables, zero-copy row selection, numpy views of columns."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa

from pipeline.kernels.arrow_buffers import list_buffers, string_buffers


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
