"""news_etl: the daily newsetl job under Airflow 3 — a thin driver of `pipeline.run`'s three steps.

resolve_date → fetch → plan → process_shard (one mapped task per shard) → publish → check_quality, report.
`plan` lists the date's raw inputs into a manifest in the staging area and splits them into
`shards` slices; each `process_shard` stages its outcomes; `publish` deduplicates across shards
and dates and writes the partition; `check_quality` fails the run when the partition breaks the
datasets' contract; `report` writes the HTML reports. XCom carries only paths and counts.

Schedule: `CronDataIntervalTimetable` at 00:00 UTC, so the run that starts at midnight processes
the day that just ended (its data interval). The partition date is resolved explicitly: the `date`
param, else the data interval's start, else the day of `run_after` (manual Airflow 3 runs have no
logical date and no data interval).

Top-level code stays cheap to parse: the pipeline (pyarrow, fsspec, ...) is imported inside tasks.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path

import pendulum
from airflow.sdk import Asset, CronDataIntervalTimetable, Param, dag, get_current_context, task

from pipeline.settings import DEFAULT_MAX_BYTES, DEFAULT_MAX_REJECT_RATE  # a light module: no pyarrow

PROJECT = Path(__file__).resolve().parent.parent
RAW = os.environ.get("NEWSETL_RAW", str(PROJECT / "data" / "raw" / "{date}"))
OUT = os.environ.get("NEWSETL_OUT", str(PROJECT / "data" / "processed"))
SOURCES = os.environ.get("NEWSETL_SOURCES") or None  # sources file for the fetch task; none: nothing to fetch
# PostgreSQL URL of the output's locks, read where the task runs (a worker's setting, not a run's
# param: it may hold a password); needed when `out` is on an object store (docs/operations.md).
LOCK_DB = os.environ.get("NEWSETL_LOCK_DB") or None
ARTICLES = Asset(name="newsetl_articles", uri=f"file://{OUT}/articles" if "://" not in OUT else f"{OUT}/articles")

log = logging.getLogger("newsetl")


def resolve_partition_date(params: dict, data_interval_start, run_after) -> dt.date:
    """Partition date: the `date` param, else the data interval's start, else the day of run_after."""
    if params.get("date"):
        return dt.date.fromisoformat(params["date"])
    if data_interval_start is not None:
        return data_interval_start.date()
    return run_after.date()


def _settings(params: dict):
    from pipeline.settings import Settings

    return Settings(
        raw=params["raw"],
        out=params["out"],
        shards=params["shards"],
        max_bytes=params["max_bytes"],
        max_reject_rate=params["max_reject_rate"],
        dedup_window_days=params.get("dedup_window_days"),
        lock_db=LOCK_DB,
    )


@dag(
    dag_id="news_etl",
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    # Dedup looks at every other published date, so dates publish one at a time, in order
    # (a backfill needs `--max-active-runs 1` too: its limit is separate from this one).
    max_active_runs=1,
    default_args={
        "retries": 2,
        "retry_delay": dt.timedelta(seconds=30),
        "retry_exponential_backoff": True,
        "max_retry_delay": dt.timedelta(minutes=10),
    },
    params={
        "date": Param(
            None,
            type=["null", "string"],
            pattern=r"^\d{4}-\d{2}-\d{2}$",
            description="Partition date YYYY-MM-DD; empty: the data interval's day",
        ),
        "raw": Param(RAW, type="string", minLength=1, description="Raw folder or fsspec URI; {date} is filled in"),
        "out": Param(OUT, type="string", minLength=1, description="Root of the processed datasets"),
        "shards": Param(2, type="integer", minimum=1, maximum=256, description="Parallel process_shard tasks"),
        "max_bytes": Param(DEFAULT_MAX_BYTES, type="integer", minimum=1),
        "max_reject_rate": Param(
            DEFAULT_MAX_REJECT_RATE, type="number", minimum=0, maximum=1, description="check_quality fails above this"
        ),
        # Nullable: the UI refuses to trigger while a required string param is empty.
        "sources": Param(
            SOURCES, type=["null", "string"], description="Sources file to fetch into raw first; empty: no fetch"
        ),
        "dedup_window_days": Param(
            None,
            type=["null", "integer"],
            minimum=0,
            description="Compare only with dates at most this many days away; empty: all dates",
        ),
    },
    tags=["newsetl"],
    doc_md=__doc__,
)
def news_etl():
    @task
    def resolve_date() -> str:
        ctx = get_current_context()
        day = resolve_partition_date(ctx["params"], ctx.get("data_interval_start"), ctx["dag_run"].run_after)
        return day.isoformat()

    @task(retries=3, retry_delay=dt.timedelta(minutes=2))
    def fetch(date: str) -> dict:
        """Land the sources' new articles in the raw day folder (a retry re-requests only what changed)."""
        params = get_current_context()["params"]
        if not params["sources"]:
            print("newsetl fetch: no sources file configured, nothing to fetch")
            return {"date": date, "outcomes": {}}
        from pipeline.ingest.fetch import fetch_sources
        from pipeline.ingest.landing import landing_for
        from pipeline.ingest.sources import load_sources

        day = dt.date.fromisoformat(date)
        config = load_sources(params["sources"])
        summary = fetch_sources(config.sources, landing_for(params["raw"], day), config.fetch, day)
        print(f"newsetl fetch {date}: {summary.outcomes} manifest={summary.manifest}")
        return summary.as_dict()

    @task
    def plan(date: str) -> list[dict]:
        from pipeline.run.plan import plan_partition

        ctx = get_current_context()
        settings = _settings(ctx["params"])
        # The Airflow run id keys the staging folder, so a retried task finds its run's files.
        planned = plan_partition(settings, dt.date.fromisoformat(date), settings.shards, run_key=ctx["run_id"])
        log.info(
            "newsetl %s: raw=%d excluded=%d in %d shards, staging %s",
            date,
            planned.n_raw,
            planned.n_excluded,
            len(planned.shards),
            planned.staging,
        )
        return [shard.as_dict() for shard in planned.shards]

    @task(map_index_template="{{ shard_label }}")
    def process_shard(shard: dict) -> dict:
        from pipeline.run.plan import Shard
        from pipeline.run.shards import process_shard

        ctx = get_current_context()
        piece = Shard(**shard)
        ctx["shard_label"] = f"shard {piece.index + 1}/{piece.count}"
        result = process_shard(_settings(ctx["params"]), piece)
        log.info(
            "newsetl shard %d/%d: docs=%d articles=%d rejects=%d seconds=%.2f",
            piece.index + 1,
            piece.count,
            result.n_docs,
            result.n_articles,
            result.n_rejects,
            result.seconds,
        )
        return result.as_dict()

    @task(outlets=[ARTICLES])
    def publish(results: list[dict]) -> dict:
        from pipeline.run.publish import publish_partition
        from pipeline.run.shards import ShardResult

        ctx = get_current_context()
        summary = publish_partition(_settings(ctx["params"]), [ShardResult(**r) for r in results], trigger="airflow")
        counts = {
            "date": summary.date.isoformat(),
            "raw": summary.n_raw,
            "articles": summary.n_articles,
            "duplicates": summary.n_duplicates,
            "rejects": summary.n_rejects,
        }
        log.info(
            "newsetl published %s reject_reasons=%s seconds=%s", counts, summary.reject_reasons, summary.stage_seconds
        )
        ctx["outlet_events"][ARTICLES].extra = counts
        return summary.as_dict()

    # A broken contract is not transient: fail the run at once rather than retry.
    @task(retries=0)
    def check_quality(published: dict) -> dict:
        from pipeline.checks.quality import QualityError, check_partition

        params = get_current_context()["params"]
        day = dt.date.fromisoformat(published["date"])
        result = check_partition(params["out"], day, params["max_reject_rate"], n_raw=published["n_raw"])
        log.info("newsetl quality %s", result.describe())
        if not result.ok:
            raise QualityError(result.describe())
        return published

    @task
    def report(summary: dict) -> list[str]:
        """HTML report of this run and of the whole dataset, written under `<out>/reports`."""
        from pipeline.checks.report import write_reports

        return write_reports(summary["out"], summary["run_id"])

    # The report is written even when the quality gate fails: it is what one reads to see why.
    date = resolve_date()
    shards = plan(date)
    fetch(date) >> shards
    published = publish(process_shard.expand(shard=shards))
    check_quality(published)
    report(published)


news_etl()
