"""Process tuning has one door: the CLI process and its pool's workers are tuned, a library caller is not."""

from __future__ import annotations

import datetime as dt
import gc
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.run import shards
from pipeline.run.partition import run_partition
from pipeline.run.pool import worker_pool
from pipeline.settings import Settings


def test_a_pool_worker_runs_with_the_garbage_collector_off():
    assert gc.isenabled()
    with worker_pool(Settings(workers=2)) as pool:
        assert pool.submit(gc.isenabled).result() is False
        assert pool.submit(os.getppid).result() == os.getpid()
    assert gc.isenabled()


@pytest.fixture
def collector_seen(tmp_path: Path, monkeypatch) -> tuple[Path, list[bool]]:
    """A raw folder of one story, and whether the collector was on each time a shard was processed."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text("Headline of the story\n\nThe body of the story has enough words to be kept here.")
    seen: list[bool] = []
    process_chunk = shards._process_chunk
    monkeypatch.setattr(shards, "_process_chunk", lambda *args: seen.append(gc.isenabled()) or process_chunk(*args))
    return raw, seen


def test_the_library_leaves_the_calling_process_as_it_found_it(tmp_path: Path, collector_seen):
    """A DAG task calls the library in its own process: the collector stays on, shards included."""
    raw, seen = collector_seen
    run_partition(Settings(raw=str(raw), out=str(tmp_path / "out"), workers=1), dt.date(2024, 3, 1))
    assert seen == [True] and gc.isenabled() and gc.get_freeze_count() == 0


def _arrow_allocator_after_tuning(env: dict[str, str]) -> str:
    """The allocator Arrow uses in a fresh process tuned as the CLI's is."""
    code = "\n".join(
        (
            "from pipeline.run import tuning",
            "tuning.tune_cli()",
            "import pyarrow",
            "print(pyarrow.default_memory_pool().backend_name)",
        )
    )
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"} | env
    found = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return found.stdout.strip()


def test_the_cli_process_allocates_arrow_memory_with_the_system_allocator_unless_the_user_chose():
    assert _arrow_allocator_after_tuning({}) == "system"
    assert _arrow_allocator_after_tuning({"ARROW_DEFAULT_MEMORY_POOL": "mimalloc"}) == "mimalloc"


def test_a_one_worker_cli_run_processes_its_shards_with_the_collector_off(tmp_path: Path, collector_seen):
    """The CLI process is a one-worker run's only worker: tuned as one for the run, restored after."""
    from pipeline import cli

    raw, seen = collector_seen
    args = ["run", "--raw", str(raw), "--out", str(tmp_path / "out"), "--date", "2024-03-01", "--quiet"]
    cli.app([*args, "--workers", "1"], standalone_mode=False)
    assert seen == [False] and gc.isenabled()
