"""news_etl: the daily newsetl job under Airflow 3 — a thin driver of `pipeline.run`'s three steps.

resolve_date → fetch → plan → process_shard (one mapped task per shard) → publish → report, compact.
`plan` lists the date's raw inputs into a manifest in the staging area and splits them into
`shards` slices (0: one per worker); each `process_shard` stages its outcomes; `publish`
deduplicates across shards and dates, writes the partition hidden, audits it (the quality check)
and only then commits it: write, audit, publish in one task, under the date's lock. A partition
that fails the audit is kept under `<out>/_quarantine/`, the published one stays, and the run
fails at once (no retry: the same inputs fail the same way), unless the `publish_anyway` param is
set. `report` writes the HTML reports; `compact` merges the dedup levels, the history's upkeep that
a run leaves out (docs/dedup.md). XCom carries only paths and counts.

The params are the fields of `pipeline.settings.Settings` (defaults, bounds and help from there),
plus `date` and `sources`.

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

import pendulum
from airflow.sdk import Asset, CronDataIntervalTimetable, Param, dag, get_current_context, task
from airflow.sdk.exceptions import AirflowFailException

from pipeline.settings import DATED_RAW, DEFAULT_OUT, param_schemas  # a light module: no pyarrow

RAW = os.environ.get("NEWSETL_RAW", DATED_RAW)
OUT = os.environ.get("NEWSETL_OUT", DEFAULT_OUT)
SOURCES = os.environ.get("NEWSETL_SOURCES") or None  # sources file for the fetch task; none: nothing to fetch
# The output's locks on an object store (docs/operations.md): a PostgreSQL URL, its password kept
# out of it (PGPASSWORD or ~/.pgpass on each worker), since params are shown and stored with each run.
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

    return Settings.of(params)


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
        **{name: Param(**schema) for name, schema in param_schemas(raw=RAW, out=OUT, lock_db=LOCK_DB).items()},
        # Nullable: the UI refuses to trigger while a required string param is empty.
        "sources": Param(
            SOURCES, type=["null", "string"], description="Sources file to fetch into raw first; empty: no fetch"
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
        shards = settings.shards or settings.workers
        planned = plan_partition(settings, dt.date.fromisoformat(date), shards, run_key=ctx["run_id"])
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
        """Write the partition hidden, audit it, then commit it (or quarantine it and fail the run)."""
        from pipeline.checks.quality import QualityError
        from pipeline.run.publish import publish_partition
        from pipeline.run.shards import ShardResult

        ctx = get_current_context()
        try:
            summary = publish_partition(
                _settings(ctx["params"]), [ShardResult(**r) for r in results], trigger="airflow"
            )
        except QualityError as exc:  # not transient: fail the run at once rather than retry
            raise AirflowFailException(str(exc)) from exc
        log.info("newsetl quality %s", summary.quality)
        if not summary.quality_ok:
            log.warning("newsetl quality check failed, published anyway (publish_anyway): %s", summary.quality)
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

    @task
    def report(summary: dict) -> list[str]:
        """HTML report of this run and of the whole dataset, written under `<out>/reports`."""
        from pipeline.checks.report import write_reports

        return write_reports(summary["out"], summary["run_id"])

    @task
    def compact(summary: dict) -> dict:
        """Merge the dedup levels the run left unmerged (docs/dedup.md): history upkeep off the run."""
        from pipeline.dedup.published import compact_levels

        return compact_levels(_settings(get_current_context()["params"])).as_dict()

    date = resolve_date()
    shards = plan(date)
    fetch(date) >> shards
    published = publish(process_shard.expand(shard=shards))
    report(published)
    compact(published)


news_etl()
