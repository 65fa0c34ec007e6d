"""Cross-date dedup through the levels decides exactly as loading every published date would.

The baseline is the load before the levels (bench.history.every_date_index: every other date's index
part read whole); both write their files side by side and must match byte for byte, through
backfills in any order, reruns, deletes, windows, merges and crashes.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from bench.history import Plan, every_date_index
from pipeline.dedup import levels, published
from pipeline.io.partitions import delete_partition, read_partition
from pipeline.run.partition import run_partition
from pipeline.settings import Settings
from tests.conftest import run_cli

DATASETS = ("articles", "duplicates", "rejects", "dedup_index")
DAYS = [dt.date(2024, 3, d) for d in range(1, 7)]
PLAN = Plan(days=6, per_day=6, dup_rate=0.0, seed=11)


def story(day: int, i: int, changes: int = 0) -> str:
    """Story i of day `day` (1-based), with `changes` body words replaced (0: an exact copy)."""
    return PLAN.copy(day * 100 + i, changes, day, i, changes) if changes else PLAN.story(day, i)


# Each date: its own stories, and copies of other dates' ones (later dates too: backfills run them first).
COPIES = {
    2: [(1, 0, 0), (1, 1, 1)],
    3: [(5, 2, 1), (2, 0, 0)],
    4: [(1, 0, 0), (3, 1, 2)],
    5: [(3, 1, 0), (1, 2, 2)],
    6: [(1, 3, 1), (5, 0, 0), (4, 1, 3)],
}


def write_raw(root: Path, day: int, extra: int = 0) -> None:
    folder = root / DAYS[day - 1].isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime(2024, 3, day, 12, tzinfo=dt.UTC).timestamp()
    texts = {f"own-{i}.txt": story(day, i) for i in range(4 + extra)}
    texts |= {f"copy-{d}-{i}-{k}.txt": story(d, i, k) for d, i, k in COPIES.get(day, [])}
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
        os.utime(folder / name, (stamp, stamp))


def snapshot(out: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(out)): p.read_bytes()
        for dataset in DATASETS
        for p in sorted((out / dataset).rglob("*.parquet"))
        if not p.name.startswith(".")
    }


def assert_levels_hold_every_part_once(out: Path) -> None:
    """After an upkeep, the live parts the levels hold are the published parts, each in one level."""
    params = Settings().minhash_params()
    state = published.Published.list(str(out), params)
    opened, whole = published.sync(state, params, skip=None)
    held = [(s.date, s.identity) for level in opened for s in level.sources if state.live(s)]
    for level in opened:
        level.close()
    assert whole == []
    assert sorted(held) == sorted((d.isoformat(), identity) for d, identity in state.parts.items())
    assert not list((out / published.LEVELS).rglob("*.tmp"))


def backfill(raw: Path, out: Path) -> None:
    """Dates out of order, a rerun with an extra story, a delete, a window, more reruns."""
    settings = Settings(raw=str(raw / "{date}"), out=str(out))
    for day in (3, 2, 1, 5, 4):
        run_partition(settings, DAYS[day - 1])
    write_raw(raw, 2, extra=2)
    run_partition(settings, DAYS[1])
    delete_partition(str(out), DAYS[0], DATASETS)
    run_partition(Settings(raw=settings.raw, out=str(out), dedup_window_days=2), DAYS[5])
    run_partition(settings, DAYS[3])
    run_partition(settings, DAYS[0])


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    for day in range(1, 7):
        write_raw(tmp_path / "raw", day)
    return tmp_path / "raw"


def test_a_messy_backfill_writes_the_files_that_loading_every_date_writes(raw, tmp_path, monkeypatch):
    # Small blocks and pairwise merges, so that the few keys here straddle blocks and levels merge.
    monkeypatch.setattr(levels, "BLOCK", 4)
    monkeypatch.setattr(published, "FANOUT", 2)
    backfill(raw, tmp_path / "levels")
    with monkeypatch.context() as patch:
        patch.setattr(published, "load_index", every_date_index)
        backfill(raw, tmp_path / "every-date")
    assert snapshot(tmp_path / "levels") == snapshot(tmp_path / "every-date")
    kinds = pq.read_table(tmp_path / "levels" / "duplicates").column("kind").to_pylist()
    assert len(kinds) >= 10 and set(kinds) == {"exact", "near"}  # every one against another date
    assert_levels_hold_every_part_once(tmp_path / "levels")


def test_a_rerun_replaces_its_date_in_the_levels_at_once(raw, tmp_path):
    out = tmp_path / "out"
    settings = Settings(raw=str(raw / "{date}"), out=str(out))
    for day in (1, 2, 3, 4):
        run_partition(settings, DAYS[day - 1])
    copy = "copy-1-0-0.txt"  # day 4's exact copy of day 1's first story
    assert copy in dropped(out, DAYS[3])
    # Day 1 rerun without that story: rerun, day 4 keeps its copy, though the levels held the story.
    (raw / DAYS[0].isoformat() / "own-0.txt").unlink()
    run_partition(settings, DAYS[0])
    run_partition(settings, DAYS[3])
    assert copy not in dropped(out, DAYS[3])
    assert_levels_hold_every_part_once(out)


def dropped(out: Path, date: dt.date) -> set[str]:
    return set(read_partition(str(out), "duplicates", date, columns=["raw_path"]).column("raw_path").to_pylist())


@pytest.mark.parametrize("point", ["levels:staged", "levels:merged"])
def test_a_run_killed_while_it_writes_levels_leaves_them_consistent(raw, tmp_path, point):
    """The fifth date's run merges the first four dates' levels (FANOUT 4); killed while it writes a
    level or before it removes a merge's inputs, its rerun writes what an uninterrupted run writes."""
    clean, crashed = tmp_path / "clean", tmp_path / "crashed"
    for out in (clean, crashed):
        for day in (1, 2, 3, 4):
            run_cli("run", "--raw", str(raw / "{date}"), "--out", str(out), "--date", DAYS[day - 1].isoformat(), "-q")
    last = ("run", "--raw", str(raw / "{date}"), "--date", DAYS[4].isoformat(), "-q")
    run_cli(*last, "--out", str(clean))
    proc = run_cli(*last, "--out", str(crashed), check=False, env={"NEWSETL_TEST_CRASH_AT": point})
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    run_cli(*last, "--out", str(crashed))
    assert snapshot(crashed) == snapshot(clean)
    assert_levels_hold_every_part_once(crashed)
    shutil.rmtree(clean)


def test_newsetl_compact_merges_what_runs_left_and_a_later_run_decides_the_same(raw, tmp_path, monkeypatch):
    """Runs that merge nothing (a budget of 0), then `newsetl compact`: the levels hold every part once,
    in fewer files, and the next run writes what it writes without the compaction."""
    monkeypatch.setattr(published, "RUN_MERGE_ENTRIES", 0)
    compacted, left = tmp_path / "compacted", tmp_path / "left"
    for out in (compacted, left):
        settings = Settings(raw=str(raw / "{date}"), out=str(out))
        for day in (1, 2, 3, 4, 5):
            run_partition(settings, DAYS[day - 1])
    # One level a date, but for the last run's own (a run skips its date): 4. Compact adds it, and
    # merges the four others into one.
    assert len(list((compacted / published.LEVELS).rglob("*.level"))) == 4
    proc = run_cli("compact", "--out", str(compacted))
    assert "dedup levels: 4 -> 2 " in proc.stderr
    assert len(list((compacted / published.LEVELS).rglob("*.level"))) == 2
    assert_levels_hold_every_part_once(compacted)
    for out in (compacted, left):
        run_partition(Settings(raw=str(raw / "{date}"), out=str(out)), DAYS[5])
    assert snapshot(compacted) == snapshot(left)
    missing = run_cli("compact", "--out", str(tmp_path / "nowhere"), check=False)
    assert missing.returncode == 2 and len(missing.stderr.strip().splitlines()) == 1, missing.stderr
