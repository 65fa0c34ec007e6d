"""The local worker pool a CLI run processes its shards with (the DAG uses Airflow's workers)."""

from __future__ import annotations

import ctypes
import gc
import os
import signal
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

from pipeline.enrich import describe, metadata
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
    # Python's recipe for forked workers: frozen, the inherited objects (the modules) are left out
    # of the workers' garbage collections, which walked all of them (and copied their pages) at each
    # full collection: ~0.2-0.3 s of CPU per worker on Reuters (measured). A caller that froze its
    # heap itself (the CLI, a one-run process) keeps it frozen.
    caller_froze = gc.get_freeze_count() > 0
    gc.freeze()
    try:
        with ProcessPoolExecutor(
            max_workers=settings.workers, initializer=_worker_ready, initargs=(os.getpid(),)
        ) as pool:
            pool.submit(gc.get_freeze_count)  # the first task forks every worker (the start method is fork)
            yield pool
    finally:
        if not caller_froze:
            gc.unfreeze()


def _worker_ready(parent: int) -> None:
    """A new worker: bound to its parent's life, then what every shard needs, loaded once and frozen
    (see worker_pool)."""
    _exit_with(parent)
    describe.load_language_model()
    metadata.load_tables()
    gc.freeze()


def _exit_with(parent: int) -> None:
    """Have the kernel kill this worker when `parent` dies (Linux; elsewhere nothing is done).

    A worker otherwise outlives a killed run (SIGKILL, the OOM killer): idle forever, waiting for
    tasks, and holding the run's output pipes open, so that whoever waits for the run never sees it end.
    """
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # no prctl (not Linux)
        return
    if os.getppid() != parent:  # it died before the call above
        os._exit(1)


_PR_SET_PDEATHSIG = 1  # <sys/prctl.h>
