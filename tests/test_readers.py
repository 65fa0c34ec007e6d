"""Every common Parquet reader loads the real output of real CLI runs, with the date partition as a date."""

from __future__ import annotations

import datetime as dt
import shutil

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from pipeline import read_articles, read_duplicates, read_rejects, read_runs, readers
from pipeline.schema import DATASETS

DAY1, DAY2 = dt.date(2024, 5, 1), dt.date(2024, 5, 2)
# Day one: 62 sample articles + the wire story kept, its copy dropped, an empty and a binary file
# rejected. Day two: the sample again, every input a copy of day one.
COUNTS = {
    "articles": {DAY1: 63},
    "duplicates": {DAY1: 1, DAY2: 62},
    "rejects": {DAY1: 2},
    "runs": {DAY1: 1, DAY2: 1},
    "dedup_index": {DAY1: 63},  # one row per kept article
}
DATE32 = pd.ArrowDtype(pa.date32())
WIRE_TITLE = "Storm floods Lisbon harbour"


def test_expected_counts_are_those_the_runs_dataset_records(processed):
    runs = pq.read_table(processed / "runs").to_pylist()
    recorded = {r["partition_date"]: (r["n_articles"], r["n_duplicates"], r["n_rejects"]) for r in runs}
    assert recorded == {
        day: tuple(COUNTS[name].get(day, 0) for name in ("articles", "duplicates", "rejects")) for day in (DAY1, DAY2)
    }


@pytest.mark.parametrize("name", DATASETS)
def test_pandas_read_parquet_of_a_folder_gives_the_date_as_a_date(processed, name):
    frame = pd.read_parquet(processed / name)
    assert frame["date"].dtype == DATE32
    assert frame["date"].value_counts().to_dict() == COUNTS[name]


def test_pandas_filters_on_the_date_with_iso_text_or_with_the_project_partitioning(processed):
    by_text = pd.read_parquet(processed / "duplicates", filters=[("date", ">=", "2024-05-02")])
    by_date = pd.read_parquet(
        processed / "duplicates", filters=[("date", ">=", DAY2)], partitioning=readers.PARTITIONING
    )
    for frame in (by_text, by_date):
        assert len(frame) == 62
        assert set(frame["date"]) == {DAY2}


@pytest.mark.parametrize("name", DATASETS)
def test_pyarrow_dataset_with_the_project_partitioning_types_and_filters_the_date(processed, name):
    dataset = ds.dataset(processed / name, partitioning=readers.PARTITIONING)
    assert dataset.schema.field("date").type == pa.date32()
    assert dataset.count_rows() == sum(COUNTS[name].values())
    assert dataset.count_rows(filter=ds.field("date") == DAY2) == COUNTS[name].get(DAY2, 0)


@pytest.mark.parametrize("name", DATASETS)
def test_duckdb_hive_partitioning_reads_the_date_as_a_date(processed, name):
    rows = duckdb.sql(
        f"select typeof(date), date, count(*) from read_parquet('{processed}/{name}/**/*.parquet', "
        "hive_partitioning=true) group by all order by date"
    ).fetchall()
    assert rows == [("DATE", day, n) for day, n in sorted(COUNTS[name].items())]


@pytest.mark.parametrize("name", DATASETS)
def test_polars_scan_parquet_reads_the_date_as_a_date(processed, name):
    for source in (processed / name / "**" / "*.parquet", f"{processed / name}/"):
        frame = pl.scan_parquet(source, hive_partitioning=True).group_by("date").len().sort("date").collect()
        assert frame.schema["date"] == pl.Date
        assert dict(frame.iter_rows()) == COUNTS[name]


def test_every_reader_sees_the_same_values_of_the_wire_story(processed):
    columns = ["title", "dateline", "agencies", "word_count", "duplicate_count", "date"]
    glob = f"{processed}/articles/**/*.parquet"
    pandas = pd.read_parquet(processed / "articles")
    ours = read_articles(columns=columns, out=str(processed))
    seen = {
        "pandas": pandas[pandas["title"] == WIRE_TITLE][columns].to_dict("records"),
        "pyarrow": ds.dataset(processed / "articles", partitioning=readers.PARTITIONING)
        .to_table(columns=columns, filter=ds.field("title") == WIRE_TITLE)
        .to_pylist(),
        "duckdb": [
            dict(zip(columns, row, strict=True))
            for row in duckdb.execute(
                f"select {', '.join(columns)} from read_parquet('{glob}', hive_partitioning=true) where title = ?",
                [WIRE_TITLE],
            ).fetchall()
        ],
        "polars": pl.scan_parquet(glob, hive_partitioning=True)
        .filter(pl.col("title") == WIRE_TITLE)
        .select(columns)
        .collect()
        .to_dicts(),
        "pipeline": ours[ours["title"] == WIRE_TITLE].to_dict("records"),
    }
    rows = {
        reader: [{k: (list(v) if k == "agencies" else v) for k, v in r.items()} for r in rs]
        for reader, rs in seen.items()
    }
    assert all(len(r) == 1 for r in rows.values()), rows
    story = rows["pandas"][0]
    assert {k: story[k] for k in ("title", "dateline", "agencies", "duplicate_count", "date")} == {
        "title": WIRE_TITLE,
        "dateline": "LISBON, May 1 (Reuters) -",
        "agencies": ["Reuters"],
        "duplicate_count": 1,
        "date": DAY1,
    }
    assert story["word_count"] > 30
    for reader, found in rows.items():
        assert found == [story], reader


def test_read_articles_restricts_dates_columns_and_language(processed):
    out = str(processed)
    german = read_articles(columns=["title", "language", "date"], language="de", out=out)
    assert list(german.columns) == ["title", "language", "date"]
    assert len(german) == 7
    assert set(german["language"]) == {"de"}
    assert german["date"].dtype == DATE32
    assert len(read_articles(start="2024-05-02", out=out)) == 0
    assert len(read_articles(start=DAY1, end=DAY1, out=out)) == 63


def test_the_sibling_readers_filter_by_kind_reason_and_date(processed):
    out = str(processed)
    assert len(read_duplicates(kind="exact", out=out)) == 63
    assert len(read_duplicates(start=DAY2, out=out)) == 62
    assert sorted(read_rejects(out=out)["reason"]) == ["binary", "empty"]
    assert len(read_rejects(reason="binary", out=out)) == 1
    runs = read_runs(out=out)
    assert list(runs["date"]) == [DAY1, DAY2]
    assert runs["reject_reasons"].iloc[0] == {"binary": 1, "empty": 1}
    assert set(runs["stage_seconds"].iloc[0]) >= {"list", "process", "dedup", "write"}


def test_a_dataset_nothing_was_published_to_reads_as_an_empty_typed_frame(tmp_path):
    frame = read_rejects(out=str(tmp_path))
    assert len(frame) == 0
    assert list(frame.columns) == readers.dataset_schema("rejects").names
    assert frame["date"].dtype == DATE32


def test_a_partition_of_an_older_schema_loads_together_with_the_current_one(processed, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(processed, out)
    # Written by an older schema version: before the nullable `raw_modified_at` column existed.
    current = pq.read_table(out / "articles" / "date=2024-05-01" / "part-0.parquet")
    older = current.slice(0, 3).drop_columns(["raw_modified_at"])
    older = older.replace_schema_metadata({"newsetl.dataset": "articles", "newsetl.schema_version": "0.9.0"})
    (out / "articles" / "date=2024-04-30").mkdir()
    pq.write_table(older, out / "articles" / "date=2024-04-30" / "part-0.parquet")
    old_day = dt.date(2024, 4, 30)
    schema = readers.dataset_schema("articles")

    frames = {
        "pipeline": read_articles(out=str(out)),
        "pandas with the schema": pd.read_parquet(out / "articles", schema=schema),
        "duckdb union_by_name": duckdb.sql(
            f"select * from read_parquet('{out}/articles/**/*.parquet', hive_partitioning=true, union_by_name=true)"
        ).df(),
        "polars with the schema": pl.scan_parquet(
            out / "articles" / "**" / "*.parquet",
            hive_partitioning=True,
            schema=pl.from_arrow(DATASETS["articles"].empty_table()).schema,
            missing_columns="insert",
        )
        .collect()
        .to_pandas(),
    }
    for reader, frame in frames.items():
        assert len(frame) == 66, reader
        dates = pd.Series([pd.Timestamp(d).date() for d in frame["date"]])
        old = frame[(dates == old_day).to_numpy()]
        assert len(old) == 3, reader
        assert old["raw_modified_at"].isna().all(), reader
        assert frame.loc[(dates == DAY1).to_numpy(), "raw_modified_at"].notna().all(), reader
