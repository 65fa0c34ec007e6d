"""`newsetl`: the command-line driver (run, backfill, stats, query, report, migrate) of the DAG's functions."""

from __future__ import annotations

import datetime as dt
import functools
import os
from contextlib import contextmanager
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from pipeline.settings import DEFAULT_MAX_BYTES, DEFAULT_MAX_REJECT_RATE, DEFAULT_OUT, DEFAULT_RAW, Settings

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

app = typer.Typer(
    help="News-article ETL: raw article text → clean, deduplicated, described Parquet.", no_args_is_help=True
)


# rich is imported when something is shown: importing it cost ~40 ms of every command, quiet runs
# included (measured).
@functools.cache
def _stderr() -> Console:
    from rich.console import Console

    return Console(stderr=True)


@functools.cache
def _stdout() -> Console:
    from rich.console import Console

    return Console()


@contextmanager
def _exit_on(codes: dict[type[Exception], int]):
    """An expected error becomes one red line and the exit status `codes` gives its kind, not a traceback."""
    try:
        yield
    except tuple(codes) as exc:
        _stderr().print(f"[red]error:[/] {exc}")
        raise typer.Exit(next(code for kind, code in codes.items() if isinstance(exc, kind))) from exc


RawOpt = Annotated[str, typer.Option("--raw", help="Raw folder, glob or fsspec URI; '{date}' is replaced by the date.")]
OutOpt = Annotated[str, typer.Option("--out", help="Root of the processed datasets (path or fsspec URI).")]
WorkersOpt = Annotated[int, typer.Option("--workers", min=1, help="Processes that parse and clean in parallel.")]
# Two worker processes where there are two cores: the files are byte-identical (tests/test_etl.py) and
# the Reuters run is ~1.6x faster (bench/). Capped at two: each worker adds ~170 MB at peak, and
# more were not measured.
DEFAULT_WORKERS = min(2, os.cpu_count() or 1)
MaxBytesOpt = Annotated[int, typer.Option("--max-bytes", min=1, help="Inputs larger than this are rejected unread.")]
SourcesOpt = Annotated[str | None, typer.Option("--sources", help="Sources file (see sources.example.toml).")]
FeedOpt = Annotated[list[str] | None, typer.Option("--feed", help="RSS/Atom feed URL (repeatable).")]
UrlOpt = Annotated[list[str] | None, typer.Option("--url", help="Article URL (repeatable).")]
AllowPrivateOpt = Annotated[
    bool, typer.Option("--allow-private", help="Also fetch loopback/private addresses (tests, intranets).")
]
WindowOpt = Annotated[
    int | None,
    typer.Option(
        "--dedup-window-days", min=0, help="Compare only with dates at most this many days away (default: all)."
    ),
]
FollowOpt = Annotated[
    bool, typer.Option("--follow-symlinks", help="Read symbolic links that point outside the raw folder.")
]
LockWaitOpt = Annotated[
    float, typer.Option("--lock-wait", min=0, help="Seconds to wait for another run of the same date (0: fail).")
]
ShardsOpt = Annotated[
    int,
    typer.Option("--shards", min=0, help="Equal slices of the input (0: shrinking ones). Output is the same."),
]
RejectRateOpt = Annotated[
    float,
    typer.Option("--max-reject-rate", min=0.0, max=1.0, help="The quality check fails a date with more rejects."),
]


def _parse_date(value: str | None) -> dt.date:
    if value is None:
        return dt.datetime.now(dt.UTC).date()
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{value!r} is not a date in YYYY-MM-DD form") from exc


# The options `run` and `backfill` share, passed on to Settings under the same names.
_RUN_OPTIONS = (
    "workers",
    "shards",
    "max_bytes",
    "max_reject_rate",
    "dedup_window_days",
    "follow_symlinks",
    "lock_wait",
)


def _run_settings(raw: str, out: str, options: dict) -> Settings:
    """Settings of a run from the command's options (`locals()` of `run` or `backfill`)."""
    return Settings(raw=raw, out=out, **{name: options[name] for name in _RUN_OPTIONS})


def _run_one(settings: Settings, date: dt.date, quiet: bool):
    """Run one date, then check its partition: a broken contract exits 1 (the partition stays published)."""
    from pipeline.checks import quality
    from pipeline.ingest.listing import SourceNotFound
    from pipeline.io import commit, lock
    from pipeline.run.partition import run_partition
    from pipeline.run.pool import worker_pool

    with _progress_bar(date, quiet) as (advance, listed):
        with (
            _exit_on({SourceNotFound: 2, lock.PartitionBusy: 3, commit.PublishError: 1}),
            worker_pool(settings) as pool,
        ):
            summary = run_partition(settings, date, trigger="cli", progress=advance, on_listed=listed, pool=pool)
            report = quality.check_partition(
                settings.out, date, settings.max_reject_rate, n_raw=summary.n_raw, pool=pool
            )
    if not report.ok:
        _stderr().print(f"[red]quality check failed[/] {report.describe()}")
        raise typer.Exit(1)
    return summary


@contextmanager
def _progress_bar(date: dt.date, quiet: bool):
    """(advance by n inputs, set the total) of a transient progress bar on stderr; with `quiet`, no
    bar and (None, None)."""
    if quiet:
        yield None, None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn(f"[bold]{date.isoformat()}[/]"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=_stderr(), transient=True) as bar:
        task = bar.add_task("process", total=None)
        yield (lambda n: bar.advance(task, n)), (lambda total: bar.update(task, total=total))


def _summary_table(summaries) -> Table:
    from rich.table import Table

    table = Table(title="newsetl runs")
    for col in ("date", "raw", "articles", "duplicates", "rejects", "excluded", "seconds"):
        table.add_column(col, justify="right" if col not in ("date", "raw") else "left")
    for s in summaries:
        table.add_row(
            s.date.isoformat(),
            str(s.n_raw),
            str(s.n_articles),
            str(s.n_duplicates),
            ", ".join(f"{k}={v}" for k, v in s.reject_reasons.items()) or "0",
            str(s.n_excluded),
            f"{sum(s.stage_seconds.values()):.2f}",
        )
    return table


@app.command()
def run(
    date: Annotated[str | None, typer.Option("--date", help="Partition date YYYY-MM-DD (default: today, UTC).")] = None,
    raw: RawOpt = DEFAULT_RAW,
    out: OutOpt = DEFAULT_OUT,
    workers: WorkersOpt = DEFAULT_WORKERS,
    shards: ShardsOpt = 0,
    max_bytes: MaxBytesOpt = DEFAULT_MAX_BYTES,
    max_reject_rate: RejectRateOpt = DEFAULT_MAX_REJECT_RATE,
    dedup_window_days: WindowOpt = None,
    follow_symlinks: FollowOpt = False,
    lock_wait: LockWaitOpt = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or table.")] = False,
    fetch: Annotated[
        bool, typer.Option("--fetch", help="Fetch the sources into <raw>/YYYY-MM-DD first, then process that folder.")
    ] = False,
    sources: SourcesOpt = None,
    feed: FeedOpt = None,
    url: UrlOpt = None,
    allow_private: AllowPrivateOpt = False,
) -> None:
    """Process one date partition: read → parse → clean → describe → dedup → write → check."""
    day = _parse_date(date)
    if fetch:
        # A day on which nothing new lands has no folder: as a {date} template, that is an empty partition.
        raw = raw if "{date}" in raw else f"{raw.rstrip('/')}/{{date}}"
        overrides = {"allow_private": allow_private or None}
        _fetch_one(raw, day, sources_file=sources, feeds=feed, urls=url, overrides=overrides, quiet=quiet)
    elif sources or feed or url:
        raise typer.BadParameter("--sources, --feed and --url need --fetch")
    settings = _run_settings(raw, out, locals())
    summary = _run_one(settings, day, quiet)
    if not quiet:
        _stderr().print(_summary_table([summary]))
        _stderr().print(f"datasets under [bold]{out}[/]: articles, duplicates, rejects, runs")


@app.command()
def backfill(
    start: Annotated[str, typer.Option("--start", help="First date, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--end", help="Last date (inclusive), YYYY-MM-DD.")],
    raw: RawOpt = str(DEFAULT_RAW) + "/{date}",
    out: OutOpt = DEFAULT_OUT,
    workers: WorkersOpt = DEFAULT_WORKERS,
    shards: ShardsOpt = 0,
    max_bytes: MaxBytesOpt = DEFAULT_MAX_BYTES,
    max_reject_rate: RejectRateOpt = DEFAULT_MAX_REJECT_RATE,
    dedup_window_days: WindowOpt = None,
    follow_symlinks: FollowOpt = False,
    lock_wait: LockWaitOpt = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """Process every date from --start to --end, one partition each (raw from `<raw>/{date}`)."""
    first, last = _parse_date(start), _parse_date(end)
    if last < first:
        raise typer.BadParameter("--end is before --start")
    if "{date}" not in raw:
        raise typer.BadParameter("--raw must contain '{date}' so that each date reads its own folder")
    settings = _run_settings(raw, out, locals())
    summaries = []
    for offset in range((last - first).days + 1):
        summaries.append(_run_one(settings, first + dt.timedelta(days=offset), quiet))
    if not quiet:
        _stderr().print(_summary_table(summaries))


def _fetch_one(
    landing_raw: str,
    date: dt.date,
    *,
    sources_file: str | None = None,
    feeds: list[str] | None = None,
    urls: list[str] | None = None,
    paths: list[str] | None = None,
    urls_file: str | None = None,
    overrides: dict | None = None,
    quiet: bool = False,
):
    """Fetch the sources file's and the flags' sources into the landing zone of `date`."""
    from pipeline.ingest import fetch, landing, sources

    with _exit_on({sources.SourcesError: 2}):
        config = sources.load_sources(sources_file) if sources_file else None
        flagged = sources.sources_from_flags(feeds or [], urls or [], paths or [], urls_file)
        chosen = [*(config.sources if config else ()), *flagged]
        settings = sources.apply_overrides(config.fetch if config else sources.FetchSettings(), overrides or {})
    if not chosen:
        raise typer.BadParameter("nothing to fetch: give --sources FILE, --feed, --url, --urls-file or --path")
    summary = fetch.fetch_sources(chosen, landing.landing_for(landing_raw, date), settings, date)
    if not quiet:
        counts = ", ".join(f"{outcome}={n}" for outcome, n in summary.outcomes.items()) or "nothing"
        _stderr().print(f"fetch {date.isoformat()}: {counts}")
        _stderr().print(f"landed in [bold]{summary.landing}[/], manifest [bold]{summary.manifest}[/]")
    return summary


@app.command("fetch")
def fetch_command(
    date: Annotated[str | None, typer.Option("--date", help="Landing date YYYY-MM-DD (default: today, UTC).")] = None,
    landing: Annotated[
        str, typer.Option("--landing", help="Landing root (day folder <landing>/YYYY-MM-DD) or a '{date}' template.")
    ] = DEFAULT_RAW,
    sources: SourcesOpt = None,
    feed: FeedOpt = None,
    url: UrlOpt = None,
    path: Annotated[list[str] | None, typer.Option("--path", help="Folder, glob or fsspec URI to copy.")] = None,
    urls_file: Annotated[str | None, typer.Option("--urls-file", help="Text file of article URLs.")] = None,
    allow_private: AllowPrivateOpt = False,
    timeout: Annotated[float | None, typer.Option("--timeout", min=0, help="Connect/read timeout, s.")] = None,
    retries: Annotated[int | None, typer.Option("--retries", min=0, help="Retries on 5xx/connection errors.")] = None,
    backoff: Annotated[float | None, typer.Option("--backoff", min=0, help="Seconds before the first retry.")] = None,
    delay: Annotated[float | None, typer.Option("--delay", min=0, help="Seconds between requests to one host.")] = None,
    per_host: Annotated[int | None, typer.Option("--per-host", min=1, help="Requests in flight per host.")] = None,
    max_bytes: Annotated[int | None, typer.Option("--max-bytes", min=1, help="Abort bodies past this size.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """Fetch feeds, article URLs and folders into the landing zone, with a manifest of every request."""
    overrides = {
        "timeout": timeout,
        "retries": retries,
        "backoff": backoff,
        "delay": delay,
        "per_host": per_host,
        "max_bytes": max_bytes,
        "allow_private": allow_private or None,
    }
    day = _parse_date(date)
    _fetch_one(
        landing,
        day,
        sources_file=sources,
        feeds=feed,
        urls=url,
        paths=path,
        urls_file=urls_file,
        overrides=overrides,
        quiet=quiet,
    )


@app.command()
def delete(
    date: Annotated[str, typer.Option("--date", help="Partition date YYYY-MM-DD to remove.")],
    out: OutOpt = DEFAULT_OUT,
    lock_wait: LockWaitOpt = 0,
) -> None:
    """Remove one date's articles, duplicates, rejects and dedup-index partitions (the runs history stays)."""
    from pipeline.io import commit, lock
    from pipeline.io.partitions import delete_partition

    day = _parse_date(date)
    datasets = ("articles", "duplicates", "rejects", "dedup_index")
    # The locks of a run: never remove a date while a run of it, or another date's dedup, is under way.
    with _exit_on({lock.PartitionBusy: 3}), lock.partition_lock(out, day, lock_wait), lock.publish_lock(out):
        commit.recover(out)
        removed = delete_partition(out, day, datasets)
    if not removed:
        _stderr().print(f"[yellow]no partition {date} under {out}[/]")
        raise typer.Exit(1)
    for folder in removed:
        _stderr().print(f"removed {folder}")


@app.command()
def check(
    date: Annotated[str, typer.Option("--date", help="Partition date YYYY-MM-DD.")],
    out: OutOpt = DEFAULT_OUT,
    max_reject_rate: RejectRateOpt = DEFAULT_MAX_REJECT_RATE,
) -> None:
    """Check a published partition against the datasets' contract; exit 1 when it is broken."""
    from pipeline.checks import quality

    report = quality.check_partition(out, _parse_date(date), max_reject_rate)
    _stdout().print(report.describe())
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def stats(out: OutOpt = DEFAULT_OUT) -> None:
    """Summarise what the processed datasets hold, per date partition."""
    from pipeline.io.partitions import partition_dates, read_partition

    dates = sorted(
        set(partition_dates(out, "articles"))
        | set(partition_dates(out, "rejects"))
        | set(partition_dates(out, "duplicates"))
    )
    if not dates:
        _stderr().print(f"[yellow]no partitions under {out}[/]")
        raise typer.Exit(1)
    from rich.table import Table

    table = Table(title=f"datasets under {out}")
    for col in ("date", "articles", "duplicates", "rejects", "words", "languages"):
        table.add_column(col)
    totals = [0, 0, 0, 0]
    for day in dates:
        arts = read_partition(out, "articles", day, columns=["word_count", "language"])
        n_dup = read_partition(out, "duplicates", day, columns=["doc_id"]).num_rows
        n_rej = read_partition(out, "rejects", day, columns=["doc_id"]).num_rows
        words = sum(v or 0 for v in arts.column("word_count").to_pylist())
        langs: dict[str, int] = {}
        for lang in arts.column("language").to_pylist():
            langs[lang or "?"] = langs.get(lang or "?", 0) + 1
        top = ", ".join(f"{k}={v}" for k, v in sorted(langs.items(), key=lambda kv: -kv[1])[:4])
        table.add_row(day.isoformat(), str(arts.num_rows), str(n_dup), str(n_rej), f"{words:,}", top)
        for i, v in enumerate((arts.num_rows, n_dup, n_rej, words)):
            totals[i] += v
    table.add_row("total", str(totals[0]), str(totals[1]), str(totals[2]), f"{totals[3]:,}", "", style="bold")
    _stdout().print(table)


class QueryFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


@app.command()
def query(
    sql: Annotated[str, typer.Argument(help="DuckDB SQL over the views articles, duplicates, rejects and runs.")],
    out: OutOpt = DEFAULT_OUT,
    fmt: Annotated[QueryFormat, typer.Option("--format", "-f", help="Output: a table, CSV or JSON.")] = (
        QueryFormat.table
    ),
) -> None:
    """Run SQL over the datasets, e.g. newsetl query "select language, count(*) from articles group by all"."""
    import duckdb

    from pipeline import query as q

    with _exit_on({duckdb.Error: 2}):
        result = q.run_query(sql, out)
    if fmt is QueryFormat.csv:
        typer.echo(q.to_csv(result), nl=False)
    elif fmt is QueryFormat.json:
        typer.echo(q.to_json(result))
    else:
        from rich.table import Table

        table = Table(*result.columns, caption=f"{len(result.rows)} rows")
        for row in result.rows:
            table.add_row(*(q.format_cell(v) for v in row))
        _stdout().print(table)


@app.command()
def report(
    out: OutOpt = DEFAULT_OUT,
    run_id: Annotated[str | None, typer.Option("--run", help="Run id to report on (default: the latest run).")] = None,
    dest: Annotated[
        str | None, typer.Option("--dest", help="Folder for the HTML files (default: <out>/reports).")
    ] = None,
) -> None:
    """Write the HTML report of a run and of the whole dataset (self-contained: open them from disk)."""
    from pipeline.checks import report as rep

    with _exit_on({rep.NoRunsError: 2}):
        paths = rep.write_reports(out, run_id, dest)
    for path in paths:
        typer.echo(path)


@app.command()
def migrate(out: OutOpt = DEFAULT_OUT, lock_wait: LockWaitOpt = 0) -> None:
    """Rewrite files written by an older schema version into the current schema (new columns as nulls)."""
    from pipeline.io import lock, migration

    with _exit_on({migration.MigrationError: 2, lock.PartitionBusy: 3}):
        rewritten = migration.migrate(out, lock_wait)
    for name, paths in rewritten.items():
        _stderr().print(f"{name}: {len(paths)} files rewritten")


if __name__ == "__main__":
    app()
