"""The one door for process-level tuning: what a CLI process and its pool's workers set about themselves.

Only the CLI (`tune_cli` at its entry point, `tune_lone_run` around a one-worker run) and the local
pool's initializer (`tune_worker`) call it.
Library functions, which the DAG's tasks also call, set nothing about the process they run in, so a
DAG task and a CLI run differ in speed and memory only, never in output. A measure stays here for a
gain of at least 5 % of a Reuters run or for a behaviour a test specifies; docs/performance.md
("Process tuning") has the measurements, those of the tricks that were removed included.
"""

from __future__ import annotations

import ctypes
import gc
import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager

_PR_SET_PDEATHSIG = 1  # <sys/prctl.h>


def tune_cli() -> None:
    """Arrow allocates through the C library's allocator in this process and the workers it forks.

    pyarrow's default allocator (mimalloc) keeps the buffers of Parquet reads and writes after they
    are freed: the main process of a Reuters run peaked ~30 % higher with it. Set through Arrow's
    own variable, before pyarrow is imported, and only where the user has not chosen an allocator.
    """
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")


def tune_worker(parent: int) -> None:
    """Bind a new worker to `parent`'s life and switch its cyclic garbage collector off.

    A worker lives for one run. Its shards make ~100,000 container objects a chunk, freed by
    reference counting; the collector's passes walked them (and the inherited modules, the model
    and the gazetteer) over and over and found no garbage: ~0.2 s of each worker's CPU on Reuters.
    """
    _exit_with(parent)
    gc.disable()


@contextmanager
def tune_lone_run(workers: int) -> Iterator[None]:
    """A one-worker run: the CLI process is the run's only worker, its collector off as a worker's.

    Off for the run only (a backfill's next date, the rest of the command, find it as it was). The
    collector's passes walked the gazetteer and the modules and found no garbage: 10 % of the CPU
    of a Reuters `--workers 1` run, 3 % of the fundus web pages' (docs/performance.md).
    """
    if workers > 1 or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


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
