"""news_etl: the daily newsetl job under Airflow 3 — a thin driver of `pipeline.etl.run_partition`.

Schedule: `CronDataIntervalTimetable` at 00:00 UTC, so the run that starts at midnight processes
the day that just ended (its data interval). A manual run processes the `date` param, else the
day of its `run_after` (manual Airflow 3 runs have no logical date).

Top-level code stays cheap to parse: the pipeline (pyarrow, fsspec, ...) is imported inside tasks.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pendulum
from airflow.sdk import Asset, CronDataIntervalTimetable, Param, dag, get_current_context, task

PROJECT = Path(__file__).resolve().parent.parent
RAW = os.environ.get("NEWSETL_RAW", str(PROJECT / "data" / "raw" / "{date}"))
OUT = os.environ.get("NEWSETL_OUT", str(PROJECT / "data" / "processed"))
SOURCES = os.environ.get("NEWSETL_SOURCES", "")  # sources file for the fetch task; empty: nothing to fetch
ARTICLES = Asset(name="newsetl_articles", uri=f"file://{OUT}/articles" if "://" not in OUT else f"{OUT}/articles")


def resolve_partition_date(params: dict, data_interval_start, run_after) -> dt.date:
    """Partition date: the `date` param, else the data interval's start, else the day of run_after."""
    if params.get("date"):
        return dt.date.fromisoformat(params["date"])
    if data_interval_start is not None:
        return data_interval_start.date()
    return run_after.date()


@dag(
    dag_id="news_etl",
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={
        "retries": 2,
        "retry_delay": dt.timedelta(seconds=30),
        "retry_exponential_backoff": True,
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
        "workers": Param(1, type="integer", minimum=1, maximum=64),
        "max_bytes": Param(16 * 1024 * 1024, type="integer", minimum=1),
        "sources": Param(SOURCES, type="string", description="Sources file to fetch into raw first; empty: no fetch"),
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
        run_after = ctx["dag_run"].run_after
        day = resolve_partition_date(ctx["params"], ctx.get("data_interval_start"), run_after)
        return day.isoformat()

    @task(retries=3, retry_delay=dt.timedelta(minutes=2))
    def fetch(date: str) -> dict:
        """Land the sources' new articles in the raw day folder (a retry re-requests only what changed)."""
        params = get_current_context()["params"]
        if not params["sources"]:
            print("newsetl fetch: no sources file configured, nothing to fetch")
            return {"date": date, "outcomes": {}}
        from pipeline.fetch import fetch_sources
        from pipeline.landing import landing_for
        from pipeline.sources import load_sources

        day = dt.date.fromisoformat(date)
        config = load_sources(params["sources"])
        summary = fetch_sources(config.sources, landing_for(params["raw"], day), config.fetch, day)
        print(f"newsetl fetch {date}: {summary.outcomes} manifest={summary.manifest}")
        return summary.as_dict()

    @task(outlets=[ARTICLES])
    def process(date: str) -> dict:
        from pipeline.etl import run_partition
        from pipeline.settings import Settings

        ctx = get_current_context()
        params = ctx["params"]
        settings = Settings(
            raw=params["raw"],
            out=params["out"],
            workers=params["workers"],
            max_bytes=params["max_bytes"],
            dedup_window_days=params.get("dedup_window_days"),
        )
        summary = run_partition(settings, dt.date.fromisoformat(date), trigger="airflow")
        counts = {
            "date": date,
            "raw": summary.n_raw,
            "articles": summary.n_articles,
            "duplicates": summary.n_duplicates,
            "rejects": summary.n_rejects,
        }
        print(f"newsetl {date}: {counts} reject_reasons={summary.reject_reasons} seconds={summary.stage_seconds}")
        ctx["outlet_events"][ARTICLES].extra = counts
        return summary.as_dict()

    @task
    def report(summary: dict) -> list[str]:
        """HTML report of this run and of the whole dataset, written under `<out>/reports`."""
        from pipeline.report import write_reports

        return write_reports(summary["out"], summary["run_id"])

    date = resolve_date()
    processed = process(date)
    fetch(date) >> processed
    report(processed)


news_etl()
