"""The whole job for one date partition, top to bottom: read → parse → clean → describe → dedup → write.

Both drivers (the `newsetl` CLI and the Airflow DAG) call `run_partition`, so a scheduled run, a
CLI backfill and a test produce the same datasets byte for byte.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field

from pipeline import __version__, clean, commit, dedup, describe, faults, lock, metadata, parse, read, storage
from pipeline.models import Article, Duplicate, Outcome, RawDoc, Reject
from pipeline.schema import SCHEMA_VERSION
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

    def as_dict(self) -> dict:
        data = asdict(self)
        data["date"] = self.date.isoformat()
        return data


def build_article(text: str, encoding: str, doc: RawDoc, sha: str, settings: Settings) -> Article:
    """Parse, clean and describe one decoded document. Raises read.RejectInput when unusable.

    Language is left unset: `describe_batch` detects it for many articles at once (much faster).
    """
    text, removed = clean.normalize_text(text)
    sidecar = dict(doc.sidecar)
    if clean.looks_like_html(text):
        page = clean.html_to_text(text)
        if page is None:
            raise read.RejectInput("html_no_article", "an HTML page in which no article text was found")
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
        paragraphs[i], found = clean.strip_ticker_tags(para)
        tickers += [t for t in found if t not in tickers]
    _, title_tickers = clean.strip_ticker_tags(heading.title)
    tickers = [*title_tickers, *(t for t in tickers if t not in title_tickers)]
    paragraphs = [p.strip() for p in paragraphs if p.strip()]

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
        agencies=meta.agencies,
        dateline=dateline,
        tickers=tickers,
        language=None,
        language_score=None,
        word_count=words,
        char_count=len(body),
        paragraph_count=len(paragraphs),
        content_hash=describe.content_hash(body),
        raw_sha256=sha,
        raw_uri=doc.uri,
        raw_path=doc.rel_path,
        raw_size=doc.size,
        raw_encoding=encoding,
        raw_modified_at=doc.modified_at,
        published_at=meta.published_at,
        source_url=sidecar.get("source_url") or sidecar.get("url"),
        removed=removed,
        author=sidecar.get("author"),
        site_name=sidecar.get("site_name"),
        canonical_url=sidecar.get("canonical_url"),
        feed_url=sidecar.get("feed_url"),
        fetched_at=describe.parse_timestamp(sidecar.get("fetched_at")),
        dateline_place=meta.dateline_place,
        dateline_date=meta.dateline_date,
        quotes=meta.quotes,
        people=meta.people,
        organizations=meta.organizations,
        places=meta.places,
        countries=meta.countries,
        sentence_count=meta.sentence_count,
        reading_time_min=meta.reading_time_min,
        years_mentioned=meta.years_mentioned,
    )


def process_doc(doc: RawDoc, settings: Settings) -> Outcome:
    """One raw input to exactly one outcome: an Article or a Reject. Never raises."""
    return _process_chunk([doc], settings)[0]


def describe_batch(articles: list[Article], settings: Settings) -> None:
    """The per-article work that is faster in batches: language, and the dedup sketch."""
    languages = describe.detect_languages([f"{a.title}\n{a.body}" for a in articles])
    for article, (language, score) in zip(articles, languages, strict=True):
        article.language, article.language_score = language, score
    dedup.sketch_articles(articles, settings.minhash_params())


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
        raw_size=doc.size,
        reason=reason,
        detail=detail,
        stage=stage,
    )


def process_docs(docs: list[RawDoc], settings: Settings, progress: Progress | None = None) -> list[Outcome]:
    """Outcomes in input order; with workers > 1, chunks run in a local process pool."""
    describe.load_language_model()  # once, before forking: workers share the parent's copy
    size = max(16, min(512, len(docs) // (settings.workers * 8) or 1))
    chunks = [docs[i : i + size] for i in range(0, len(docs), size)]
    if settings.workers <= 1 or len(docs) < 64:
        return _collect(chunks, map(_process_chunk, chunks, [settings] * len(chunks)), progress)
    with ProcessPoolExecutor(max_workers=settings.workers) as pool:
        return _collect(chunks, pool.map(_process_chunk, chunks, [settings] * len(chunks)), progress)


def _collect(chunks: list[list[RawDoc]], results, progress: Progress | None) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for chunk, result in zip(chunks, results, strict=True):
        outcomes.extend(result)
        if progress:
            progress(len(chunk))
    return outcomes


def check_invariant(
    docs: list[RawDoc], articles: list[Article], duplicates: list[Duplicate], rejects: list[Reject]
) -> None:
    """Every raw input is in exactly one of the three datasets."""
    landed = [a.raw_path for a in articles] + [d.raw_path for d in duplicates] + [r.raw_path for r in rejects]
    expected = sorted(d.rel_path for d in docs)
    if sorted(landed) != expected:
        missing = sorted(set(expected) - set(landed))[:5]
        extra = sorted(set(landed) - set(expected))[:5]
        counts = Counter(landed)
        twice = sorted(p for p, n in counts.items() if n > 1)[:5]
        raise InvariantError(
            f"raw={len(docs)} but articles+duplicates+rejects={len(landed)}; "
            f"missing={missing} unexpected={extra} twice={twice}"
        )


def run_partition(
    settings: Settings,
    date: dt.date,
    trigger: str = "cli",
    progress: Progress | None = None,
    on_listed: Callable[[int], None] | None = None,
) -> RunSummary:
    """Process every raw input of `date` and publish its partition of each dataset.

    Once the inputs are listed it holds the date's lock (a second run of the same date fails fast
    with lock.PartitionBusy); dedup against the other dates and writing hold the output's publish
    lock, and all datasets of the date are published in one commit (pipeline.commit).
    """
    run_id = uuid.uuid4().hex[:16]
    started = dt.datetime.now(dt.UTC)
    timings: dict[str, float] = {}
    tick = time.perf_counter()

    raw_uri = settings.raw_for(date)
    try:
        listing = read.list_raw(raw_uri, settings.exclude, settings.follow_symlinks)
    except read.SourceNotFound:
        if not settings.raw_is_dated:
            raise
        listing = read.Listing(root=raw_uri, docs=[], excluded=[])  # no folder for this day: nothing arrived
    timings["list"], tick = time.perf_counter() - tick, time.perf_counter()
    if on_listed:
        on_listed(len(listing.docs))

    with lock.partition_lock(settings.out, date, settings.lock_wait):
        outcomes = process_docs(listing.docs, settings, progress)
        articles = [o for o in outcomes if isinstance(o, Article)]
        rejects = [o for o in outcomes if isinstance(o, Reject)]
        timings["process"], tick = time.perf_counter() - tick, time.perf_counter()
        faults.reach("processed")

        with lock.publish_lock(settings.out):
            commit.recover(settings.out)
            storage.discard_staged(settings.out, date)
            kept, duplicates = dedup.drop_duplicates(articles, date, dedup.load_index(settings, date), settings)
            check_invariant(listing.docs, kept, duplicates, rejects)
            timings["dedup"], tick = time.perf_counter() - tick, time.perf_counter()

            with commit.Transaction(settings.out, date) as txn:
                txn.stage("rejects", storage.to_table(rejects, "rejects"))
                txn.stage("duplicates", storage.to_table(duplicates, "duplicates"))
                txn.stage("articles", storage.to_table(kept, "articles"))
                txn.stage(dedup.INDEX, dedup.index_table(kept, settings.minhash_params()))
                timings["write"] = time.perf_counter() - tick
                summary = RunSummary(
                    run_id=run_id,
                    date=date,
                    raw=raw_uri,
                    out=settings.out,
                    n_raw=len(listing.docs),
                    n_excluded=len(listing.excluded),
                    n_articles=len(kept),
                    n_duplicates=len(duplicates),
                    n_rejects=len(rejects),
                    reject_reasons=dict(sorted(Counter(r.reason for r in rejects).items())),
                    stage_seconds={k: round(v, 4) for k, v in timings.items()},
                )
                # The runs row is published in the same commit: a run that has its row published its data.
                txn.stage("runs", _run_row(settings, summary, trigger, started), name=f"run-{run_id}.parquet")
                txn.commit()
    return summary


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
