"""The real `newsetl` command: runs, backfills, stats and clear errors."""

from __future__ import annotations

import datetime as dt
import shutil

from tests.conftest import SEED_ARTICLE, read_dataset, run_cli


def test_run_on_the_bundled_sample_writes_datasets_pandas_can_read(tmp_path, sample_raw):
    out = tmp_path / "out"
    proc = run_cli("run", "--raw", str(sample_raw), "--out", str(out), "--date", "2024-05-01")
    articles = read_dataset(out, "articles")
    n_txt = len(list(sample_raw.rglob("*.txt")))
    assert len(articles) + len(read_dataset(out, "duplicates")) + len(read_dataset(out, "rejects")) == n_txt
    assert (articles.date == dt.date(2024, 5, 1)).all()  # a date, not text
    assert "2024-05-01" in proc.stderr  # the summary table
    seed = articles[articles.raw_path == SEED_ARTICLE.name].iloc[0]
    assert seed.source_site == "site-34"


def test_run_defaults_to_today(tmp_path, sample_raw):
    out = tmp_path / "out"
    run_cli("run", "--raw", str(sample_raw), "--out", str(out), "--quiet")
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert (out / "articles" / f"date={today}" / "part-0.parquet").exists()


def test_backfill_processes_each_dated_folder(tmp_path):
    raw = tmp_path / "raw"
    for day, name in (
        ("2024-05-01", "wikinews/2019-04-16_notre-dame-in-paris-catches-fire.txt"),
        ("2024-05-03", SEED_ARTICLE.name),
    ):
        (raw / day).mkdir(parents=True)
        shutil.copy(SEED_ARTICLE.parent / name, raw / day / "story.txt")
    out = tmp_path / "out"
    run_cli("backfill", "--start", "2024-05-01", "--end", "2024-05-03", "--raw", str(raw / "{date}"), "--out", str(out))
    articles = read_dataset(out, "articles")
    assert sorted(articles.date.astype(str)) == ["2024-05-01", "2024-05-03"]
    assert sorted(read_dataset(out, "runs").partition_date.astype(str)) == ["2024-05-01", "2024-05-02", "2024-05-03"]


def test_stats_summarises_partitions(tmp_path, sample_raw):
    out = tmp_path / "out"
    run_cli("run", "--raw", str(sample_raw), "--out", str(out), "--date", "2024-05-01", "--quiet")
    proc = run_cli("stats", "--out", str(out))
    assert "2024-05-01" in proc.stdout and "total" in proc.stdout
    assert "en=" in proc.stdout and "de=" in proc.stdout


def test_unreadable_source_exits_2_with_a_message(tmp_path):
    proc = run_cli("run", "--raw", str(tmp_path / "missing"), "--out", str(tmp_path / "out"), check=False)
    assert proc.returncode == 2
    assert "raw source not found" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_bad_date_exits_2(tmp_path):
    proc = run_cli("run", "--date", "2024-13-01", "--out", str(tmp_path / "out"), check=False)
    assert proc.returncode == 2
    assert "not a date" in proc.stderr


def test_backfill_refuses_a_raw_location_without_a_date_placeholder(tmp_path):
    proc = run_cli(
        "backfill",
        "--start",
        "2024-05-01",
        "--end",
        "2024-05-02",
        "--raw",
        str(tmp_path),
        "--out",
        str(tmp_path / "o"),
        check=False,
    )
    assert proc.returncode == 2
    assert "{date}" in proc.stderr
