"""`newsetl`: the command-line driver (run, backfill, compact, stats, query, report, migrate) of the DAG's functions.

The options of `run` and `backfill` are the fields of `Settings` (flag, default, help and bounds
come from there), as the DAG's params are. Every expected error is one line on stderr and an exit
status of `ExitStatus`, never a traceback.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import inspect
import sys
import typing
from contextlib import contextmanager
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from pipeline.settings import DATED_RAW, DEFAULT_RAW, Settings, setting_fields

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table


class ExitStatus(IntEnum):
    """What a command's exit status says (also in `newsetl --help`)."""

    OK = 0
    FAILED = 1  # a write failed (nothing was published), or there was nothing to show
    USAGE = 2  # a bad option, date, raw source or output folder: nothing was done
    BUSY = 3  # another run holds the date's lock: nothing was done
    QUALITY = 4  # the partition failed its quality check: kept in quarantine, not published


app = typer.Typer(
    help="News-article ETL: raw article text → clean, deduplicated, described Parquet.",
    epilog="Exit status: 0 ok; 1 failed (nothing published, or nothing to show); 2 bad usage or input; "
    "3 the date is locked by another run; 4 quality check failed (kept in <out>/_quarantine, not published).",
    no_args_is_help=True,
)
DEFAULTS = Settings()


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


def _say(label: str, message: str) -> None:
    """One line on stderr, however long (never wrapped at the terminal's width)."""
    from rich.markup import escape

    _stderr().print(f"{label} {escape(' '.join(str(message).split()))}", soft_wrap=True)


def _error(message: str) -> None:
    _say("[red]error:[/]", message)


def _warn(message: str) -> None:
    _say("[yellow]warning:[/]", message)


def main() -> None:
    """The `newsetl` command, its process tuned first (`pipeline.run.tuning`)."""
    from pipeline.run import tuning

    tuning.tune_cli()
    sys.exit(_invoke())


def _invoke() -> int:
    """Run the app and return its exit status; a usage error is one line (not click's framed box)."""
    # typer carries its own copy of click (typer._click): its errors are not the click package's.
    from typer._click import exceptions as click

    try:
        result = app(standalone_mode=False)
    except click.NoArgsIsHelpError as exc:  # `newsetl` alone: the help, as asked
        exc.show()
        return exc.exit_code
    except click.ClickException as exc:
        context = getattr(exc, "ctx", None)
        _error(exc.format_message() + (f" (see '{context.command_path} --help')" if context else ""))
        return exc.exit_code
    except click.Abort:
        _error("aborted")
        return ExitStatus.FAILED
    except SystemExit as exc:
        return _exit_status(exc.code)
    return result if isinstance(result, int) else ExitStatus.OK


def _exit_status(code) -> int:
    """The process status `sys.exit(code)` would give (a message is printed to stderr, status 1)."""
    if code is None or isinstance(code, int):
        return code or 0
    print(code, file=sys.stderr)
    return 1


@contextmanager
def _exit_on(codes: dict[type[Exception], int]):
    """An expected error becomes one red line and the exit status `codes` gives its kind, not a traceback."""
    try:
        yield
    except tuple(codes) as exc:
        _error(str(exc))
        raise typer.Exit(next(code for kind, code in codes.items() if isinstance(exc, kind))) from exc


def _option_of(field: dataclasses.Field, hint, default) -> tuple[object, object]:
    """The annotation (type and typer.Option) and default of the CLI option of a Settings field."""
    bounds = {key[:3]: field.metadata[key] for key in ("minimum", "maximum") if field.metadata[key] is not None}
    if typing.get_origin(hint) is tuple:  # a repeatable option
        hint, default = list[typing.get_args(hint)[0]], list(default)
    flag = "--" + field.name.replace("_", "-")
    return Annotated[hint, typer.Option(flag, help=field.metadata["help"], **bounds)], default


def _option(name: str):
    """The annotation of the CLI option of one Settings field (its default: DEFAULTS.<name>)."""
    field, hint = next((f, h) for f, h in setting_fields() if f.name == name)
    return _option_of(field, hint, field.default)[0]


def _with_settings(**defaults):
    """Give a command an option per Settings field, gathered into its `settings` argument; `defaults`
    overrides a field's default for this command (backfill reads dated folders)."""

    def decorate(command):
        signature = inspect.signature(command)
        hints = typing.get_type_hints(command, include_extras=True)
        own = [p.replace(annotation=hints[p.name]) for p in signature.parameters.values() if p.name != "settings"]
        added = []
        for field, hint in setting_fields():
            annotation, default = _option_of(field, hint, defaults.get(field.name, field.default))
            added.append(
                inspect.Parameter(field.name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)
            )

        @functools.wraps(command)
        def with_options(**options):
            values = {field.name: options.pop(field.name) for field, _ in setting_fields()}
            return command(settings=Settings.of(values), **options)

        with_options.__signature__ = signature.replace(parameters=[*own, *added])
        return with_options

    return decorate


OutOpt = _option("out")
LockWaitOpt = _option("lock_wait")
LockDbOpt = _option("lock_db")
RejectRateOpt = _option("max_reject_rate")
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or table.")]
SourcesOpt = Annotated[str | None, typer.Option("--sources", help="Sources file (see sources.example.toml).")]
FeedOpt = Annotated[list[str] | None, typer.Option("--feed", help="RSS/Atom feed URL (repeatable).")]
UrlOpt = Annotated[list[str] | None, typer.Option("--url", help="Article URL (repeatable).")]
AllowPrivateOpt = Annotated[
    bool, typer.Option("--allow-private", help="Also fetch loopback/private addresses (tests, intranets).")
]


def _parse_date(value: str | None) -> dt.date:
    if value is None:
        return dt.datetime.now(dt.UTC).date()
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{value!r} is not a date in YYYY-MM-DD form") from exc


@functools.cache
def _show_library_warnings() -> None:
    """The pipeline's warnings (logging, e.g. a dated raw folder missing for a day) as one line each."""
    import logging

    class OneLine(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            _warn(record.getMessage())

    logging.getLogger("pipeline").addHandler(OneLine(logging.WARNING))


def _run_one(settings: Settings, date: dt.date, quiet: bool):
    """Run one date. A partition that fails its quality check is quarantined, not published (exit 4),
    unless the settings say publish_anyway (then a warning line)."""
    from pipeline.checks.quality import QualityError
    from pipeline.ingest.listing import SourceNotFound
    from pipeline.ingest.records import FieldsError
    from pipeline.io.commit import PublishError
    from pipeline.io.lock import LockUnavailable, PartitionBusy
    from pipeline.io.partitions import OutputNotAFolder
    from pipeline.run import tuning
    from pipeline.run.partition import run_partition

    _show_library_warnings()
    errors = {
        SourceNotFound: ExitStatus.USAGE,
        OutputNotAFolder: ExitStatus.USAGE,
        LockUnavailable: ExitStatus.USAGE,
        PartitionBusy: ExitStatus.BUSY,
        PublishError: ExitStatus.FAILED,
        QualityError: ExitStatus.QUALITY,
        FieldsError: ExitStatus.USAGE,
    }
    with _exit_on(errors), _progress_bar(date, quiet) as (advance, listed), tuning.tune_lone_run(settings.workers):
        summary = run_partition(settings, date, trigger="cli", progress=advance, on_listed=listed)
    if not summary.quality_ok:
        _warn(f"quality check failed, published anyway (--publish-anyway): {summary.quality}")
    return summary


@contextmanager
def _progress_bar(date: dt.date, quiet: bool):
    """(advance by n inputs, set the total) of a transient progress bar on stderr; with `quiet`, or
    when stderr is not a terminal (a log, a pipe: the bar would leave a blank line), no bar and (None, None)."""
    if quiet or not _stderr().is_terminal:
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
@_with_settings()
def run(
    date: Annotated[str | None, typer.Option("--date", help="Partition date YYYY-MM-DD (default: today, UTC).")] = None,
    quiet: QuietOpt = False,
    fetch: Annotated[
        bool,
        typer.Option("--fetch", help="Fetch the sources into <raw>/YYYY-MM-DD (default data/raw/) first, then run it."),
    ] = False,
    sources: SourcesOpt = None,
    feed: FeedOpt = None,
    url: UrlOpt = None,
    allow_private: AllowPrivateOpt = False,
    *,
    settings: Settings,
) -> None:
    """Process one date partition: read → parse → clean → describe → dedup → write → audit → publish."""
    day = _parse_date(date)
    if fetch:
        # Fetched files land in dated folders, never in the sample. A day on which nothing new lands
        # has no folder: as a {date} template, that is an empty partition.
        raw = DATED_RAW if settings.raw == DEFAULT_RAW else settings.raw
        raw = raw if "{date}" in raw else f"{raw.rstrip('/')}/{{date}}"
        settings = dataclasses.replace(settings, raw=raw)
        overrides = {"allow_private": allow_private or None}
        _fetch_one(raw, day, sources_file=sources, feeds=feed, urls=url, overrides=overrides, quiet=quiet)
    elif sources or feed or url:
        raise typer.BadParameter("--sources, --feed and --url need --fetch")
    summary = _run_one(settings, day, quiet)
    if not quiet:
        _stderr().print(_summary_table([summary]))
        _stderr().print(f"datasets under [bold]{settings.out}[/]: articles, duplicates, rejects, runs")


@app.command()
@_with_settings(raw=DATED_RAW)
def backfill(
    start: Annotated[str, typer.Option("--start", help="First date, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--end", help="Last date (inclusive), YYYY-MM-DD.")],
    quiet: QuietOpt = False,
    *,
    settings: Settings,
) -> None:
    """Process every date from --start to --end, one partition each (raw from `<raw>/{date}`)."""
    first, last = _parse_date(start), _parse_date(end)
    if last < first:
        raise typer.BadParameter("--end is before --start")
    if not settings.raw_is_dated:
        raise typer.BadParameter("--raw must contain '{date}' so that each date reads its own folder")
    summaries = []
    from pipeline.dedup.published import compact_levels

    for offset in range((last - first).days + 1):
        summaries.append(_run_one(settings, first + dt.timedelta(days=offset), quiet))
        compact_levels(settings)  # as the DAG does after each publish
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
    cc_news: list[str] | None = None,
    overrides: dict | None = None,
    quiet: bool = False,
):
    """Fetch the sources file's and the flags' sources into the landing zone of `date`."""
    from pipeline.ingest import fetch, landing, sources

    with _exit_on({sources.SourcesError: ExitStatus.USAGE}):
        config = sources.load_sources(sources_file) if sources_file else None
        flagged = sources.sources_from_flags(feeds or [], urls or [], paths or [], urls_file, cc_news or [])
        chosen = [*(config.sources if config else ()), *flagged]
        settings = sources.apply_overrides(config.fetch if config else sources.FetchSettings(), overrides or {})
    if not chosen:
        raise typer.BadParameter(
            "nothing to fetch: give --sources FILE, --feed, --url, --urls-file, --path or --cc-news"
        )
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
    ] = DATED_RAW,
    sources: SourcesOpt = None,
    feed: FeedOpt = None,
    url: UrlOpt = None,
    path: Annotated[list[str] | None, typer.Option("--path", help="Folder, glob or fsspec URI to copy.")] = None,
    urls_file: Annotated[str | None, typer.Option("--urls-file", help="Text file of article URLs.")] = None,
    cc_news: Annotated[
        list[str] | None,
        typer.Option(
            "--cc-news", help="Common Crawl CC-NEWS base URL: the date's WARC files (https://data.commoncrawl.org/)."
        ),
    ] = None,
    cc_news_files: Annotated[
        int | None, typer.Option("--cc-news-files", min=0, help="Only the first N CC-NEWS files of the date (0: all).")
    ] = None,
    warc_max_bytes: Annotated[
        int | None, typer.Option("--warc-max-bytes", min=1, help="Abort a CC-NEWS WARC file past this size.")
    ] = None,
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
        "cc_news_files": cc_news_files,
        "warc_max_bytes": warc_max_bytes,
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
        cc_news=cc_news,
        overrides=overrides,
        quiet=quiet,
    )


@app.command()
def delete(
    date: Annotated[str, typer.Option("--date", help="Partition date YYYY-MM-DD to remove.")],
    out: OutOpt = DEFAULTS.out,
    lock_wait: LockWaitOpt = DEFAULTS.lock_wait,
    lock_db: LockDbOpt = DEFAULTS.lock_db,
) -> None:
    """Remove one date's articles, duplicates, rejects and dedup-index partitions (the runs history stays)."""
    from pipeline.io import commit, lock
    from pipeline.io.partitions import OutputNotAFolder, delete_partition

    day = _parse_date(date)
    datasets = ("articles", "duplicates", "rejects", "dedup_index")
    errors = {
        lock.PartitionBusy: ExitStatus.BUSY,
        OutputNotAFolder: ExitStatus.USAGE,
        lock.LockUnavailable: ExitStatus.USAGE,
    }
    # The locks of a run: never remove a date while a run of it, or another date's dedup, is under way.
    with (
        _exit_on(errors),
        lock.partition_lock(out, day, lock_wait, lock_db),
        lock.publish_lock(out, lock_db),
    ):
        commit.recover(out)
        removed = delete_partition(out, day, datasets)
    if not removed:
        _error(f"no partition {date} under {out}")
        raise typer.Exit(ExitStatus.FAILED)
    for folder in removed:
        _stderr().print(f"removed {folder}")


@app.command()
@_with_settings()
def compact(quiet: QuietOpt = False, *, settings: Settings) -> None:
    """Merge the dedup levels a run leaves unmerged, and remove those of other MinHash settings
    (docs/dedup.md): the history's upkeep, out of the daily runs. The DAG runs it after publish."""
    from fsspec.core import url_to_fs

    from pipeline.dedup.published import compact_levels
    from pipeline.io import lock
    from pipeline.io.partitions import OutputNotAFolder

    fs, root = url_to_fs(settings.out)
    if not fs.isdir(root):
        _error(f"no output folder {settings.out}: nothing to compact")
        raise typer.Exit(ExitStatus.USAGE)
    errors = {OutputNotAFolder: ExitStatus.USAGE, lock.LockUnavailable: ExitStatus.USAGE}
    with _exit_on(errors):
        done = compact_levels(settings)
    if not quiet:
        stale = f", removed the levels of other MinHash settings: {', '.join(done.stale_removed)}"
        _stderr().print(
            f"dedup levels: {done.levels_before} -> {done.levels_after} ({done.entries:,} keys) in "
            f"{done.seconds:.1f} s{stale if done.stale_removed else ''}"
        )


@app.command()
def check(
    date: Annotated[str, typer.Option("--date", help="Partition date YYYY-MM-DD.")],
    out: OutOpt = DEFAULTS.out,
    max_reject_rate: RejectRateOpt = DEFAULTS.max_reject_rate,
) -> None:
    """Check a published partition against the datasets' contract; exit 4 when it is broken."""
    from pipeline.checks import quality

    report = quality.check_partition(out, _parse_date(date), max_reject_rate)
    if not report.ok:
        _error(f"quality check failed for {report.describe()}")
        raise typer.Exit(ExitStatus.QUALITY)
    _stdout().print(report.describe())


@app.command()
def stats(out: OutOpt = DEFAULTS.out) -> None:
    """Summarise what the processed datasets hold, per date partition."""
    from pipeline.io.partitions import partition_dates, read_partition

    dates = sorted(
        set(partition_dates(out, "articles"))
        | set(partition_dates(out, "rejects"))
        | set(partition_dates(out, "duplicates"))
    )
    if not dates:
        _error(f"no partitions under {out}")
        raise typer.Exit(ExitStatus.FAILED)
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
    out: OutOpt = DEFAULTS.out,
    fmt: Annotated[QueryFormat, typer.Option("--format", "-f", help="Output: a table, CSV or JSON.")] = (
        QueryFormat.table
    ),
) -> None:
    """Run SQL over the datasets, e.g. newsetl query "select language, count(*) from articles group by all"."""
    import duckdb

    from pipeline import query as q

    with _exit_on({duckdb.Error: ExitStatus.USAGE}):
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
    out: OutOpt = DEFAULTS.out,
    run_id: Annotated[str | None, typer.Option("--run", help="Run id to report on (default: the latest run).")] = None,
    dest: Annotated[
        str | None, typer.Option("--dest", help="Folder for the HTML files (default: <out>/reports).")
    ] = None,
) -> None:
    """Write the HTML report of a run and of the whole dataset (self-contained: open them from disk)."""
    from pipeline.checks import report as rep

    with _exit_on({rep.NoRunsError: ExitStatus.USAGE}):
        paths = rep.write_reports(out, run_id, dest)
    for path in paths:
        typer.echo(path)


@app.command()
def migrate(
    out: OutOpt = DEFAULTS.out, lock_wait: LockWaitOpt = DEFAULTS.lock_wait, lock_db: LockDbOpt = DEFAULTS.lock_db
) -> None:
    """Rewrite files written by an older schema version into the current schema (new columns as nulls)."""
    from pipeline.io import lock, migration

    errors = {
        migration.MigrationError: ExitStatus.USAGE,
        lock.LockUnavailable: ExitStatus.USAGE,
        lock.PartitionBusy: ExitStatus.BUSY,
    }
    with _exit_on(errors):
        rewritten = migration.migrate(out, lock_wait, lock_db)
    for name, paths in rewritten.items():
        _stderr().print(f"{name}: {len(paths)} files rewritten")


if __name__ == "__main__":
    main()
