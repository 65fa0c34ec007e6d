"""Crashes and full disks: a run is published whole or not at all, and a rerun converges.

Each crash test kills the real CLI with SIGKILL at a named point (NEWSETL_TEST_CRASH_AT, see
pipeline/faults.py), checks what readers see right after, then reruns and compares the datasets
byte for byte with an uninterrupted run.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import os
import random
import shutil
import signal
import subprocess
import time
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from pipeline.io import commit, staging
from pipeline.run.partition import run_partition
from pipeline.settings import Settings
from tests.conftest import run_cli

DATE = "2024-05-01"
DATASETS = ("articles", "duplicates", "rejects", "dedup_index")


def _story(topic: str, day: str) -> str:
    return (
        f"{topic.capitalize()} report for {day}\n\n"
        f"The {topic} committee met on {day} and agreed a new plan for the coming year, its chair said.\n\n"
        f"Members voted to publish the {topic} figures every month instead of every quarter.\n"
    )


def write_raw(folder: Path, version: int) -> Path:
    """Version 1 and 2 of one day's raw folder: v2 edits, adds and removes inputs (and rejects differ)."""
    folder.mkdir(parents=True)
    topics = (
        ["harbour", "school", "library", "rail"] if version == 1 else ["harbour", "school", "museum", "bus", "tram"]
    )
    for topic in topics:
        (folder / f"{topic}.txt").write_text(_story(topic, "Monday" if version == 1 else "Tuesday"))
    (folder / "copy-of-harbour.txt").write_text(_story("harbour", "Monday" if version == 1 else "Tuesday"))
    (folder / ("empty.txt" if version == 1 else "blank.txt")).write_text("")
    return folder


def snapshot(out: Path) -> dict[str, str]:
    """Every file a reader of articles/duplicates/rejects can see, with the hash of its bytes."""
    files = {}
    for dataset in DATASETS:
        for path in sorted((out / dataset).rglob("*")):
            if path.is_file() and not path.name.startswith((".", "_")):
                files[str(path.relative_to(out))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return files


def leftovers(out: Path) -> list[str]:
    """Temporary files and unfinished journals anywhere under out."""
    return sorted(
        str(p.relative_to(out)) for p in out.rglob("*") if p.name.endswith(".tmp") or p.parent.name == "_journal"
    )


def run_count(out: Path) -> int:
    return len(list((out / "runs").rglob("run-*.parquet")))


def assert_readers_read(out: Path) -> None:
    """pandas, pyarrow and DuckDB all load every dataset as it stands."""
    for dataset in (*DATASETS, "runs"):
        n = len(pd.read_parquet(out / dataset))
        assert ds.dataset(out / dataset, partitioning="hive").count_rows() == n
        glob = f"{out / dataset}/**/*.parquet"
        assert duckdb.sql(f"select count(*) from read_parquet('{glob}', hive_partitioning=true)").fetchall()[0][0] == n


@pytest.fixture(scope="module")
def states(tmp_path_factory):
    """The datasets before the run under test (v1 published) and after it uninterrupted (v2)."""
    base = tmp_path_factory.mktemp("states")
    raw1, raw2 = write_raw(base / "raw1", 1), write_raw(base / "raw2", 2)
    before = base / "before"
    run_cli("run", "--raw", str(raw1), "--out", str(before), "--date", DATE, "-q")
    after = base / "after"
    shutil.copytree(before, after)
    run_cli("run", "--raw", str(raw2), "--out", str(after), "--date", DATE, "-q")
    assert snapshot(before) != snapshot(after)
    return {"raw2": raw2, "before": before, "after": after}


def _crashed_run(states, tmp_path: Path, point: str) -> Path:
    out = tmp_path / "out"
    shutil.copytree(states["before"], out)
    proc = run_cli(
        "run", "--raw", str(states["raw2"]), "--out", str(out), "--date", DATE, "-q",
        check=False, env={"NEWSETL_TEST_CRASH_AT": point},
    )  # fmt: skip
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    return out


BEFORE_COMMIT = ["processed", "staged:rejects", "staged:duplicates", "staged:articles", "staged", "committed"]


@pytest.mark.parametrize("point", BEFORE_COMMIT)
def test_a_run_killed_before_its_commit_point_leaves_the_datasets_exactly_as_before(states, tmp_path, point):
    out = _crashed_run(states, tmp_path, point)

    assert snapshot(out) == snapshot(states["before"])
    assert run_count(out) == run_count(states["before"])
    assert_readers_read(out)

    run_cli("run", "--raw", str(states["raw2"]), "--out", str(out), "--date", DATE, "-q")
    assert snapshot(out) == snapshot(states["after"])
    assert leftovers(out) == []


def test_a_run_killed_after_its_commit_point_is_finished_by_the_next_run_of_any_date(states, tmp_path):
    """Killed between two renames: each file is whole (old or new), the journal says what remains,
    and the next run on the same out (here another date) rolls the commit forward."""
    out = _crashed_run(states, tmp_path, "published:rejects")
    seen, before, after = snapshot(out), snapshot(states["before"]), snapshot(states["after"])
    assert all(seen[f] in (before.get(f), after.get(f)) for f in seen)
    assert commit.pending(str(out)) == [dt.date.fromisoformat(DATE)]
    assert_readers_read(out)

    other = tmp_path / "other-day"
    other.mkdir()
    (other / "ferry.txt").write_text(_story("ferry", "Wednesday"))
    run_cli("run", "--raw", str(other), "--out", str(out), "--date", "2024-05-02", "-q")

    assert {f: h for f, h in snapshot(out).items() if DATE in f} == after
    assert run_count(out) == run_count(states["after"]) + 1  # the crashed run did publish: its row is there
    assert leftovers(out) == []


@pytest.mark.parametrize("point", ["published:duplicates", "published:articles", "published:runs"])
def test_a_run_killed_while_publishing_converges_on_rerun(states, tmp_path, point):
    out = _crashed_run(states, tmp_path, point)
    assert_readers_read(out)

    run_cli("run", "--raw", str(states["raw2"]), "--out", str(out), "--date", DATE, "-q")

    assert snapshot(out) == snapshot(states["after"])
    assert leftovers(out) == []


def test_a_killed_runs_staging_folder_stays_two_days_then_the_next_publish_removes_it(states, tmp_path):
    """SIGKILL skips a run's own cleanup; a publish removes another run's staging folder only once
    nothing was written to it for STALE_AFTER (a retried task may still publish a younger one)."""
    out = _crashed_run(states, tmp_path, "processed")
    left = out / "_staging" / DATE
    (killed,) = list(left.iterdir())
    other = tmp_path / "other-day"
    other.mkdir()
    (other / "ferry.txt").write_text(_story("ferry", "Wednesday"))

    run_cli("run", "--raw", str(other), "--out", str(out), "--date", "2024-05-02", "-q")
    assert killed.is_dir(), "a staging folder written minutes ago was removed"

    old = time.time() - staging.STALE_AFTER.total_seconds() - 3600
    for path in [killed, *killed.rglob("*")]:
        os.utime(path, (old, old))
    proc = run_cli("run", "--raw", str(other), "--out", str(out), "--date", "2024-05-02", "-q")

    assert not (out / "_staging").exists()
    assert proc.stderr.count("the staging folder of a run that never published") == 1, proc.stderr


def test_a_full_disk_while_staging_fails_the_run_and_publishes_nothing(states, tmp_path, monkeypatch):
    """In-process: the Parquet writer raises ENOSPC half way through the articles file."""
    out = tmp_path / "out"
    shutil.copytree(states["before"], out)
    real_write = pq.ParquetWriter.write_table

    def write_until_full(self, table, *args, **kwargs):
        if "articles" in table.schema.metadata.get(b"newsetl.dataset", b"").decode():
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(self, table, *args, **kwargs)

    monkeypatch.setattr(pq.ParquetWriter, "write_table", write_until_full)
    with pytest.raises(commit.PublishError, match="No space left on device; nothing was published"):
        run_partition(Settings(raw=str(states["raw2"]), out=str(out)), dt.date.fromisoformat(DATE))

    assert snapshot(out) == snapshot(states["before"])
    assert run_count(out) == run_count(states["before"])
    assert leftovers(out) == []


@pytest.fixture
def tiny_disk(tmp_path):
    """A real 1 MiB tmpfs (needs root and mount rights; skipped, saying so, elsewhere)."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.decode().strip()}): the in-process ENOSPC test covers it")
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def test_a_really_full_disk_fails_the_cli_cleanly_and_keeps_the_previous_state(states, tmp_path, tiny_disk):
    out = tiny_disk / "out"
    shutil.copytree(states["before"], out)
    raw = tmp_path / "big"
    raw.mkdir()
    words = random.Random(7)
    for i in range(6):  # ~1.5 MB of text that does not compress: cannot fit in 1 MiB with the old files
        text = " ".join("".join(words.choices("abcdefghijklmnopqrstuvwxyz", k=7)) for _ in range(30_000))
        (raw / f"story-{i}.txt").write_text(f"Big story {i}\n\n{text}.\n")

    proc = run_cli("run", "--raw", str(raw), "--out", str(out), "--date", DATE, "-q", check=False)

    assert proc.returncode == 1
    message = " ".join(proc.stderr.split())  # the console wraps long lines
    assert "No space left on device; nothing was published, the datasets are as before this run" in message
    assert snapshot(out) == snapshot(states["before"])
    assert leftovers(out) == []
    assert_readers_read(out)


def test_on_a_non_local_filesystem_an_interrupted_commit_is_rolled_forward(states, monkeypatch):
    """The same protocol over fsspec (memory://, standing in for an object store: no rename, copy + delete)."""
    import fsspec

    from pipeline.io import atomic

    fs = fsspec.filesystem("memory")
    day = dt.date.fromisoformat(DATE)
    # One process: a memory:// filesystem is private to its process.
    settings = Settings(raw=str(states["raw2"]), out="memory://clean", workers=1)
    run_partition(settings, day)

    real_publish, calls = atomic.publish_file, []

    def die_on_second_rename(fs_, tmp, final, durable=True):
        if "/_staging/" not in final:  # the journal, then the datasets' files
            calls.append(final)
        if len(calls) == 2:
            raise KeyboardInterrupt("the process stops here")  # past the commit point: nothing cleans up
        real_publish(fs_, tmp, final, durable)

    monkeypatch.setattr(atomic, "publish_file", die_on_second_rename)
    with pytest.raises(KeyboardInterrupt):
        run_partition(Settings(raw=str(states["raw2"]), out="memory://crashed", workers=1), day)
    monkeypatch.setattr(atomic, "publish_file", real_publish)
    assert commit.pending("memory://crashed") == [day]

    assert commit.recover("memory://crashed") == [day]

    def published(root: str) -> dict[str, bytes]:
        return {p[len(root) :]: fs.cat(p) for p in fs.find(root) if "/runs/" not in p}

    assert published("/crashed") == published("/clean")
    assert [p for p in fs.find("/crashed") if p.endswith(".tmp") or "_journal" in p] == []


def _processes_naming(text: str) -> list[int]:
    """Processes whose command line holds `text` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and text in (entry / "cmdline").read_bytes().decode(errors="replace"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs Linux /proc")
def test_a_killed_run_leaves_no_worker_process_behind(states, tmp_path):
    """The workers outlive the processing (the quality check uses them): killed with their run, they
    must go too, not linger idle holding the run's pipes (whoever waits for the run would wait forever)."""
    out = tmp_path / "out"
    shutil.copytree(states["before"], out)
    proc = run_cli(
        "run", "--raw", str(states["raw2"]), "--out", str(out), "--date", DATE, "-q", "--workers", "2",
        check=False, env={"NEWSETL_TEST_CRASH_AT": "staged"}, timeout=120,
    )  # fmt: skip
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    for _ in range(50):  # the kernel's signal to the workers is immediate; their exit takes a moment
        if not _processes_naming(str(out)):
            break
        time.sleep(0.1)
    assert _processes_naming(str(out)) == []


def test_on_a_non_local_filesystem_a_failed_audit_is_quarantined_and_publishes_nothing(states):
    import fsspec

    from pipeline.checks.quality import QualityError

    fs = fsspec.filesystem("memory")
    strict = Settings(raw=str(states["raw2"]), out="memory://strict", workers=1, max_reject_rate=0)
    with pytest.raises(QualityError, match="nothing was published"):
        run_partition(strict, dt.date.fromisoformat(DATE))
    kept = [p for p in fs.find("/strict") if "/_quarantine/" in p]
    assert any(p.endswith("/articles/part-0.parquet") for p in kept) and any(p.endswith("reason.txt") for p in kept)
    assert [p for p in fs.find("/strict") if "/_quarantine/" not in p and "/_locks/" not in p] == []
