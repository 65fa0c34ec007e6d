"""The whole job for one date partition, top to bottom: plan → process shards → publish.

`run_partition` is what the CLI calls; the Airflow DAG runs the same three steps as tasks (one
mapped task per shard). Shards are contiguous slices of the sorted input and publish reads them
back in order, so the datasets are the same byte for byte whatever the shard or worker count and
whichever driver ran them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

from pipeline.io import commit, faults, lock, staging
from pipeline.run.plan import plan_partition
from pipeline.run.pool import worker_pool
from pipeline.run.publish import RunSummary, publish_staged
from pipeline.run.shards import Progress, process_shards
from pipeline.settings import Settings


def run_partition(
    settings: Settings,
    date: dt.date,
    trigger: str = "cli",
    progress: Progress | None = None,
    on_listed: Callable[[int], None] | None = None,
    pool: ProcessPoolExecutor | None = None,
) -> RunSummary:
    """Process every raw input of `date` and publish its partition: plan → process shards → publish.

    The CLI's one call; the DAG runs the same three steps as separate tasks. With several workers
    the shards run in `pool` (a caller's `worker_pool`), else in a pool of the run's own; the audit
    of the staged partition shares its scan of the article bodies out to it too.
    """
    if pool is None and settings.workers > 1:
        with worker_pool(settings) as own:
            return run_partition(settings, date, trigger, progress, on_listed, own)
    plan = plan_partition(settings, date, settings.shards or None)
    if on_listed:
        on_listed(plan.n_raw)
    try:
        # The date's lock from here to the end: a second run of the date fails fast (lock.PartitionBusy).
        with lock.partition_lock(settings.out, date, settings.lock_wait, settings.lock_db):
            try:
                results = process_shards(settings, plan.shards, pool, progress)
            except OSError as exc:  # a full disk while staging: as when publishing, nothing was published
                raise commit.PublishError(
                    f"could not stage the outcomes of {date.isoformat()} under {settings.out}: "
                    f"{exc.strerror or exc}; nothing was published, the datasets are as before this run"
                ) from exc
            faults.reach("processed")
            return publish_staged(settings, staging.read_manifest(plan.staging), results, trigger, pool)
    finally:
        staging.remove_dir(plan.staging)  # a one-call run has no retry that could reuse it
