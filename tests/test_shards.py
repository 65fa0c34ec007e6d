"""Sharded runs: plan → process_shard → publish gives the same datasets whatever the split."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.dedup.minhash import MinHashParams
from pipeline.io import staging
from pipeline.models import Reject
from pipeline.run import plan as run_plan
from pipeline.run import publish as run_publish
from pipeline.run import shards as run_shards
from pipeline.run.partition import run_partition
from pipeline.run.plan import GUIDED_STEP, PAGE_COST, input_costs, plan_partition, split_guided, split_shards
from pipeline.run.publish import InvariantError, publish_partition
from pipeline.run.shards import process_shard
from pipeline.run.transform import process_doc
from pipeline.settings import Settings
from tests.conftest import assert_same_partitions, build_dated_raw, run_cli

DAY = dt.date(2024, 5, 1)


@pytest.fixture
def messy_raw(sample_raw: Path) -> Path:
    """The sample plus a copy of an article (a duplicate) and two unusable inputs (rejects)."""
    first = sorted((sample_raw / "wikinews").glob("*.txt"))[0]
    shutil.copyfile(first, sample_raw / "zz_copy_of_first.txt")
    (sample_raw / "empty.txt").write_bytes(b"")
    (sample_raw / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    return sample_raw


def test_split_shards_are_contiguous_near_equal_and_always_as_many_as_asked():
    assert split_shards(5, 3) == [(0, 1), (1, 3), (3, 5)]
    assert split_shards(4, 1) == [(0, 4)]
    assert split_shards(0, 2) == [(0, 0), (0, 0)]  # an empty day still maps to tasks, so publish runs


def test_guided_shards_cover_the_input_in_order_and_shrink_toward_the_end():
    bounds = split_guided(21_578, 2)
    assert bounds[0][0] == 0 and bounds[-1][1] == 21_578
    assert all(before[1] == after[0] for before, after in itertools.pairwise(bounds))
    sizes = [stop - start for start, stop in bounds]
    assert sizes == sorted(sizes, reverse=True) and sizes[0] >= 8 * sizes[-2]
    assert all(size % GUIDED_STEP == 0 for size in sizes[:-1])
    assert split_guided(100, 1) == [(0, 100)]  # one worker: one shard
    assert split_guided(0, 2) == [(0, 0)]  # an empty day: one empty shard, so publish runs


def test_datasets_are_byte_identical_whatever_the_shard_or_worker_count(messy_raw: Path, tmp_path: Path):
    layouts = {"one": ("1", "0"), "seven_shards": ("1", "7"), "two_workers": ("2", "3")}
    for name, (workers, shards) in layouts.items():
        run_cli(
            "run", "--date", DAY.isoformat(), "--raw", str(messy_raw), "--out", str(tmp_path / name),
            "--workers", workers, "--shards", shards, "-q",
        )  # fmt: skip
    for name in layouts:
        assert_same_partitions(tmp_path / "one", tmp_path / name, [DAY.isoformat()])
    duplicates = pd.read_parquet(tmp_path / "seven_shards" / "duplicates")
    rejects = pd.read_parquet(tmp_path / "seven_shards" / "rejects")
    assert list(duplicates["raw_path"]) == ["zz_copy_of_first.txt"]
    assert sorted(rejects["reason"]) == ["binary", "empty"]


def test_published_row_groups_do_not_depend_on_where_the_shards_and_chunks_end(
    messy_raw: Path, tmp_path: Path, monkeypatch
):
    """A run streams its rows (chunks of a shard, row groups of the staged files, of the published
    ones): with tiny sizes, so that they cut everywhere, the files are still the same byte for byte."""
    monkeypatch.setattr(run_shards, "SHARD_CHUNK", 2)
    monkeypatch.setattr(staging, "STAGED_ROWS", 3)
    monkeypatch.setattr(run_publish, "ROW_GROUP", 5)
    monkeypatch.setattr(run_plan, "GUIDED_STEP", 1)  # guided shards of a few inputs each (the workers fork with it)
    layouts = {"s1": {"shards": 1}, "s7": {"shards": 7}, "guided": {"workers": 2}}
    for name, layout in layouts.items():
        run_partition(Settings(raw=str(messy_raw), out=str(tmp_path / name), **layout), DAY)
    assert_same_partitions(tmp_path / "s1", tmp_path / "s7", [DAY.isoformat()])
    assert_same_partitions(tmp_path / "s1", tmp_path / "guided", [DAY.isoformat()])
    runs = pd.read_parquet(tmp_path / "guided" / "runs")
    assert len(split_guided(int(runs["n_raw"].iloc[0]), 2)) > 2
    articles = pq.ParquetFile(tmp_path / "s7" / "articles" / f"date={DAY.isoformat()}" / "part-0.parquet")
    sizes = [articles.metadata.row_group(g).num_rows for g in range(articles.num_row_groups)]
    assert sizes[:-1] == [5] * (len(sizes) - 1) and 0 < sizes[-1] <= 5 and len(sizes) > 2


def test_shards_finishing_in_any_order_publish_the_same_partition(messy_raw: Path, tmp_path: Path):
    settings = Settings(raw=str(messy_raw), out=str(tmp_path / "steps"))
    plan = plan_partition(settings, DAY, shards=4, run_key="manual__2024-05-01T00:00:00+00:00")
    results = [process_shard(settings, shard) for shard in reversed(plan.shards)]
    summary = publish_partition(settings, results, trigger="test")

    run_cli("run", "--date", DAY.isoformat(), "--raw", str(messy_raw), "--out", str(tmp_path / "cli"), "-q")
    assert_same_partitions(tmp_path / "cli", tmp_path / "steps", [DAY.isoformat()])
    assert (
        summary.n_raw == summary.n_articles + summary.n_duplicates + summary.n_rejects == sum(r.n_docs for r in results)
    )


def test_publish_refuses_a_run_with_a_missing_shard_and_publishes_nothing(messy_raw: Path, tmp_path: Path):
    settings = Settings(raw=str(messy_raw), out=str(tmp_path / "out"))
    plan = plan_partition(settings, DAY, shards=3)
    results = [process_shard(settings, shard) for shard in plan.shards[:2]]

    with pytest.raises(InvariantError, match="expected shards 0..2"):
        publish_partition(settings, results)
    assert not (tmp_path / "out" / "articles").exists()


def test_a_retried_shard_replaces_its_staged_outcomes_and_publish_removes_the_staging_area(
    messy_raw: Path, tmp_path: Path
):
    settings = Settings(raw=str(messy_raw), out=str(tmp_path / "out"))
    plan = plan_partition(settings, DAY, shards=2, run_key="scheduled__2024-05-02T00:00:00+00:00")
    assert Path(plan.staging).parent == tmp_path / "out" / "_staging" / DAY.isoformat()
    first = process_shard(settings, plan.shards[0])
    retried = process_shard(settings, plan.shards[0])
    summary = publish_partition(settings, [retried, process_shard(settings, plan.shards[1])])

    assert first.n_articles == retried.n_articles
    assert summary.n_raw == len(list(messy_raw.rglob("*.txt")))
    assert not (tmp_path / "out" / "_staging").exists()
    assert len(pd.read_parquet(tmp_path / "out" / "articles")) == summary.n_articles


def test_backfill_keeps_the_first_published_copy_and_points_later_dates_at_it(tmp_path: Path):
    raw = build_dated_raw(tmp_path / "raw")
    out = tmp_path / "out"
    run_cli(
        "backfill", "--start", "2024-05-01", "--end", "2024-05-03", "--raw", f"{raw}/{{date}}", "--out", str(out), "-q"
    )

    duplicates = pd.read_parquet(out / "duplicates").sort_values("raw_path")
    assert list(duplicates["raw_path"]) == ["zz_resent_copy.txt", "zz_same_day_copy.txt"]
    assert [d.isoformat() for d in duplicates["kept_date"]] == ["2024-05-01", "2024-05-03"]
    assert list(pd.read_parquet(out / "rejects")["reason"]) == ["empty"]


def test_the_staged_plan_keeps_what_listing_refused(tmp_path):
    """A FIFO refused at listing must stay refused in the shard that reads the plan back: opening it would hang."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "story.txt").write_text("Title\n\nA story with enough words to be an article.\n")
    os.mkfifo(raw / "pipe.txt")
    (raw / "caf\udce9.txt".encode("utf-8", "surrogateescape").decode("utf-8", "surrogateescape")).write_text("x")
    settings = Settings(raw=str(raw), out=str(tmp_path / "out"))
    plan = plan_partition(settings, dt.date(2024, 5, 1), shards=1)
    docs = staging.read_docs(plan.staging, 0, plan.n_raw)
    refused = {d.rel_path: d.refused for d in docs}
    assert refused["pipe.txt"] is not None and refused["pipe.txt"][0] == "not_a_file"
    assert refused["story.txt"] is None
    assert any(r and r[0] == "bad_name" for r in refused.values())


def test_a_shard_reads_its_files_as_they_are_when_it_runs_not_as_the_plan_listed_them(tmp_path):
    """The plan lists local files by name only; the worker stats each one it reads. A file that grew,
    was touched or vanished after the plan is read whole, with its mtime then, or rejected: never cut."""
    raw = tmp_path / "raw"
    raw.mkdir()
    story = "Title\n\nA story with enough words to be an article, and then some more words.\n"
    for name in ("grew.txt", "gone.txt", "same.txt"):
        (raw / name).write_text(story)
    settings = Settings(raw=str(raw), out=str(tmp_path / "out"))
    plan = plan_partition(settings, DAY, shards=1)
    (raw / "grew.txt").write_text(story + "\nA paragraph added after the plan was made.\n")
    os.utime(raw / "grew.txt", (1_700_000_000.25, 1_700_000_000.25))
    (raw / "gone.txt").unlink()

    docs = {d.rel_path: d for d in staging.read_docs(plan.staging, 0, plan.n_raw)}
    assert {d.size for d in docs.values()} == {None}  # listed by name: stat-ed as they are read
    outcomes = {o.raw_path: o for o in (process_doc(d, settings) for d in docs.values())}
    assert outcomes["grew.txt"].body.endswith("A paragraph added after the plan was made.")
    assert outcomes["grew.txt"].raw_size == (raw / "grew.txt").stat().st_size
    assert outcomes["grew.txt"].raw_modified_at == dt.datetime.fromtimestamp(1_700_000_000.25, tz=dt.UTC)
    assert outcomes["same.txt"].raw_size == len(story)
    assert outcomes["same.txt"].raw_modified_at == dt.datetime.fromtimestamp(
        (raw / "same.txt").stat().st_mtime, tz=dt.UTC
    )
    assert isinstance(outcomes["gone.txt"], Reject) and outcomes["gone.txt"].reason == "unreadable"
    assert outcomes["gone.txt"].raw_size == 0


def test_a_staging_folder_is_made_even_when_another_date_prunes_the_shared_parent_meanwhile(tmp_path, monkeypatch):
    """Two dates run at once: one run's cleanup may remove the then-empty `_staging` while the other
    run is between creating `_staging` and `_staging/<date>`; the second run must not fail."""
    folder = staging.staging_dir(str(tmp_path / "out"), DAY, "run-a")
    real_makedirs = os.makedirs
    pruned = []

    def makedirs_racing_a_cleanup(path, *args, **kwargs):
        if not pruned:  # the first attempt loses the race: its parent vanished under it
            pruned.append(path)
            raise FileNotFoundError(2, "No such file or directory", path)
        return real_makedirs(path, *args, **kwargs)

    monkeypatch.setattr(os, "makedirs", makedirs_racing_a_cleanup)
    staging.reset_dir(folder)
    assert pruned and Path(folder).is_dir() and not any(Path(folder).iterdir())


def test_staged_row_groups_hold_staged_rows_whatever_the_chunks(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(staging, "STAGED_ROWS", 3)
    rejects = [
        Reject(
            doc_id=f"id{i}",
            raw_uri=f"/raw/{i}.txt",
            raw_path=f"{i}.txt",
            raw_sha256=None,
            raw_size=i,
            reason="empty",
            detail="the file is empty",
            stage="read",
        )
        for i in range(7)
    ]
    with staging.ShardWriter(str(tmp_path), 0, MinHashParams()) as writer:
        for start in range(0, 7, 2):
            writer.write([], rejects[start : start + 2])
    staged = pa.ipc.open_file(pa.memory_map(str(tmp_path / "shard-0.rejects.arrow")))
    assert [staged.get_batch(g).num_rows for g in range(staged.num_record_batches)] == [3, 3, 1]
    assert staged.read_all().column("raw_path").to_pylist() == [f"{i}.txt" for i in range(7)]


def test_guided_shards_weigh_web_pages_so_that_a_few_hundred_use_every_worker():
    names = [f"page-{i:03d}.html" for i in range(258)]
    bounds = split_guided(len(names), 2, input_costs(names))
    assert len(bounds) > 2 and bounds[0][1] < len(names) / 2  # by count alone: one slice of 256 and one of 2
    assert bounds[0][0] == 0 and bounds[-1][1] == len(names)
    assert all(before[1] == after[0] for before, after in itertools.pairwise(bounds))
    assert list(input_costs(["a.txt", "b.HTM", "c.xhtml", "d.json"])) == [1, PAGE_COST, PAGE_COST, 1]
    records = ["cc.warc.gz#offset=0", "cc.warc#offset=9", "news.jsonl#line=3", "cc.warc.gz"]
    assert list(input_costs(records)) == [PAGE_COST, PAGE_COST, 1, 1]  # a web archive's records are pages
    texts = [f"{i:05d}.txt" for i in range(21_578)]
    assert split_guided(len(texts), 2, input_costs(texts)) == split_guided(len(texts), 2)  # texts: as by count
