"""Data-quality contract of a partition, checked by reading its Parquet files back.

What a consumer may rely on: each dataset has its declared schema; every raw input is in exactly
one of articles, duplicates and rejects (raw = articles + duplicates + rejects); ids are unique;
no known trailer or credit (the rules of `pipeline/rules.py`) is left in an article body; no article
is far outside the corpus's size range (many articles read as one); and the share of rejects stays
under a threshold (a jump means a broken source or a broken parser, not bad luck). A run checks its
staged files before it commits them (`check_files`, called by `run.publish`: write, audit, then
publish); `newsetl check` checks a published date (`check_partition`).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.parquet as pq
from fsspec.core import url_to_fs

from pipeline.article.rules import RULES, any_of
from pipeline.io.arrow import column_values
from pipeline.io.partitions import PART, file_row_groups, partition_dir, read_partition, read_row_groups
from pipeline.schema import DATASETS

CHECKED = ("articles", "duplicates", "rejects")
_TAIL_RULES = [r for r in RULES if r.where == "tail"]
_ANYWHERE_RULES = [r for r in RULES if r.where == "anywhere"]
# Most bodies hold no rule's paragraph: one alternation per paragraph decides that in C.
_ANY_TAIL_RULE = any_of(_TAIL_RULES)
_ANY_ANYWHERE_RULE = any_of(_ANYWHERE_RULES)
# And two calls per body say whether any paragraph may: a paragraph an "anywhere" rule matches
# (stripped) is white space, the match, white space, between the body's start or a "\n\n" and the
# next "\n\n" or the end. The scan can also answer yes for a match spanning paragraphs, never no
# for one that is there; a yes is checked paragraph by paragraph. (A call per paragraph was ~0.08 s
# of a Reuters run's serial check, measured; the "\n\n" prefix lets the search skip to each one.)
_MAY_OPEN_BODY = re.compile(rf"\s*(?:{_ANY_ANYWHERE_RULE.pattern})\s*(?=\n\n|\Z)").match
_MAY_FOLLOW_BREAK = re.compile(rf"\n\n\s*(?:{_ANY_ANYWHERE_RULE.pattern})\s*(?=\n\n|\Z)").search


class QualityError(RuntimeError):
    """A partition breaks the datasets' contract (a run then keeps it in quarantine, unpublished)."""


@dataclass(slots=True)
class QualityReport:
    date: dt.date
    n_raw: int
    n_articles: int
    n_duplicates: int
    n_rejects: int
    reject_rate: float
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def describe(self) -> str:
        counts = (
            f"{self.date.isoformat()}: raw={self.n_raw} articles={self.n_articles} "
            f"duplicates={self.n_duplicates} rejects={self.n_rejects} reject_rate={self.reject_rate:.3f}"
        )
        return counts + ("; OK" if self.ok else "; FAILED: " + "; ".join(self.failures))


def check_partition(
    out: str, date: dt.date, max_reject_rate: float, n_raw: int | None = None, pool: Executor | None = None
) -> QualityReport:
    """Check one date's published partition; `n_raw` defaults to the count in the date's latest `runs` row."""
    files = {dataset: f"{partition_dir(out, dataset, date)}/{PART}" for dataset in CHECKED}
    return check_files(out, date, files, max_reject_rate, latest_run_count(out, date) if n_raw is None else n_raw, pool)


def check_files(
    out: str,
    date: dt.date,
    files: dict[str, str],
    max_reject_rate: float,
    n_raw: int | None,
    pool: Executor | None = None,
) -> QualityReport:
    """Check the articles, duplicates and rejects files (`files`, by dataset) of one date: the published
    ones, or a run's staged ones before they are committed (write-audit-publish, run.publish).
    `n_raw` None: the raw count is unknown (the date was never run), itself a failure.

    The files are read a row group at a time, only the columns checked: memory is the paths and
    ids of the partition, not its articles. The article bodies, most of the work, are scanned by
    the processes of `pool` when given (a run's workers, idle by then), a row group per task, while
    this process reads the paths and ids.
    """
    failures: list[str] = []
    counts: dict[str, int] = {}
    paths: list[str] = []
    ids: dict[str, list[str]] = {}
    words: list[int] = []
    scans = _scan_bodies(out, file_row_groups(out, files["articles"]), pool)
    for dataset in CHECKED:
        failures += _schema_failures(out, dataset, files[dataset])
        id_column = "article_id" if dataset == "articles" else "doc_id"
        counts[dataset], ids[dataset] = 0, []
        extra = ["word_count"] if dataset == "articles" else []
        for batch in read_row_groups(out, file_row_groups(out, files[dataset]), ["raw_path", id_column, *extra]):
            counts[dataset] += batch.num_rows
            paths += batch.column("raw_path").to_pylist()
            ids[dataset] += batch.column(id_column).to_pylist()
            if extra:
                words += batch.column("word_count").to_pylist()
    boilerplate = [found for scan in scans for found in scan()]
    n_articles, n_duplicates, n_rejects = (counts[d] for d in CHECKED)
    landed = n_articles + n_duplicates + n_rejects
    if n_raw is None:
        failures.append("no runs row for this date: the raw count is unknown")
        n_raw = landed
    elif landed != n_raw:
        failures.append(
            f"invariant broken: raw={n_raw} but articles+duplicates+rejects={landed} "
            f"({n_articles}+{n_duplicates}+{n_rejects})"
        )
    failures += _repeated("raw_path across the three datasets", paths)
    failures += _repeated("articles.article_id", ids["articles"])
    failures += _repeated("duplicates.doc_id", ids["duplicates"])
    failures += _repeated("rejects.doc_id", ids["rejects"])
    failures += _size_outliers(ids["articles"], words)
    if boilerplate:
        examples = [f"{article_id} ({rule})" for article_id, rule in boilerplate[:3]]
        failures.append(f"{len(boilerplate)} article bodies still hold boilerplate, e.g. {examples}")
    rate = n_rejects / n_raw if n_raw else 0.0
    if rate > max_reject_rate:
        failures.append(f"reject rate {rate:.3f} is over the threshold {max_reject_rate}")
    return QualityReport(
        date=date,
        n_raw=n_raw,
        n_articles=n_articles,
        n_duplicates=n_duplicates,
        n_rejects=n_rejects,
        reject_rate=round(rate, 4),
        failures=failures,
    )


# An article is far outside the size range of its corpus above this many times the partition's
# median word count (of three articles or more), and above SIZE_FLOOR words: the longest of 21,578
# Reuters stories has 2,373 words (median 91), of the bundled sample 1,168. A file of many articles
# read as one (a CSV, an article a line) runs to hundreds of thousands.
SIZE_FACTOR = 50
SIZE_FLOOR = 20_000


def _size_outliers(ids: list[str], words: list[int]) -> list[str]:
    """Articles far outside the corpus's size range (SIZE_FACTOR, SIZE_FLOOR): records read as one?"""
    if not words:
        return []
    median = sorted(words)[len(words) // 2] if len(words) >= 3 else 0  # (one or two articles: no range)
    limit = max(SIZE_FACTOR * median, SIZE_FLOOR)
    huge = [(n, article_id) for article_id, n in zip(ids, words, strict=True) if n > limit]
    if not huge:
        return []
    examples = [f"{article_id} ({n:,} words)" for n, article_id in sorted(huge, reverse=True)[:3]]
    return [
        f"{len(huge)} articles are far outside the corpus's size range (over {limit:,} words), e.g. {examples}: "
        "a file of many articles read as one? (--text-as lines/jsonl/csv reads it as records)"
    ]


def latest_run_count(out: str, date: dt.date) -> int | None:
    """n_raw of the most recent run of `date`, or None when the date was never run."""
    runs = read_partition(out, "runs", date, columns=["finished_at", "n_raw"])
    finished = column_values(runs.column("finished_at"))  # (to_pylist would import pandas for them)
    return runs.column("n_raw")[max(range(len(finished)), key=finished.__getitem__)].as_py() if finished else None


def _schema_failures(out: str, dataset: str, path: str) -> list[str]:
    fs, _ = url_to_fs(out)
    if not fs.exists(path):
        return [f"{dataset}: partition file {path} is missing"]
    found = pq.read_schema(path, filesystem=fs)
    expected = DATASETS[dataset]
    if found.equals(expected, check_metadata=False):
        return []
    want, got = {f.name: f for f in expected}, {f.name: f for f in found}
    missing, extra = sorted(want.keys() - got.keys()), sorted(got.keys() - want.keys())
    changed = sorted(n for n in want.keys() & got.keys() if not want[n].equals(got[n]))
    return [f"{dataset}: schema differs from the declared one: missing={missing} extra={extra} changed={changed}"]


def _repeated(what: str, values: list) -> list[str]:
    twice = sorted(str(v) for v, n in Counter(values).items() if n > 1)
    return [f"{what} not unique: {len(twice)} values repeated, e.g. {twice[:3]}"] if twice else []


def _scan_bodies(
    out: str, groups: list[tuple[str, int]], pool: Executor | None
) -> list[Callable[[], list[tuple[str, str]]]]:
    """The boilerplate scans of the articles' row groups, in order, each a call giving its findings:
    one task per row group submitted to `pool`, or without one, a single scan run when called."""
    if pool is None or len(groups) < 2:
        return [functools.partial(_boilerplate_in, out, groups)]
    # One thread per task: the pool's processes read side by side (Arrow's threads in each of them
    # made a row group's read up to ~10x slower, measured).
    return [pool.submit(_boilerplate_in, out, [group], False).result for group in groups]


def _boilerplate_in(out: str, groups: list[tuple[str, int]], use_threads: bool = True) -> list[tuple[str, str]]:
    return _boilerplate_of(read_row_groups(out, groups, ["article_id", "body"], use_threads))


def _boilerplate_of(batches: Iterable[pa.Table]) -> list[tuple[str, str]]:
    """_boilerplate_found over tables holding article_id and body."""
    found = []
    for batch in batches:
        found += _boilerplate_found(batch.column("article_id").to_pylist(), batch.column("body").to_pylist())
    return found


def _boilerplate_found(ids: list[str], bodies: list[str]) -> list[tuple[str, str]]:
    """Bodies that still hold a paragraph a cleaning rule should have removed: (id, rule) of each."""
    found = []
    for article_id, body in zip(ids, bodies, strict=True):
        # The last paragraph, stripped, as split() makes it: rpartition's may only start with one more "\n".
        tail = body.rpartition("\n\n")[2].strip()
        if not _ANY_TAIL_RULE.fullmatch(tail) and not _MAY_OPEN_BODY(body) and not _MAY_FOLLOW_BREAK(body):
            continue
        paragraphs = body.split("\n\n")
        rule = next((r for r in _TAIL_RULES if r.match(paragraphs[-1])), None) or next(
            (r for p in paragraphs for r in _ANYWHERE_RULES if r.match(p)), None
        )
        if rule is not None:
            found.append((article_id, rule.name))
    return found
