"""The local worker pool a CLI run processes its shards with (the DAG uses Airflow's workers)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

from pipeline.enrich import describe, metadata
from pipeline.run import tuning
from pipeline.settings import Settings


@contextmanager
def worker_pool(settings: Settings) -> Iterator[ProcessPoolExecutor | None]:
    """The local process pool of a run (None with one worker), its processes started at once.

    Started before the plan, the workers load the language model and gazetteer (`_worker_ready`)
    while the main process lists the inputs: the two had run one after the other on one core,
    the other idle (~0.1 s of a Reuters run's wall time, measured).
    """
    if settings.workers <= 1:
        yield None
        return
    with ProcessPoolExecutor(max_workers=settings.workers, initializer=_worker_ready, initargs=(os.getpid(),)) as pool:
        pool.submit(os.getpid)  # the first task forks every worker (the start method is fork)
        yield pool


def _worker_ready(parent: int) -> None:
    """A new worker: tuned (`run.tuning`), then what every shard needs, loaded once."""
    tuning.tune_worker(parent)
    describe.load_language_model()
    metadata.load_tables()
