"""The whole job for one date partition, top to bottom: read → parse → clean → describe → dedup → write.

A run has three steps: `plan_partition` lists the inputs and splits them into shards,
`process_shard` parses, cleans and describes one shard into the staging area, and
`publish_partition` deduplicates across shards and dates, checks the invariant and writes the
partition. The Airflow DAG runs them as tasks (one mapped task per shard); the CLI calls
`run_partition`, which runs the same steps with a local process pool. Shards are contiguous
slices of the sorted input and publish reads them back in order, so the datasets are the same
byte for byte whatever the shard or worker count and whichever driver ran them.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import gc
import json
import os
import platform
import signal
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field

import numpy as np
import pyarrow as pa

from pipeline import (
    __version__,
    clean,
    commit,
    dedup,
    describe,
    faults,
    lock,
    metadata,
    parse,
    quality,
    read,
    staging,
    storage,
)
from pipeline.minhash import MinHashParams
from pipeline.models import Article, Outcome, RawDoc, Reject
from pipeline.schema import ARTICLES, SCHEMA_VERSION
from pipeline.settings import Settings

Progress = Callable[[int], None]


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
    # (article id, rule) of the staged bodies that still hold boilerplate, found by a run's workers
    # while it published (quality.staged_boilerplate); None when nothing scanned them.
    boilerplate: list[tuple[str, str]] | None = None

    def as_dict(self) -> dict:
        data = asdict(self)
        data["date"] = self.date.isoformat()
        return data


def build_article(text: str, encoding: str, doc: RawDoc, sha: str, settings: Settings) -> Article:
    """Parse, clean and describe one decoded document. Raises read.RejectInput when unusable.

    Language is left unset: `describe_batch` detects it for many articles at once (much faster).
    """
    text, removed = clean.normalize_text(text)
    sidecar = doc.sidecar
    if clean.looks_like_html(text):
        page = clean.html_to_text(text)
        if page is None:
            raise read.RejectInput("html_no_article", "an HTML page in which no article text was found")
        sidecar = dict(sidecar)  # completed below from the page (the listing's stays as it is)
        title = page.title or sidecar.get("title")
        text = f"{title}\n\n{page.text}" if title else page.text
        removed.append("html_markup")
        for key, value in (
            ("published_at", page.published),
            ("source_url", page.url),
            ("site_name", page.site_name),
            ("author", page.author),
            ("canonical_url", page.url),
        ):
            if value and key not in sidecar:
                sidecar[key] = value

    title, text = parse.split_title(text)
    wrapped = parse.looks_hard_wrapped(text)
    heading, rest = parse.split_heading(title, parse.split_paragraphs(text, wrapped))
    removed += heading.removed
    paragraphs, boiler = clean.strip_boilerplate(rest)
    removed += boiler.rules
    # Wire copy has no subheadings; its short lines are table rows and list items.
    paragraphs, subheadings = ([*paragraphs], []) if wrapped else parse.split_subheadings(paragraphs)
    if subheadings:
        removed.append("subheading")
    dateline = None
    if paragraphs:
        dateline, paragraphs[0] = parse.extract_dateline(paragraphs[0])
    tickers: list[str] = []
    for i, para in enumerate(paragraphs):
        if "<" in para:  # most paragraphs have no tags: spare them the call
            paragraphs[i], found = clean.strip_ticker_tags(para)
            tickers += [t for t in found if t not in tickers]
    _, title_tickers = clean.strip_ticker_tags(heading.title)
    if title_tickers:
        tickers = [*title_tickers, *(t for t in tickers if t not in title_tickers)]
    paragraphs = [stripped for p in paragraphs if (stripped := p.strip())]

    body = "\n\n".join(paragraphs)
    words = describe.count_words(body)
    if words < settings.min_words:
        what = "only a title" if heading.title and not rest else "no article text"
        if len(heading.title) > 1000:
            detail = f"the text is one {len(heading.title):,}-character line: a title with no article under it"
            raise read.RejectInput("no_body", detail)
        raise read.RejectInput(
            "no_body", f"{what} left after cleaning ({words} words; removed: {', '.join(removed) or 'nothing'})"
        )

    content_hash, exact_key = dedup.article_keys(heading.title, dateline, body)
    meta = metadata.extract_metadata(
        heading.title,
        paragraphs,
        dateline,
        agencies=clean.agencies_in(boiler, dateline),
        published_at=describe.published_from(doc.rel_path, sidecar),
        word_count=words,
    )
    return Article(
        article_id=describe.doc_id(sha, doc.rel_path),
        title=heading.title,
        kicker=heading.kicker,
        headline=heading.headline,
        lead=paragraphs[0],
        body=body,
        subheadings=subheadings,
        captions=boiler.captions,
        photo_credits=boiler.photo_credits,
        source_site=boiler.source_site or sidecar.get("site_name"),
        dateline=dateline,
        tickers=tickers,
        language=None,
        language_score=None,
        word_count=words,
        char_count=len(body),
        paragraph_count=len(paragraphs),
        content_hash=content_hash,
        raw_sha256=sha,
        raw_uri=doc.uri,
        raw_path=doc.rel_path,
        raw_size=doc.size,
        raw_encoding=encoding,
        raw_modified_at=doc.modified_at,
        source_url=sidecar.get("source_url") or sidecar.get("url"),
        removed=removed,
        author=sidecar.get("author"),
        site_name=sidecar.get("site_name"),
        canonical_url=sidecar.get("canonical_url"),
        feed_url=sidecar.get("feed_url"),
        fetched_at=describe.parse_timestamp(sidecar.get("fetched_at")),
        # Field by field, not **meta's fields as a dict: that dict and its merge into the call cost
        # ~1.5 µs/doc (measured).
        dateline_place=meta.dateline_place,
        dateline_date=meta.dateline_date,
        published_at=meta.published_at,
        agencies=meta.agencies,
        quotes=meta.quotes,
        people=meta.people,
        organizations=meta.organizations,
        places=meta.places,
        countries=meta.countries,
        sentence_count=meta.sentence_count,
        reading_time_min=meta.reading_time_min,
        years_mentioned=meta.years_mentioned,
        exact_key=exact_key,
    )


def process_doc(doc: RawDoc, settings: Settings) -> Outcome:
    """One raw input to exactly one outcome: an Article or a Reject. Never raises."""
    return _process_chunk([doc], settings)[0]


def describe_batch(articles: list[Article], settings: Settings) -> None:
    """The per-article work that is faster in batches: language, and the dedup sketch."""
    # detect_languages reads the first 600 characters: the body is cut first rather than copied whole.
    languages = describe.detect_languages([f"{a.title}\n{a.body[:600]}" for a in articles])
    for article, (language, score) in zip(articles, languages, strict=True):
        article.language, article.language_score = language, score
    dedup.sketch_articles(articles, settings.minhash_params())


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while this holds (also a decorator); back on after.

    Used over a whole shard: each chunk makes ~100,000 container objects, freed by reference
    counting, and the outcomes wait in the shard's writer until a row group's worth is there. With
    the collector on, its collections scanned them, young and held ones, several times over:
    12-13 µs/doc of a worker's CPU on Reuters, where they found no garbage at all (measured with
    gc.callbacks). A reference cycle made meanwhile is collected after the block, by the next collection.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _process_chunk(docs: list[RawDoc], settings: Settings) -> list[Outcome]:
    """Outcomes of some raw inputs, in order: the unit of work of one worker process."""
    outcomes = [_build_outcome(doc, settings) for doc in docs]
    describe_batch([o for o in outcomes if isinstance(o, Article)], settings)
    return outcomes


def _build_outcome(doc: RawDoc, settings: Settings) -> Outcome:
    sha: str | None = None
    stage = "read"
    try:
        data = read.load_bytes(doc, settings.max_bytes)
        sha = read.sha256_hex(data)
        text, encoding = read.decode_bytes(data)
        stage = "parse"
        return build_article(text, encoding, doc, sha, settings)
    except read.RejectInput as exc:
        return _reject(doc, sha, exc.reason, exc.detail, stage)
    except Exception as exc:  # one bad input must never take the whole run down
        return _reject(doc, sha, "internal_error", f"{type(exc).__name__}: {exc}", stage)


def _reject(doc: RawDoc, sha: str | None, reason: str, detail: str, stage: str) -> Reject:
    return Reject(
        doc_id=describe.doc_id(sha or "", doc.rel_path),
        raw_uri=doc.uri,
        raw_path=doc.rel_path,
        raw_sha256=sha,
        raw_size=doc.size or 0,  # (None: a file listed without a stat that could not be read)
        reason=reason,
        detail=detail,
        stage=stage,
    )


def check_invariant(expected: list[str], landed: dict[str, list[str]]) -> None:
    """Every raw input (`expected`: the planned raw paths) is in exactly one of the three datasets
    (`landed`: the raw paths written to each)."""
    found = [path for paths in landed.values() for path in paths]
    expected = sorted(expected)
    if sorted(found) != expected:
        missing = sorted(set(expected) - set(found))[:5]
        extra = sorted(set(found) - set(expected))[:5]
        counts = Counter(found)
        twice = sorted(p for p, n in counts.items() if n > 1)[:5]
        raise InvariantError(
            f"raw={len(expected)} but articles+duplicates+rejects={len(found)}; "
            f"missing={missing} unexpected={extra} twice={twice}"
        )


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
class ShardResult:
    """What a processed shard reports to publish: where its outcomes are staged, and counts."""

    staging: str
    index: int
    n_docs: int
    n_articles: int
    n_rejects: int
    seconds: float

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


# Guided shards are whole multiples of this many inputs (a shard is processed SHARD_CHUNK at a time).
GUIDED_STEP = 256


def split_guided(n_docs: int, workers: int) -> list[tuple[int, int]]:
    """Contiguous slices for a local pool of `workers` processes that shrink toward the end: each takes
    1/(2 x workers) of the inputs left (rounded up to GUIDED_STEP), as guided self-scheduling does.

    The pool hands each slice to the first idle worker, so the last ones, small, end close together.
    Equal slices left a core idle for about half a slice at the end (~0.1 s of a 2-worker Reuters
    run, measured); more of them cost each its own files and batches (~4 ms of CPU a shard).
    """
    if workers <= 1 or n_docs == 0:
        return [(0, n_docs)]
    bounds, start = [], 0
    while start < n_docs:
        size = -(-(n_docs - start) // (2 * workers))
        size = -(-size // GUIDED_STEP) * GUIDED_STEP
        bounds.append((start, min(start + size, n_docs)))
        start += size
    return bounds


def plan_partition(settings: Settings, date: dt.date, shards: int | None, run_key: str | None = None) -> Plan:
    """List the raw inputs of `date`, pin them in a manifest and split them into `shards` equal shards,
    or with None, guided shards for `settings.workers` (split_guided).

    `run_key` names the staging folder: a driver that may retry a step (Airflow) passes a key
    stable across attempts; by default it is the run id.
    """
    if shards is not None and shards < 1:
        raise ValueError(f"shards must be at least 1, got {shards}")
    run_id = uuid.uuid4().hex[:16]
    started = dt.datetime.now(dt.UTC)
    tick = time.perf_counter()
    raw_uri = settings.raw_for(date)
    try:
        # Files are stat-ed by the workers that read them (read.list_raw says why).
        listing = read.list_raw(raw_uri, settings.exclude, settings.follow_symlinks, stat=False)
    except read.SourceNotFound:
        if not settings.raw_is_dated:
            raise
        listing = read.Listing.empty(raw_uri)  # no folder for this day: nothing arrived
    folder = staging.staging_dir(settings.out, date, run_key or run_id)
    staging.reset_dir(folder)
    n_docs = listing.table.num_rows
    bounds = split_shards(n_docs, shards) if shards else split_guided(n_docs, settings.workers)
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
    staging.write_manifest(folder, manifest, listing.table)
    return Plan(
        run_id=run_id,
        date=date,
        staging=folder,
        n_raw=n_docs,
        n_excluded=len(listing.excluded),
        shards=[Shard(folder, k, len(bounds), start, stop) for k, (start, stop) in enumerate(bounds)],
    )


SHARD_CHUNK = 512


@storage.system_allocator()
@collector_paused()
def process_shard(settings: Settings, shard: Shard, progress: Progress | None = None) -> ShardResult:
    """Parse, clean and describe one shard's inputs and stage their outcomes (safe to retry).

    A chunk at a time: language detection and sketches run in batches (faster), and each chunk's
    outcomes go to the shard's writer before the next is made, so a worker holds at most one row
    group of outcomes (staging.STAGED_ROWS) whatever the shard size. The garbage collector waits
    for the end of the shard (`collector_paused` says why).
    """
    tick = time.perf_counter()
    docs = staging.read_docs(shard.staging, shard.start, shard.stop)
    n_articles = n_rejects = 0
    with staging.ShardWriter(shard.staging, shard.index, settings.minhash_params()) as writer:
        for start in range(0, len(docs), SHARD_CHUNK):
            chunk = docs[start : start + SHARD_CHUNK]
            outcomes = _process_chunk(chunk, settings)
            articles = [o for o in outcomes if isinstance(o, Article)]
            rejects = [o for o in outcomes if not isinstance(o, Article)]
            writer.write(articles, rejects)
            n_articles, n_rejects = n_articles + len(articles), n_rejects + len(rejects)
            if progress:
                progress(len(chunk))
    return ShardResult(
        staging=shard.staging,
        index=shard.index,
        n_docs=len(docs),
        n_articles=n_articles,
        n_rejects=n_rejects,
        seconds=round(time.perf_counter() - tick, 4),
    )


def process_shards(
    settings: Settings, shards: list[Shard], pool: ProcessPoolExecutor | None, progress: Progress | None = None
) -> list[ShardResult]:
    """Every shard: in `pool` (see `worker_pool`), or in this process without one."""
    if pool is None or len(shards) <= 1:
        return [process_shard(settings, shard, progress) for shard in shards]
    results = []
    for future in [pool.submit(process_shard, settings, shard) for shard in shards]:
        results.append(future.result())
        if progress:
            progress(results[-1].n_docs)
    return results


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


def publish_partition(settings: Settings, results: list[ShardResult], trigger: str = "cli") -> RunSummary:
    """Deduplicate the staged shards together and against other dates, check, write, clean up.

    The single step that makes a partition visible: it runs once per run, after every shard.
    """
    folder = results[0].staging
    manifest = staging.read_manifest(folder)
    reported = sorted(r.index for r in results)
    if reported != list(range(manifest.n_shards)) or any(r.staging != folder for r in results):
        raise InvariantError(f"expected shards 0..{manifest.n_shards - 1} of {folder}, got {reported}")
    with lock.partition_lock(settings.out, manifest.date, settings.lock_wait):
        faults.reach("processed")
        summary = _publish(settings, manifest, results, trigger)
    staging.remove_dir(folder)
    return summary


@storage.system_allocator()
def _publish(settings: Settings, manifest: staging.Manifest, results: list[ShardResult], trigger: str) -> RunSummary:
    """Publish under the output's publish lock (the caller holds the date's lock): dedup against the
    other dates and the one-commit publishing (pipeline.commit) see a stable output."""
    folder, date = results[0].staging, manifest.date
    with lock.publish_lock(settings.out):
        tick = time.perf_counter()
        commit.recover(settings.out)
        storage.discard_staged(settings.out, date)
        shards = staging.StagedShards(folder, manifest.n_shards)
        run = _staged_sketches(shards, settings.minhash_params())
        index = dedup.load_index(settings, date)
        verdicts = dedup.find_duplicates(run, index, _staged_stories(shards), settings)
        dedup_seconds, tick = time.perf_counter() - tick, time.perf_counter()

        with commit.Transaction(settings.out, date) as txn:
            landed = stage_datasets(txn, settings, shards, run, index, verdicts)
            check_invariant(staging.read_doc_paths(folder), landed.paths)
            summary = RunSummary(
                run_id=manifest.run_id,
                date=date,
                raw=manifest.raw,
                out=settings.out,
                n_raw=manifest.n_docs,
                n_excluded=len(manifest.excluded),
                n_articles=len(landed.paths["articles"]),
                n_duplicates=len(landed.paths["duplicates"]),
                n_rejects=len(landed.paths["rejects"]),
                reject_reasons=dict(sorted(landed.reject_reasons.items())),
                stage_seconds={
                    "list": manifest.list_seconds,
                    "process": round(sum(r.seconds for r in results), 4),
                    "dedup": round(dedup_seconds, 4),
                    "write": round(time.perf_counter() - tick, 4),
                },
            )
            # The runs row is published in the same commit: a run that has its row published its data.
            row = _run_row(settings, summary, trigger, manifest.started_at)
            txn.stage("runs", row, name=f"run-{summary.run_id}.parquet")
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
    table = (
        pa.concat_tables(order).combine_chunks() if order else storage.empty_table(ARTICLES).select(dedup.ORDER_COLUMNS)
    )
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
        groups = storage.RowGroups(sink, ROW_GROUP)
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
        sinks = [storage.RowGroups(sink, ROW_GROUP) for sink in (duplicates_sink, articles_sink, index_sink)]
        start = 0
        for batch in shards.batches("articles", columns):
            kinds = verdicts.kind[start : start + batch.num_rows]
            if (kinds != dedup.KEPT).any():
                duplicates = dedup.duplicate_rows(batch, start, verdicts, run, index, txn.date, settings)
                sinks[0].write(duplicates)
                landed.paths["duplicates"] += duplicates.column("raw_path").to_pylist()
            rows = np.flatnonzero(kinds == dedup.KEPT)
            if len(rows):
                kept = storage.rows_of(batch, rows)
                counts = pa.chunked_array([storage.from_numpy(verdicts.copies[start + rows])])
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
    the shards run in `pool` (the caller's `worker_pool`, which may use it after the run: the CLI's
    quality check does), else in a pool of the run's own.
    """
    if pool is None and settings.workers > 1:
        with worker_pool(settings) as own:
            return run_partition(settings, date, trigger, progress, on_listed, own)
    plan = plan_partition(settings, date, settings.shards or None)
    if on_listed:
        on_listed(plan.n_raw)
    try:
        # The date's lock from here to the end: a second run of the date fails fast (lock.PartitionBusy).
        with lock.partition_lock(settings.out, date, settings.lock_wait):
            try:
                results = process_shards(settings, plan.shards, pool, progress)
            except OSError as exc:  # a full disk while staging: as when publishing, nothing was published
                raise commit.PublishError(
                    f"could not stage the outcomes of {date.isoformat()} under {settings.out}: "
                    f"{exc.strerror or exc}; nothing was published, the datasets are as before this run"
                ) from exc
            faults.reach("processed")
            # The idle workers scan the staged bodies for the quality check meanwhile (at low priority).
            scans = (
                [pool.submit(quality.staged_boilerplate, plan.staging, s.index) for s in plan.shards] if pool else None
            )
            summary = _publish(settings, staging.read_manifest(plan.staging), results, trigger)
            if scans is not None:
                with contextlib.suppress(Exception):  # a scan that failed: the check reads the published bodies
                    summary.boilerplate = [found for scan in scans for found in scan.result()]
            return summary
    finally:
        staging.remove_dir(plan.staging)  # a one-call run has no retry that could reuse it


def _run_row(settings: Settings, summary: RunSummary, trigger: str, started: dt.datetime):
    """The run's row of the append-only `runs` dataset."""
    import pyarrow as pa

    from pipeline.schema import RUNS

    params = {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(settings).items()}
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
    return storage.columns_to_table({name: [value] for name, value in row.items()}, RUNS)
