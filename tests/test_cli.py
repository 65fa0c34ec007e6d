"""The real `newsetl` command: runs, backfills, stats, defaults that keep apart, and one-line errors."""

from __future__ import annotations

import datetime as dt
import shlex
import shutil
from pathlib import Path

import pytest

from pipeline.cli import ExitStatus
from pipeline.io.lock import partition_lock
from pipeline.settings import DATED_RAW, DEFAULT_RAW, RAW_ROOT
from tests.conftest import SAMPLE_RAW, SEED_ARTICLE, read_dataset, run_cli


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


def test_run_and_backfill_defaults_never_read_each_others_files(tmp_path):
    """`run` reads the sample, `backfill` the dated folders beside it: a backfill made from a copy of the
    sample, then a run, each read the sample's inputs once, not both trees."""
    assert DEFAULT_RAW == f"{RAW_ROOT}/sample" and DATED_RAW == f"{RAW_ROOT}/{{date}}"
    root = tmp_path / "raw"
    shutil.copytree(SAMPLE_RAW, root / "sample")
    shutil.copytree(SAMPLE_RAW, root / "2024-05-01")
    out = tmp_path / "out"
    dated = ("--raw", str(root / "{date}"), "--out", str(out), "-q")
    run_cli("backfill", "--start", "2024-05-01", "--end", "2024-05-01", *dated)
    run_cli("run", "--date", "2024-05-02", "--raw", str(root / "sample"), "--out", str(out), "-q")

    runs = read_dataset(out, "runs").set_index("partition_date")
    n_inputs = len(list(SAMPLE_RAW.rglob("*.txt")))
    assert runs.loc[dt.date(2024, 5, 1), "n_raw"] == runs.loc[dt.date(2024, 5, 2), "n_raw"] == n_inputs


def test_a_missing_day_in_an_existing_raw_root_is_an_empty_partition_with_a_warning(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    (raw / "2024-05-01").mkdir(parents=True)
    (raw / "2024-05-01" / "story.txt").write_text("Rain expected\n\nForecasters expect rain on Tuesday.\n")
    dates = ("--start", "2024-05-01", "--end", "2024-05-02")
    proc = run_cli("backfill", *dates, "--raw", str(raw / "{date}"), "--out", str(out), "-q")
    assert proc.stderr.splitlines() == [f"warning: no raw folder {raw}/2024-05-02: 2024-05-02 is an empty partition"]
    assert sorted(read_dataset(out, "runs").n_raw) == [0, 1]


@pytest.fixture
def scene(tmp_path: Path) -> Path:
    """What the error paths need: a raw folder over the reject rate, a file, a broken sources file."""
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "story.txt").write_text("Council approves budget\n\nThe city council approved the budget on Monday.\n")
    for name in ("a.txt", "b.txt"):
        (bad / name).write_bytes(b"")
    (tmp_path / "a_file").write_text("not a folder")
    (tmp_path / "broken.toml").write_text("[[source]\nname = ")
    (tmp_path / "empty").mkdir()
    return tmp_path


# Every documented error path: (arguments, with {tmp} the scene; exit status; words of the one line).
ERRORS = {
    "bad date": ("run --date 2024-13-01 --out {tmp}/o", 2, "not a date"),
    "end before start": ("backfill --start 2024-05-02 --end 2024-05-01 --out {tmp}/o", 2, "--end is before"),
    "backfill raw without {date}": ("backfill --start 2024-05-01 --end 2024-05-01 --raw {tmp}/bad", 2, "{date}"),
    "missing raw": ("run --raw {tmp}/missing --out {tmp}/o", 2, "raw source not found"),
    "missing raw root": ("backfill --start 2024-05-01 --end 2024-05-02 --raw typo/{date} --out {tmp}/o", 2,
                         "raw source not found: typo"),
    "out is a file": ("run --raw {tmp}/bad --out {tmp}/a_file", 2, "is a file"),
    "out under a file": ("backfill --start 2024-05-01 --end 2024-05-01 --out {tmp}/a_file/o", 2, "is a file"),
    "option out of range": ("run --workers 0 --out {tmp}/o", 2, "'--workers': 0 is not in the range"),
    "unknown option": ("run --colour red --out {tmp}/o", 2, "No such option: --colour"),
    "bad record fields": ("run --fields title --out {tmp}/o", 2, "is not COLUMN=FIELD"),
    "bad choice": ("query --format xml 'select 1' --out {tmp}/empty", 2, "'xml' is not one of"),
    "bad SQL": ("query 'select * from nowhere' --out {tmp}/empty", 2, "nowhere"),
    "sources without --fetch": ("run --sources {tmp}/broken.toml --out {tmp}/o", 2, "need --fetch"),
    "nothing to fetch": ("fetch --landing {tmp}/landing", 2, "nothing to fetch"),
    "broken sources file": ("fetch --sources {tmp}/broken.toml --landing {tmp}/landing", 2, "broken.toml"),
    "no runs to report": ("report --out {tmp}/empty", 2, "no runs"),
    "unknown command": ("bogus", 2, "No such command"),
    "date locked by another run": ("run --raw {tmp}/bad --out {tmp}/locked --date 2024-05-01", 3, "already processing"),
    "quality check failed": ("run --raw {tmp}/bad --out {tmp}/o --date 2024-05-01", 4, "nothing was published"),
    "check of a broken partition": ("check --date 2024-05-01 --out {tmp}/empty", 4, "quality check failed"),
    "delete of a missing partition": ("delete --date 2024-05-01 --out {tmp}/empty", 1, "no partition 2024-05-01"),
    "stats of nothing": ("stats --out {tmp}/empty", 1, "no partitions"),
}  # fmt: skip


@pytest.mark.parametrize("case", ERRORS)
def test_every_documented_error_is_one_line_and_its_exit_status(scene: Path, case: str):
    command, status, words = ERRORS[case]
    args = [arg.replace("{tmp}", str(scene)) for arg in shlex.split(command)]
    with partition_lock(str(scene / "locked"), dt.date(2024, 5, 1)):  # held by this process: a run elsewhere
        proc = run_cli(*args, check=False)
    assert proc.returncode == status, proc.stderr
    assert len(proc.stderr.splitlines()) == 1, proc.stderr
    assert proc.stderr.startswith("error: ") and words in proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr


def test_the_exit_statuses_are_documented_in_the_help():
    epilog = " ".join(run_cli("--help").stdout.split())
    for status in ExitStatus:
        assert f"{int(status)} " in epilog
    assert "4 quality check failed (kept in <out>/_quarantine, not published)" in epilog
