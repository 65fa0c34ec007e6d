"""Run report: a self-contained HTML page per run and one for the whole dataset, charts beside their numbers.

Counts and timings come from the `runs` dataset (for the whole dataset: the latest run of each
date, the one whose partition is published); lengths, languages, agencies and places from the
articles themselves. Charts are matplotlib PNGs embedded as base64 `data:` URIs: the page opens
from disk, offline, with no server, script or external file.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import posixpath
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fsspec.core import url_to_fs

from pipeline import __version__, readers
from pipeline.schema import DATASETS
from pipeline.settings import DEFAULT_OUT

if TYPE_CHECKING:
    import pandas as pd

TOP = 10
# What the article charts read; `places` too once the articles carry it (see readers.places_of).
ARTICLE_COLUMNS = [
    c
    for c in ("title", "dateline", "word_count", "language", "agencies", "published_at", "places")
    if c in DATASETS["articles"].names
]
_BLUE, _GREY, _ORANGE, _RED = "#3b6ea8", "#9aa5b1", "#e0883a", "#c0392b"


class NoRunsError(LookupError):
    """There is no (matching) run under the output root to report on."""


@dataclass(frozen=True, slots=True)
class Section:
    """One chart with the numbers it draws: `rows[i][0]` is the row's key (rendered as data-key)."""

    key: str
    title: str
    chart: str  # base64 PNG
    columns: list[str]
    rows: list[list[object]]
    note: str = ""


@dataclass(slots=True)
class Report:
    name: str  # file stem: run-<id> or dataset
    title: str
    subtitle: str
    facts: list[tuple[str, str, object]]  # (key, label, value)
    sections: list[Section] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- charts


def _figure(height: float):
    # The object-oriented API, not pyplot: no global state, no GUI backend, safe inside Airflow workers.
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, height), dpi=100, layout="constrained")
    return fig, fig.add_subplot()


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return base64.b64encode(buf.getvalue()).decode("ascii")


def empty_chart(message: str = "no data") -> str:
    """A short placeholder, so that every section still has its chart."""
    fig, ax = _figure(0.8)
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=12, color=_GREY, transform=ax.transAxes)
    ax.set_axis_off()
    return _png(fig)


def bar_chart(labels: Sequence[str], values: Sequence[float], xlabel: str, highlight: str | None = None) -> str:
    """Horizontal bars, first label on top, each bar labelled with its value."""
    if not labels:
        return empty_chart()
    fig, ax = _figure(max(1.6, 0.32 * len(labels) + 0.9))
    colors = [_ORANGE if label == highlight else _BLUE for label in labels]
    bars = ax.barh(list(labels)[::-1], list(values)[::-1], color=colors[::-1])
    ax.bar_label(bars, labels=[_short(v) for v in list(values)[::-1]], padding=3, fontsize=9)
    ax.set_xlabel(xlabel)
    ax.margins(x=0.15)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def day_chart(days: Sequence[dt.date], series: dict[str, Sequence[float]], ylabel: str, stacked: bool) -> str:
    """One value per day: stacked bars (counts) or lines with markers (rates, drawn as percentages)."""
    from matplotlib.ticker import PercentFormatter

    if not days:
        return empty_chart()
    fig, ax = _figure(2.8)
    x = list(range(len(days)))
    bottom = [0.0] * len(days)
    for (name, values), color in zip(series.items(), (_BLUE, _ORANGE, _RED, _GREY), strict=False):
        if stacked:
            ax.bar(x, values, bottom=bottom, label=name, color=color)
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        else:
            ax.plot(x, values, marker="o", label=name, color=color)
    pad = max(0.0, (5 - len(days)) / 2)  # a day or two: keep the bars slim
    ax.set_xlim(-0.5 - pad, len(days) - 0.5 + pad)
    step = max(1, len(days) // 12)
    ax.set_xticks(x[::step], [d.isoformat() for d in days][::step], rotation=30, ha="right", fontsize=8)
    ax.set_ylabel(ylabel)
    if not stacked:
        ax.yaxis.set_major_formatter(PercentFormatter(xmax=1))
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1, 1))
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def histogram(values: Sequence[int], xlabel: str) -> str:
    if not len(values):
        return empty_chart()
    fig, ax = _figure(2.6)
    ax.hist(values, bins=min(30, max(5, len(values) // 3)), color=_BLUE, edgecolor="white")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("articles")
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def _short(value: float) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.3g}" if value < 10 else f"{value:,.1f}"
    return f"{int(value):,}"


# ---------------------------------------------------------------- numbers


def _ranked(counter: Counter, top: int = TOP) -> tuple[list[str], list[int]]:
    pairs = sorted(counter.items(), key=lambda kv: (-kv[1], str(kv[0])))[:top]
    return [str(k) for k, _ in pairs], [v for _, v in pairs]


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _sum_maps(maps: Sequence[dict]) -> dict:
    total: Counter = Counter()
    for m in maps:
        total.update(m or {})
    return dict(total)


def _ranked_section(key: str, title: str, counter: Counter, columns: tuple[str, str], note: str = "") -> Section:
    """The most frequent values as bars, largest first."""
    labels, values = _ranked(counter)
    rows = [[k, v] for k, v in zip(labels, values, strict=True)]
    return Section(key, title, bar_chart(labels, values, columns[1]), list(columns), rows, note)


def run_sections(runs: pd.DataFrame) -> list[Section]:
    """Sections drawn from `runs` rows (one row: one run; several: the latest run of each date)."""
    days = list(runs["date"])
    n_raw, n_art, n_dup, n_rej = (
        runs[c].astype(int).tolist() for c in ("n_raw", "n_articles", "n_duplicates", "n_rejects")
    )
    n_excl = int(runs["n_excluded"].sum())
    stages = [
        ("listed files", sum(n_raw) + n_excl),
        ("excluded", n_excl),
        ("raw inputs", sum(n_raw)),
        ("articles", sum(n_art)),
        ("duplicates", sum(n_dup)),
        ("rejects", sum(n_rej)),
    ]
    dup_rate = [_ratio(d, r) for d, r in zip(n_dup, n_raw, strict=True)]
    rej_rate = [_ratio(j, r) for j, r in zip(n_rej, n_raw, strict=True)]
    seconds = _sum_maps(runs["stage_seconds"].tolist())
    slowest = max(seconds, key=seconds.get) if seconds else None
    return [
        Section(
            "stages",
            "Counts per stage",
            bar_chart([s for s, _ in stages], [n for _, n in stages], "files"),
            ["stage", "count"],
            [list(s) for s in stages],
            "Every raw input ends in exactly one of articles, duplicates and rejects.",
        ),
        Section(
            "per_day",
            "Articles per day (partition date)",
            day_chart(days, {"articles": n_art, "duplicates": n_dup, "rejects": n_rej}, "inputs", stacked=True),
            ["date", "articles", "duplicates", "rejects"],
            [[d.isoformat(), a, u, j] for d, a, u, j in zip(days, n_art, n_dup, n_rej, strict=True)],
        ),
        Section(
            "rates",
            "Duplicate and reject rates per day",
            day_chart(
                days, {"duplicate rate": dup_rate, "reject rate": rej_rate}, "share of raw inputs", stacked=False
            ),
            ["date", "duplicate rate", "reject rate"],
            [[d.isoformat(), f"{u:.2%}", f"{j:.2%}"] for d, u, j in zip(days, dup_rate, rej_rate, strict=True)],
        ),
        _ranked_section(
            "reasons", "Reject reasons", Counter(_sum_maps(runs["reject_reasons"].tolist())), ("reason", "rejects")
        ),
        Section(
            "stage_seconds",
            "Seconds per stage" + (f" — slowest: {slowest}" if slowest else ""),
            bar_chart(list(seconds), [round(v, 3) for v in seconds.values()], "seconds", highlight=slowest),
            ["stage", "seconds"],
            [[k, f"{v:.3f}"] for k, v in seconds.items()],
        ),
    ]


def article_sections(articles: pd.DataFrame) -> list[Section]:
    """Sections drawn from the articles themselves: lengths, publication months, languages, agencies, places."""
    words = articles["word_count"].astype(int)
    quantiles = [("articles", len(words))]
    if len(words):
        quantiles += [
            ("min", int(words.min())),
            ("median", int(words.median())),
            ("mean", round(float(words.mean()), 1)),
            ("p90", int(words.quantile(0.9))),
            ("max", int(words.max())),
        ]
    published = articles["published_at"].dropna()
    months = Counter(published.dt.strftime("%Y-%m")) if len(published) else Counter()
    month_labels = sorted(months)
    place_note = (
        "From the articles' extracted `places`."
        if "places" in articles
        else "Stopgap until places are extracted: the dateline's place, else a place named in the title "
        "after “in/at/near” (rough)."
    )
    return [
        Section(
            "lengths",
            "Length distribution",
            histogram(words.tolist(), "words per article"),
            ["statistic", "words"],
            [list(q) for q in quantiles],
        ),
        Section(
            "published",
            "Articles by publication month",
            bar_chart(month_labels, [months[m] for m in month_labels], "articles"),
            ["month", "articles"],
            [[m, months[m]] for m in month_labels],
            f"{len(articles) - len(published)} articles have no publication date.",
        ),
        _ranked_section(
            "languages", "Languages", Counter(articles["language"].fillna("unknown")), ("language", "articles")
        ),
        _ranked_section(
            "agencies",
            f"Top {TOP} agencies credited",
            Counter(articles["agencies"].explode().dropna()),
            ("agency", "articles"),
        ),
        _ranked_section(
            "places",
            f"Top {TOP} places",
            Counter(readers.places_of(articles).explode().dropna()),
            ("place", "articles"),
            place_note,
        ),
    ]


def _facts(runs: pd.DataFrame) -> list[tuple[str, str, object]]:
    totals = {c: int(runs[c].sum()) for c in ("n_raw", "n_excluded", "n_articles", "n_duplicates", "n_rejects")}
    seconds = _sum_maps(runs["stage_seconds"].tolist())
    return [
        ("n_raw", "raw inputs", totals["n_raw"]),
        ("n_excluded", "excluded files", totals["n_excluded"]),
        ("n_articles", "articles", totals["n_articles"]),
        ("n_duplicates", "duplicates", totals["n_duplicates"]),
        ("n_rejects", "rejects", totals["n_rejects"]),
        ("duplicate_rate", "duplicate rate", f"{_ratio(totals['n_duplicates'], totals['n_raw']):.2%}"),
        ("reject_rate", "reject rate", f"{_ratio(totals['n_rejects'], totals['n_raw']):.2%}"),
        ("seconds", "seconds", f"{sum(seconds.values()):.2f}"),
        ("slowest_stage", "slowest stage", max(seconds, key=seconds.get) if seconds else "—"),
    ]


# ---------------------------------------------------------------- reports


def current_runs(runs: pd.DataFrame) -> pd.DataFrame:
    """The latest run of each date: the one whose partition is published (a re-run replaces a date)."""
    return runs.sort_values("started_at").drop_duplicates("date", keep="last").sort_values("date")


def build_run_report(out: str = DEFAULT_OUT, run_id: str | None = None) -> Report:
    """The report of one run (default: the latest)."""
    runs = readers.read_runs(out=out)
    if run_id is not None:
        runs_of_id = runs[runs["run_id"] == run_id]
    else:
        runs_of_id = runs.tail(1)
    if runs_of_id.empty:
        raise NoRunsError(f"no run {run_id} under {out}" if run_id else f"no runs under {out}")
    run = runs_of_id.iloc[0]
    date = run["date"]
    report = Report(
        name=f"run-{run['run_id']}",
        title=f"newsetl run {run['run_id']}",
        subtitle=f"partition {date.isoformat()} · trigger {run['trigger']} · "
        f"{run['started_at']:%Y-%m-%d %H:%M:%S} → {run['finished_at']:%H:%M:%S} UTC · raw {run['raw_uri']}",
        facts=[("run_id", "run", run["run_id"]), ("date", "partition date", date.isoformat()), *_facts(runs_of_id)],
    )
    latest = current_runs(runs)
    replaced_by = latest.loc[latest["date"] == date, "run_id"].iloc[0]
    if replaced_by != run["run_id"]:
        report.notes.append(
            f"Run {replaced_by} re-ran {date.isoformat()} later and replaced its partition: the article "
            "charts below describe the partition as it is now; the counts are this run's."
        )
    articles = readers.read_articles(start=date, end=date, columns=ARTICLE_COLUMNS, out=out)
    report.sections = run_sections(runs_of_id) + article_sections(articles)
    return report


def build_dataset_report(out: str = DEFAULT_OUT) -> Report:
    """The report of everything published under `out`: the latest run of each date and every article."""
    runs = readers.read_runs(out=out)
    if runs.empty:
        raise NoRunsError(f"no runs under {out}")
    latest = current_runs(runs)
    days = latest["date"]
    report = Report(
        name="dataset",
        title="newsetl dataset",
        subtitle=f"{out} · {len(latest)} dates from {days.min().isoformat()} to {days.max().isoformat()} · "
        f"{len(runs)} runs recorded",
        facts=[("n_dates", "dates", len(latest)), *_facts(latest)],
    )
    articles = readers.read_articles(columns=ARTICLE_COLUMNS, out=out)
    report.sections = run_sections(latest) + article_sections(articles)
    return report


# ---------------------------------------------------------------- HTML

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f5f6f8;color:#1f2933}
header{background:#1f2933;color:#fff;padding:18px 28px}header h1{margin:0;font-size:22px}
header p{margin:4px 0 0;color:#cbd2d9;font-size:13px}main{padding:18px 28px;max-width:1200px}
.facts{display:flex;flex-wrap:wrap;gap:10px;margin-bottom:18px}
.fact{background:#fff;border-radius:6px;padding:8px 14px;box-shadow:0 1px 2px #0002;min-width:96px}
.fact .v{font-size:20px;font-weight:600}.fact .k{font-size:12px;color:#616e7c}
section{background:#fff;border-radius:6px;box-shadow:0 1px 2px #0002;margin-bottom:16px;padding:12px 16px}
section h2{font-size:16px;margin:0 0 8px}.row{display:flex;gap:20px;align-items:flex-start;flex-wrap:wrap}
.row img{flex:0 1 640px;min-width:0;height:auto}.row>div{flex:1 1 260px}table{border-collapse:collapse;font-size:13px}
th,td{padding:3px 10px;border-bottom:1px solid #e4e7eb;text-align:left}td.n{text-align:right}
.note{color:#616e7c;font-size:12px;margin:6px 0 0}.warn{background:#fff4e5;padding:8px 12px;border-radius:6px}
footer{color:#9aa5b1;font-size:12px;padding:0 28px 20px}
"""


def _cell(value: object) -> str:
    css = ' class="n"' if isinstance(value, int | float) else ""
    return f"<td{css}>{html.escape(_short(value) if isinstance(value, int | float) else str(value))}</td>"


def _section_html(s: Section) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in s.columns)
    body = "".join(
        f'<tr data-key="{html.escape(str(row[0]))}">' + "".join(_cell(v) for v in row) + "</tr>" for row in s.rows
    )
    note = f'<p class="note">{html.escape(s.note)}</p>' if s.note else ""
    return (
        f'<section id="{s.key}" data-section="{s.key}"><h2>{html.escape(s.title)}</h2><div class="row">'
        f'<img alt="{html.escape(s.title)} chart" src="data:image/png;base64,{s.chart}">'
        f"<div><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{note}</div></div></section>"
    )


def render_html(report: Report) -> str:
    """The report as one HTML document with everything inline."""
    facts = "".join(
        f'<div class="fact"><div class="v" data-key="{key}">{html.escape(_short(v) if isinstance(v, int) else str(v))}'
        f'</div><div class="k">{html.escape(label)}</div></div>'
        for key, label, v in report.facts
    )
    notes = "".join(f'<p class="warn">{html.escape(n)}</p>' for n in report.notes)
    generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(report.title)}</title><style>{_CSS}</style></head><body>"
        f"<header><h1>{html.escape(report.title)}</h1><p>{html.escape(report.subtitle)}</p></header>"
        f'<main><div class="facts">{facts}</div>{notes}{"".join(_section_html(s) for s in report.sections)}</main>'
        f"<footer>newsetl {__version__} · generated {generated}</footer></body></html>"
    )


def write_reports(out: str = DEFAULT_OUT, run_id: str | None = None, dest: str | None = None) -> list[str]:
    """Write `run-<id>.html` (default: the latest run) and `dataset.html` under `dest` (default `<out>/reports`)."""
    fs, root = url_to_fs(dest or posixpath.join(out, "reports"))
    fs.makedirs(root, exist_ok=True)
    written = []
    for report in (build_run_report(out, run_id), build_dataset_report(out)):
        path = posixpath.join(root, f"{report.name}.html")
        with fs.open(path, "w", encoding="utf-8") as fh:
            fh.write(render_html(report))
        written.append(path)
    return written
