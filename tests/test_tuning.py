"""Process tuning has one door: a CLI run's pool workers are tuned, the process calling the library is not."""

from __future__ import annotations

import datetime as dt
import gc
import os
from pathlib import Path

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


def test_the_library_leaves_the_calling_process_as_it_found_it(tmp_path: Path, monkeypatch):
    """A DAG task calls the library in its own process: the collector stays on, shards included."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text("Headline of the story\n\nThe body of the story has enough words to be kept here.")
    seen = []
    process_chunk = shards._process_chunk
    monkeypatch.setattr(shards, "_process_chunk", lambda *args: seen.append(gc.isenabled()) or process_chunk(*args))
    run_partition(Settings(raw=str(raw), out=str(tmp_path / "out"), workers=1), dt.date(2024, 3, 1))
    assert seen == [True] and gc.isenabled() and gc.get_freeze_count() == 0
