"""Publish a date: deduplicate the staged shards across shards and dates, check that every input
landed exactly once, and commit articles, duplicates, rejects, the dedup index and the runs row
together (`pipeline.io.commit`).

Write, audit, publish: the files are written hidden, the quality check reads them, and only a
partition that passes is committed. One that fails is moved to `<out>/_quarantine/<date>/<run_id>/`
and the published one stays as it was, unless the run says `publish_anyway`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import platform
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Executor
from dataclasses import asdict, dataclass, field

import numpy as np
import pyarrow as pa

from pipeline import __version__
from pipeline.checks import quality
from pipeline.dedup import duplicates as dedup
from pipeline.dedup import published
from pipeline.dedup.minhash import MinHashParams
from pipeline.io import commit, faults, lock, staging
from pipeline.io.arrow import columns_to_table, empty_table, from_numpy, rows_of
from pipeline.io.parquet import RowGroups
from pipeline.io.partitions import discard_staged
from pipeline.run.shards import ShardResult
from pipeline.schema import ARTICLES, SCHEMA_VERSION
from pipeline.settings import Settings

log = logging.getLogger(__name__)


class InvariantError(RuntimeError):
    """Raw inputs did not all land in exactly one of articles, duplicates and rejects."""


@dataclass(slots=True)
class RunSummary:
    run_id: str
    date: dt.date
    raw: str
    out: str
    n_raw: int
    n_excluded: int
    n_articles: int
    n_duplicates: int
    n_rejects: int
    reject_reasons: dict[str, int]
    stage_seconds: dict[str, float] = field(default_factory=dict)
    quality: str = ""  # the audit's one-line report (QualityReport.describe)
    quality_ok: bool = True  # False: the partition failed its audit and was published anyway

    def as_dict(self) -> dict:
        data = asdict(self)
        data["date"] = self.date.isoformat()
        return data


def check_invariant(expected: list[str], landed: dict[str, list[str]]) -> int:
    """Every raw input (`expected`: the planned raw paths) is in exactly one of the three datasets
    (`landed`: the raw paths written to each); returns how many raw inputs there were.

    A text file that its worker found to be records (ingest.records.sniff) is one input per record:
    it lands as its records, `<path>#<locator>`, and is counted by them.
    """
    found = [path for paths in landed.values() for path in paths]
    planned, seen = set(expected), set(found)
    records = [p for p in seen - planned if (base := p.rpartition("#")[0]) in planned and base not in seen]
    expanded = {p.rpartition("#")[0] for p in records}
    expected = sorted([*(p for p in expected if p not in expanded), *records])
    if sorted(found) != expected:
        missing = sorted(set(expected) - seen)[:5]
        extra = sorted(seen - set(expected))[:5]
        counts = Counter(found)
        twice = sorted(p for p, n in counts.items() if n > 1)[:5]
        raise InvariantError(
            f"raw={len(expected)} but articles+duplicates+rejects={len(found)}; "
            f"missing={missing} unexpected={extra} twice={twice}"
        )
    return len(expected)


def publish_partition(settings: Settings, results: list[ShardResult], trigger: str = "cli") -> RunSummary:
    """Deduplicate the staged shards together and against other dates, write, audit, publish, clean up.

    The single step that makes a partition visible: it runs once per run, after every shard. Raises
    quality.QualityError when the partition fails its audit (it is then quarantined, not published).
    """
    folder = results[0].staging
    manifest = staging.read_manifest(folder)
    reported = sorted(r.index for r in results)
    if reported != list(range(manifest.n_shards)) or any(r.staging != folder for r in results):
        raise InvariantError(f"expected shards 0..{manifest.n_shards - 1} of {folder}, got {reported}")
    with lock.partition_lock(settings.out, manifest.date, settings.lock_wait, settings.lock_db):
        faults.reach("processed")
        try:
            summary = publish_staged(settings, manifest, results, trigger)
        except quality.QualityError:
            staging.remove_dir(folder)  # not retried: the same inputs would fail the same way
            raise
    staging.remove_dir(folder)
    return summary


def publish_staged(
    settings: Settings,
    manifest: staging.Manifest,
    results: list[ShardResult],
    trigger: str,
    pool: Executor | None = None,
) -> RunSummary:
    """Publish under the output's publish lock (the caller holds the date's lock): dedup against the
    other dates and the one-commit publishing (pipeline.io.commit) see a stable output. The audit
    of the staged files may share out its body scan to `pool` (quality.check_files)."""
    folder, date = results[0].staging, manifest.date
    with lock.publish_lock(settings.out, settings.lock_db):
        tick = time.perf_counter()
        commit.recover(settings.out)
        discard_staged(settings.out, date)
        for stale in staging.remove_stale(settings.out, keep=folder):
            log.warning("removed %s: the staging folder of a run that never published", stale)
        shards = staging.StagedShards(folder, manifest.n_shards)
        run = _staged_sketches(shards, settings.minhash_params())
        index = published.load_index(settings, date, run)
        verdicts = dedup.find_duplicates(run, index, _staged_stories(shards), settings)
        dedup_seconds, tick = time.perf_counter() - tick, time.perf_counter()

        with commit.Transaction(settings.out, date) as txn:
            landed = stage_datasets(txn, settings, shards, run, index, verdicts)
            n_raw = check_invariant(staging.read_doc_paths(folder), landed.paths)
            write_seconds, tick = time.perf_counter() - tick, time.perf_counter()
            staged = {dataset: txn.staged(dataset) for dataset in quality.CHECKED}
            audit = quality.check_files(settings.out, date, staged, settings.max_reject_rate, n_raw, pool)
            summary = RunSummary(
                run_id=manifest.run_id,
                date=date,
                raw=manifest.raw,
                out=settings.out,
                n_raw=n_raw,
                n_excluded=len(manifest.excluded),
                n_articles=len(landed.paths["articles"]),
                n_duplicates=len(landed.paths["duplicates"]),
                n_rejects=len(landed.paths["rejects"]),
                reject_reasons=dict(sorted(landed.reject_reasons.items())),
                stage_seconds={
                    "list": manifest.list_seconds,
                    "process": round(sum(r.seconds for r in results), 4),
                    "dedup": round(dedup_seconds, 4),
                    "write": round(write_seconds, 4),
                    "audit": round(time.perf_counter() - tick, 4),
                },
                quality=audit.describe(),
                quality_ok=audit.ok,
            )
            # The runs row is published in the same commit: a run that has its row published its data.
            row = _run_row(settings, summary, trigger, manifest.started_at)
            txn.stage("runs", row, name=f"run-{summary.run_id}.parquet")
            if not audit.ok and not settings.publish_anyway:
                kept = commit.quarantine_dir(settings.out, date, manifest.run_id)
                txn.quarantine(kept, audit.describe())
                raise quality.QualityError(
                    f"quality check failed for {audit.describe()}; nothing was published (the previous partition "
                    f"stays), the files are kept in {kept}; publish_anyway (--publish-anyway) publishes them"
                )
            txn.commit()
    return summary


def _staged_sketches(shards: staging.StagedShards, params: MinHashParams) -> dedup.Sketches:
    """What dedup holds of every article of the run (its narrow columns of the staged shards), read a
    row group at a time into arrays made once: no whole-column copies beside them."""
    n = shards.n_articles
    bands = np.empty((n, params.bands), dtype=np.uint64)
    keys = np.empty(n, dtype=dedup.KEY)
    order, start = [], 0
    for batch in shards.batches("articles", [*dedup.ORDER_COLUMNS, staging.SKETCH_KEY, staging.SKETCH_BANDS]):
        stop = start + batch.num_rows
        bands[start:stop] = staging.sketch_matrix(batch.column(staging.SKETCH_BANDS), np.uint64)
        keys[start:stop] = staging.sketch_matrix(batch.column(staging.SKETCH_KEY), dedup.KEY)[:, 0]
        order.append(batch.select(dedup.ORDER_COLUMNS))
        start = stop
    # Copied out (combine_chunks): a staged batch's columns are views of the whole memory-mapped batch,
    # whose pages would otherwise stay mapped through publish (at 10x Reuters, ~0.3 GB, measured).
    table = pa.concat_tables(order).combine_chunks() if order else empty_table(ARTICLES).select(dedup.ORDER_COLUMNS)
    return dedup.Sketches.from_table(table, keys, bands)


def _staged_stories(shards: staging.StagedShards) -> dedup.RunStories:
    """Dedup's reader of the run's candidates: story texts and signatures, from the staged shards."""
    columns = [*dedup.STORY_COLUMNS, staging.SKETCH_SIGNATURE]

    def stories(nodes: np.ndarray) -> Iterator[tuple[np.ndarray, list[str], np.ndarray]]:
        for found, table in shards.select(nodes, columns):
            signatures = staging.sketch_matrix(table.column(staging.SKETCH_SIGNATURE), np.uint32)
            yield found, dedup.story_texts(table), signatures

    return stories


# Rows per row group of the published files: fixed, so that the files do not depend on the shards.
ROW_GROUP = 4096


@dataclass(slots=True)
class Landed:
    """Where the run's inputs landed: the raw paths written to each dataset, and why each reject was."""

    paths: dict[str, list[str]]
    reject_reasons: Counter


def stage_datasets(
    txn: commit.Transaction,
    settings: Settings,
    shards: staging.StagedShards,
    run: dedup.Sketches,
    index: dedup.DedupIndex,
    verdicts: dedup.Verdicts,
) -> Landed:
    """Stage the date's rejects, duplicates, articles and dedup index into the publishing commit,
    streaming the staged shards a row group at a time: kept articles get their duplicate_count,
    dropped copies become duplicates rows pointing at their keeper."""
    landed = Landed(paths={"articles": [], "duplicates": [], "rejects": []}, reject_reasons=Counter())
    with txn.open("rejects") as sink:
        groups = RowGroups(sink, ROW_GROUP)
        for batch in shards.batches("rejects"):
            groups.write(batch)
            landed.paths["rejects"] += batch.column("raw_path").to_pylist()
            landed.reject_reasons.update(batch.column("reason").to_pylist())
        groups.flush()

    params = settings.minhash_params()
    columns = [*ARTICLES.names, staging.SKETCH_KEY, staging.SKETCH_BANDS]
    # Opened in reverse: closed (and staged for the commit) duplicates, articles, then the index.
    with (
        txn.open(dedup.INDEX, schema=dedup.index_schema(params)) as index_sink,
        txn.open("articles") as articles_sink,
        txn.open("duplicates") as duplicates_sink,
    ):
        sinks = [
            RowGroups(duplicates_sink, ROW_GROUP),
            RowGroups(articles_sink, ROW_GROUP),
            RowGroups(index_sink, dedup.INDEX_ROW_GROUP),
        ]
        start = 0
        for batch in shards.batches("articles", columns):
            kinds = verdicts.kind[start : start + batch.num_rows]
            if (kinds != dedup.KEPT).any():
                duplicates = dedup.duplicate_rows(batch, start, verdicts, run, index, txn.date, settings)
                sinks[0].write(duplicates)
                landed.paths["duplicates"] += duplicates.column("raw_path").to_pylist()
            rows = np.flatnonzero(kinds == dedup.KEPT)
            if len(rows):
                kept = rows_of(batch, rows)
                counts = pa.chunked_array([from_numpy(verdicts.copies[start + rows])])
                articles = [counts if name == "duplicate_count" else kept.column(name) for name in ARTICLES.names]
                sinks[1].write(pa.Table.from_arrays(articles, schema=ARTICLES))
                bands = staging.sketch_matrix(kept.column(staging.SKETCH_BANDS), np.uint64)
                keys = staging.hex_strings(kept.column(staging.SKETCH_KEY))
                sinks[2].write(dedup.index_rows(kept, keys, bands, params))
                landed.paths["articles"] += kept.column("raw_path").to_pylist()
            start += batch.num_rows
        for sink in sinks:
            sink.flush()
    return landed


def _run_row(settings: Settings, summary: RunSummary, trigger: str, started: dt.datetime):
    """The run's row of the append-only `runs` dataset."""
    import pyarrow as pa

    from pipeline.schema import RUNS

    # Not where the run locked: that says nothing of the data, and a URL may still carry a password.
    params = {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(settings).items() if k != "lock_db"}
    row = {
        "run_id": summary.run_id,
        "partition_date": summary.date,
        "trigger": trigger,
        "started_at": started,
        "finished_at": dt.datetime.now(dt.UTC),
        "raw_uri": summary.raw,
        "out_uri": summary.out,
        "params": json.dumps(params, sort_keys=True),
        "n_raw": summary.n_raw,
        "n_excluded": summary.n_excluded,
        "n_articles": summary.n_articles,
        "n_duplicates": summary.n_duplicates,
        "n_rejects": summary.n_rejects,
        "reject_reasons": list(summary.reject_reasons.items()),
        "stage_seconds": list(summary.stage_seconds.items()),
        "versions": [("newsetl", __version__), ("python", platform.python_version()), ("pyarrow", pa.__version__)],
        "schema_version": SCHEMA_VERSION,
    }
    return columns_to_table({name: [value] for name, value in row.items()}, RUNS)
