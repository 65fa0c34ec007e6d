"""Arrow tables built from Python rows: the same as pyarrow's own conversion, without importing pandas."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.io import arrow
from pipeline.io.arrow import (
    MAX_SLICED_PIECES,
    column_values,
    columns_to_table,
    list_column_matrix,
    numbers_and_validity,
    rows_of,
)
from pipeline.io.parquet import RowGroups
from pipeline.schema import DATASETS
from tests.conftest import PROJECT

WHEN = dt.datetime(2024, 3, 1, 12, 30, 15, 123456, tzinfo=dt.UTC)
VALUES = {
    pa.string(): ["plain", None, "Grüße, 東京 — “quoted”", ""],
    pa.list_(pa.string()): [["a", "Ä"], [], ["x"], []],
    pa.int32(): [1, -2, 3, 2**31 - 1],
    pa.int64(): [2**40, None, 0, -1],
    pa.float32(): [0.5, None, 1.25, 0.0],
    pa.float64(): [0.1, 2.5, None, -3.0],
    pa.uint64(): [0, 2**64 - 1, 7, 8],
    pa.timestamp("us", tz="UTC"): [WHEN, None, dt.datetime(1969, 12, 31, tzinfo=dt.UTC), WHEN],
    pa.date32(): [dt.date(2024, 3, 1), dt.date(1970, 1, 1), None, dt.date(1987, 2, 26)],
    pa.list_(pa.uint64()): [[1, 2**63], [], [3], [4]],
    pa.map_(pa.string(), pa.int64()): [[("no_body", 3)], [], [("a", 1), ("b", 2)], []],
    pa.map_(pa.string(), pa.float64()): [[("list", 0.25)], [("x", 1.0)], [], []],
    pa.list_(pa.int16()): [[1987, 2024], [], [1800], []],
    pa.list_(pa.struct([pa.field("text", pa.string(), nullable=False), pa.field("speaker", pa.string())])): [
        [("We will rebuild it", "The mayor")],
        [],
        [("Safety first", None), ("Not yet", "A spokesman")],
        [],
    ],
}


@pytest.mark.parametrize("type_", list(VALUES), ids=str)
def test_columns_become_the_same_arrow_table_pyarrow_would_build(type_):
    schema = pa.schema([pa.field("c", type_)])
    built = columns_to_table({"c": VALUES[type_]}, schema)
    built.validate(full=True)
    assert built.equals(pa.table({"c": VALUES[type_]}, schema=schema))


def test_every_dataset_schema_is_supported_for_empty_partitions():
    for schema in DATASETS.values():
        table = columns_to_table({name: [] for name in schema.names}, schema)
        assert table.num_rows == 0 and table.schema.equals(schema)


def test_a_run_never_imports_pandas_nor_pyarrow_compute(tmp_path):
    # The second date reads the first one's dedup index and articles back, and the quality check reads
    # the partition. (Importing pandas costs ~1 s, pyarrow.compute ~45 ms of a run's serial time.)
    script = (
        "import sys, datetime as dt\n"
        "from pipeline.checks import quality\n"
        "from pipeline.run.partition import run_partition\n"
        "from pipeline.settings import Settings\n"
        f"run_partition(Settings(out={str(tmp_path)!r}), dt.date(2024, 3, 1))\n"
        f"run_partition(Settings(out={str(tmp_path)!r}), dt.date(2024, 3, 2))\n"
        f"assert quality.check_partition({str(tmp_path)!r}, dt.date(2024, 3, 2), 0.5).ok\n"
        "assert 'pandas' not in sys.modules, 'pandas was imported'\n"
        "assert 'pyarrow.compute' not in sys.modules, 'pyarrow.compute was imported'\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, cwd=PROJECT, timeout=300)


def test_timestamps_and_number_lists_read_back_as_written():
    ts_type, keys_type = pa.timestamp("us", tz="UTC"), pa.list_(pa.uint64())
    schema = pa.schema([pa.field("when", ts_type), pa.field("keys", keys_type)])
    table = columns_to_table({"when": VALUES[ts_type], "keys": [[1, 2], [3, 4], [5, 2**64 - 1], [7, 8]]}, schema)
    assert column_values(table.column("when")) == VALUES[ts_type]
    sliced = table.slice(1, 2)  # an offset into the buffers, as a multi-file read can leave
    assert list_column_matrix(sliced.column("keys"), 2).tolist() == [[3, 4], [5, 2**64 - 1]]


@pytest.mark.parametrize("type_", list(VALUES), ids=str)
def test_a_column_of_only_nulls_becomes_what_pyarrow_would_build(type_):
    schema = pa.schema([pa.field("c", type_)])
    built = columns_to_table({"c": [None, None, None]}, schema)
    built.validate(full=True)
    assert built.equals(pa.table({"c": [None, None, None]}, schema=schema))


def test_strings_of_every_script_and_nulls_past_a_byte_of_the_validity_bitmap_read_back_as_written():
    texts = ["a", None, "", "e\u0301", "\u00a0nbsp\t", "line\r\n", "𝔘𝔫𝔦", "😀", None, "ſ", "中文", None, "x" * 70_000]
    schema = pa.schema([pa.field("c", pa.string())])
    built = columns_to_table({"c": texts}, schema)
    built.validate(full=True)
    assert built.equals(pa.table({"c": texts}, schema=schema))
    assert built.column("c").to_pylist() == texts


def test_a_string_column_refuses_what_is_not_text_as_python_does():
    schema = pa.schema([pa.field("c", pa.string())])
    with pytest.raises(TypeError):
        columns_to_table({"c": ["a", 1]}, schema)
    with pytest.raises(UnicodeEncodeError):  # a lone surrogate has no UTF-8
        columns_to_table({"c": ["a", "\ud800"]}, schema)


def test_a_missing_list_in_a_list_column_is_an_empty_list():
    schema = pa.schema([pa.field("c", pa.list_(pa.string()))])
    built = columns_to_table({"c": [["a"], None, ("b", "c"), [], None]}, schema)
    built.validate(full=True)
    assert built.column("c").to_pylist() == [["a"], [], ["b", "c"], [], []]


def test_row_groups_are_the_same_bytes_however_the_rows_arrived_in_pieces(tmp_path):
    """The published file must not depend on where the shards ended. The Parquet writer decides,
    chunk by chunk, when a column's dictionary is full and it falls back to plain encoding; with a
    small dictionary limit a few hundred rows show what a large run shows at 1 MB."""
    import random

    import pyarrow.parquet as pq

    rng = random.Random(7)
    words = [f"word{i}" for i in range(400)]
    table = pa.table({"text": [" ".join(rng.choices(words, k=rng.randrange(1, 6))) for _ in range(900)]})

    def write(pieces: list[int], name: str) -> bytes:
        path = tmp_path / name
        with pq.ParquetWriter(path, table.schema, compression="zstd", dictionary_pagesize_limit=512) as writer:
            groups, start = RowGroups(writer, 256), 0
            for size in pieces:
                groups.write(table.slice(start, size))
                start += size
            groups.flush()
        return path.read_bytes()

    one_piece = write([900], "one.parquet")
    assert write([100, 333, 7, 300, 160], "five.parquet") == one_piece
    assert write([1] * 900, "many.parquet") == one_piece
    assert pq.read_table(tmp_path / "many.parquet").equals(table)


def test_columns_of_distinct_values_are_written_plain_the_others_with_a_dictionary(sample_raw, tmp_path):
    """Ids, hashes, keys and texts have nothing to share: no dictionary page is tried for them."""
    import pyarrow.parquet as pq

    from tests.conftest import run_cli

    out = tmp_path / "out"
    run_cli("run", "--date", "2024-05-01", "--raw", str(sample_raw), "--out", str(out), "-q")

    def encodings(dataset: str) -> dict[str, tuple]:
        [path] = (out / dataset).glob("date=2024-05-01/*.parquet")
        group = pq.ParquetFile(path).metadata.row_group(0)
        return {group.column(i).path_in_schema: group.column(i).encodings for i in range(group.num_columns)}

    articles, index = encodings("articles"), encodings("dedup_index")
    for encoded in (articles["body"], articles["article_id"], index["band_keys.list.element"], index["exact_key"]):
        assert "RLE_DICTIONARY" not in encoded
    assert "RLE_DICTIONARY" in articles["language"] and "RLE_DICTIONARY" in articles["dateline_place"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.booleans(), min_size=1, max_size=60), st.sampled_from([0, 8, MAX_SLICED_PIECES]))
def test_rows_of_a_table_are_what_take_gives(keep, max_pieces):
    """Sliced (few runs) or copied (many): the same rows."""
    import numpy as np

    table = pa.table({"n": list(range(len(keep))), "s": [f"row {i}" if i % 3 else None for i in range(len(keep))]})
    rows = np.flatnonzero(keep)
    original, arrow.MAX_SLICED_PIECES = arrow.MAX_SLICED_PIECES, max_pieces
    try:
        assert rows_of(table, rows).equals(table.take(pa.array(rows, type=pa.int64())))
    finally:
        arrow.MAX_SLICED_PIECES = original


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(-(2**62), 2**62)), max_size=40), st.integers(0, 3))
def test_numbers_and_validity_read_the_buffers_as_pyarrow_reads_the_values(values, cut):
    column = pa.chunked_array([pa.array(values[:cut], pa.int64()), pa.array(values[cut:], pa.int64())])
    for sliced in (column, column.slice(min(cut, len(values)))):
        numbers, valid = numbers_and_validity(sliced)
        expected = sliced.to_pylist()
        assert valid.tolist() == [v is not None for v in expected]
        assert numbers[valid].tolist() == [v for v in expected if v is not None]
    numbers, valid = numbers_and_validity(column.cast(pa.timestamp("us", tz="UTC")))
    assert numbers[valid].tolist() == [v for v in column.to_pylist() if v is not None]
