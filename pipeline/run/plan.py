"""Plan a date's run: list its raw inputs, pin them in the staging area, cut them into shards.

The plan is written once (staging manifest + the listed inputs as Arrow), so every shard task,
wherever it runs, reads the same inputs in the same order.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from dataclasses import asdict, dataclass

import numpy as np

from pipeline.ingest import records
from pipeline.ingest.listing import Listing, SourceNotFound, folder_exists, list_raw
from pipeline.io import staging
from pipeline.io.partitions import require_output_folder
from pipeline.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Shard:
    """One shard of a planned run, as a mapped Airflow task receives it: paths and counts only."""

    staging: str  # the run's staging folder (holds the manifest)
    index: int
    count: int  # shards in the run
    start: int  # the shard is docs[start:stop] of the manifest
    stop: int

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Plan:
    run_id: str
    date: dt.date
    staging: str
    n_raw: int
    n_excluded: int
    shards: list[Shard]


def split_shards(n_docs: int, n_shards: int) -> list[tuple[int, int]]:
    """Contiguous, near-equal slices of the sorted input: shard K is [K*n/N, (K+1)*n/N).

    Contiguous slices keep input order when shards are concatenated, so the dedup stage sees the
    inputs in the same order whatever the shard count. Always N slices, empty ones included: an
    empty expand would skip the publish task in Airflow.
    """
    return [(k * n_docs // n_shards, (k + 1) * n_docs // n_shards) for k in range(n_shards)]


# Guided shards are whole multiples of this much estimated cost (a shard is processed SHARD_CHUNK at a time).
GUIDED_STEP = 256
# The estimated cost of an input, in plain texts: a web page goes through an HTML parser and the
# extractor, a few hundred times a wire story's work (docs/html.md). Names are all a plan
# knows of its inputs (it lists without a stat).
PAGE_COST = 256
_PAGE_SUFFIXES = (".html", ".htm", ".xhtml", ".shtml")
# A record of a web archive (`cc.warc.gz#offset=48213`) is a page too.
_ARCHIVE_SUFFIXES = (".warc", ".warc.gz")


def input_costs(rel_paths: list[str]) -> np.ndarray:
    """Each input's estimated cost: PAGE_COST for a web page (by its name), 1 for anything else."""
    return np.array([PAGE_COST if _is_page(p.lower()) else 1 for p in rel_paths], dtype=np.int64)


def _is_page(rel_path: str) -> bool:
    file, _, locator = rel_path.partition("#")
    return file.endswith(_PAGE_SUFFIXES) or (bool(locator) and file.endswith(_ARCHIVE_SUFFIXES))


def split_guided(n_docs: int, workers: int, costs: np.ndarray | None = None) -> list[tuple[int, int]]:
    """Contiguous slices for a local pool of `workers` processes that shrink toward the end: each takes
    1/(2 x workers) of the cost left (rounded up to GUIDED_STEP), as guided self-scheduling does.
    `costs` are the inputs' estimated costs (input_costs; None: 1 each).

    The pool hands each slice to the first idle worker, so the last ones, small, end close together.
    Equal slices left a core idle for about half a slice at the end (~0.1 s of a 2-worker Reuters
    run, measured); more of them cost each its own files and batches (~4 ms of CPU a shard). By cost,
    not by count: a few hundred web pages are several slices, not one.
    """
    if workers <= 1 or n_docs == 0:
        return [(0, n_docs)]
    done = np.cumsum(costs) if costs is not None else np.arange(1, n_docs + 1)
    bounds, start = [], 0
    while start < n_docs:
        before = int(done[start - 1]) if start else 0
        size = -(-(int(done[-1]) - before) // (2 * workers))
        size = -(-size // GUIDED_STEP) * GUIDED_STEP
        stop = min(int(np.searchsorted(done, before + size)) + 1, n_docs)
        bounds.append((start, stop))
        start = stop
    return bounds


def plan_partition(settings: Settings, date: dt.date, shards: int | None, run_key: str | None = None) -> Plan:
    """List the raw inputs of `date`, pin them in a manifest and split them into `shards` equal shards,
    or with None, guided shards for `settings.workers` (split_guided).

    `run_key` names the staging folder: a driver that may retry a step (Airflow) passes a key
    stable across attempts; by default it is the run id.
    """
    if shards is not None and shards < 1:
        raise ValueError(f"shards must be at least 1, got {shards}")
    require_output_folder(settings.out)
    records.check_options(settings.fields, settings.text_as)
    run_id = uuid.uuid4().hex[:16]
    started = dt.datetime.now(dt.UTC)
    tick = time.perf_counter()
    raw_uri = settings.raw_for(date)
    try:
        # Files are stat-ed by the workers that read them (list_raw says why).
        listing = list_raw(raw_uri, settings.exclude, settings.follow_symlinks, stat=False)
    except SourceNotFound:
        if not settings.raw_is_dated:
            raise
        if not folder_exists(settings.raw_root):  # a typo, not a quiet day
            raise SourceNotFound(f"raw source not found: {settings.raw_root} (the folder of {settings.raw})") from None
        log.warning("no raw folder %s: %s is an empty partition", raw_uri, date.isoformat())
        listing = Listing.empty(raw_uri)
    docs = records.expand(listing.table, settings.text_as)  # a record file's records are inputs of their own
    folder = staging.staging_dir(settings.out, date, run_key or run_id)
    staging.reset_dir(folder)
    n_docs = docs.num_rows
    if shards:
        bounds = split_shards(n_docs, shards)
    else:
        names = docs.column("rel_path").to_pylist() if settings.workers > 1 else []
        bounds = split_guided(n_docs, settings.workers, input_costs(names) if names else None)
    manifest = staging.Manifest(
        run_id=run_id,
        date=date,
        raw=raw_uri,
        started_at=started,
        list_seconds=round(time.perf_counter() - tick, 4),
        n_shards=len(bounds),
        n_docs=n_docs,
        excluded=listing.excluded,
    )
    staging.write_manifest(folder, manifest, docs)
    return Plan(
        run_id=run_id,
        date=date,
        staging=folder,
        n_raw=n_docs,
        n_excluded=len(listing.excluded),
        shards=[Shard(folder, k, len(bounds), start, stop) for k, (start, stop) in enumerate(bounds)],
    )
