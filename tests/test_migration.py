"""`newsetl migrate` brings files of an older schema version to the current one, so plain readers see every column."""

from __future__ import annotations

import datetime as dt
import shutil

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.io.migration import MigrationError, align_table
from pipeline.schema import ARTICLES
from tests.conftest import run_cli

OLD_DAY = "date=2024-04-30"


@pytest.fixture
def with_older_partition(processed, tmp_path):
    """The processed output plus a partition written before the nullable `raw_modified_at` column existed."""
    out = tmp_path / "out"
    shutil.copytree(processed, out)
    current = pq.read_table(out / "articles" / "date=2024-05-01" / "part-0.parquet")
    older = current.slice(0, 3).drop_columns(["raw_modified_at"])
    older = older.replace_schema_metadata({"newsetl.dataset": "articles", "newsetl.schema_version": "0.9.0"})
    (out / "articles" / OLD_DAY).mkdir()
    pq.write_table(older, out / "articles" / OLD_DAY / "part-0.parquet")
    return out


def test_a_plain_folder_read_loses_new_columns_until_the_older_files_are_migrated(with_older_partition):
    out = with_older_partition
    assert "raw_modified_at" not in pd.read_parquet(out / "articles").columns

    result = run_cli("migrate", "--out", str(out))

    assert "articles: 1 files rewritten" in result.stderr
    frame = pd.read_parquet(out / "articles")
    assert len(frame) == 66
    assert frame["date"].dtype == pd.ArrowDtype(pa.date32())
    old = frame[frame["date"] == dt.date(2024, 4, 30)]
    assert len(old) == 3 and old["raw_modified_at"].isna().all()
    assert frame.loc[frame["date"] == dt.date(2024, 5, 1), "raw_modified_at"].notna().all()
    migrated = pq.read_schema(out / "articles" / OLD_DAY / "part-0.parquet")
    assert migrated.equals(ARTICLES) and migrated.metadata == ARTICLES.metadata


def test_migrating_twice_rewrites_nothing_the_second_time(with_older_partition):
    run_cli("migrate", "--out", str(with_older_partition))
    again = run_cli("migrate", "--out", str(with_older_partition))
    assert "articles: 0 files rewritten" in again.stderr
    assert "runs: 0 files rewritten" in again.stderr


def test_a_removed_or_required_column_is_refused_not_guessed():
    table = pa.table({"article_id": ["a"], "gone": [1]})
    with pytest.raises(MigrationError, match=r"columns removed \['gone'\].*non-nullable columns added \['lead'"):
        align_table(table, ARTICLES)
