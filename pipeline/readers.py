"""Read the processed datasets back, typed: the date partition as a date, every column of the current schema.

`pd.read_parquet(dir)` already gives the partition as a date (see `schema._PANDAS_METADATA`), but a
plain directory read takes its columns from the first (oldest) file, so columns added by a newer
schema version vanish while old partitions come first. These readers always read with the current
schema: an older partition loads with nulls in the columns it predates.

    from pipeline.readers import read_articles
    df = read_articles(start="2024-05-01", end="2024-05-31", columns=["title", "word_count"], language="en")
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
import posixpath
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.dataset as ds
from fsspec.core import url_to_fs

from pipeline.schema import DATASETS, PARTITION_COLUMN
from pipeline.settings import DEFAULT_OUT

if TYPE_CHECKING:
    import pandas as pd

PARTITIONING = ds.partitioning(pa.schema([(PARTITION_COLUMN, pa.date32())]), flavor="hive")
"""Pass as `partitioning=` to `pyarrow.dataset.dataset` or `pd.read_parquet` to filter on dates."""

DateLike = dt.date | str | None


def dataset_schema(name: str) -> pa.Schema:
    """The dataset's schema with its partition column (a date32) appended, as every reader sees it."""
    schema = DATASETS[name]
    return schema.append(pa.field(PARTITION_COLUMN, pa.date32()))


def open_dataset(name: str, out: str = DEFAULT_OUT) -> ds.Dataset:
    """A pyarrow dataset of `<out>/<name>` with the current schema (empty when nothing is published)."""
    fs, root = url_to_fs(out)
    base = posixpath.join(root, name)
    schema = dataset_schema(name)
    if not fs.isdir(base):
        return ds.dataset(schema.empty_table())
    return ds.dataset(base, schema=schema, format="parquet", partitioning=PARTITIONING, filesystem=fs)


def _as_date(value: DateLike) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def read_table(
    name: str,
    out: str = DEFAULT_OUT,
    start: DateLike = None,
    end: DateLike = None,
    columns: Sequence[str] | None = None,
    **equals: object,
) -> pa.Table:
    """Rows of dataset `name` for dates in [start, end] whose columns equal `equals` (None: no condition)."""
    date = ds.field(PARTITION_COLUMN)
    conditions = [ds.field(column) == value for column, value in equals.items() if value is not None]
    if start is not None:
        conditions.append(date >= _as_date(start))
    if end is not None:
        conditions.append(date <= _as_date(end))
    where = functools.reduce(operator.and_, conditions) if conditions else None
    return open_dataset(name, out).to_table(columns=list(columns) if columns else None, filter=where)


def read_articles(
    start: DateLike = None,
    end: DateLike = None,
    columns: Sequence[str] | None = None,
    language: str | None = None,
    out: str = DEFAULT_OUT,
) -> pd.DataFrame:
    """Kept articles as a DataFrame, optionally restricted to a date range, some columns and a language."""
    return _to_frame(read_table("articles", out, start, end, columns, language=language))


def read_duplicates(
    start: DateLike = None,
    end: DateLike = None,
    columns: Sequence[str] | None = None,
    kind: str | None = None,
    out: str = DEFAULT_OUT,
) -> pd.DataFrame:
    """Dropped copies (each pointing at its kept article), optionally of one `kind`."""
    return _to_frame(read_table("duplicates", out, start, end, columns, kind=kind))


def read_rejects(
    start: DateLike = None,
    end: DateLike = None,
    columns: Sequence[str] | None = None,
    reason: str | None = None,
    out: str = DEFAULT_OUT,
) -> pd.DataFrame:
    """Unusable inputs with their reason code, optionally of one `reason`."""
    return _to_frame(read_table("rejects", out, start, end, columns, reason=reason))


def read_runs(
    start: DateLike = None, end: DateLike = None, columns: Sequence[str] | None = None, out: str = DEFAULT_OUT
) -> pd.DataFrame:
    """Every recorded run (several per date when a date was re-run), oldest first."""
    table = read_table("runs", out, start, end, columns)
    if "started_at" in table.column_names:
        table = table.sort_by("started_at")
    return _to_frame(table)


def _to_frame(table: pa.Table) -> pd.DataFrame:
    # Map columns (runs' reject_reasons, stage_seconds) as dicts rather than lists of pairs.
    return table.to_pandas(maps_as_pydicts="strict")


# A stopgap until articles carry extracted places: a capitalised name after "in"/"at"/"near" in
# the title ("Notre Dame in Paris catches fire" → Paris). Rough: it also takes event names.
_TITLE_PLACE = re.compile(r"\b(?:in|at|near)\s+(?:the\s+)?([A-ZÄÖÜ][\w'’.-]+(?:\s+[A-ZÄÖÜ][\w'’.-]+){0,2})")


def places_of(articles: pd.DataFrame) -> pd.Series:
    """Places each article is about, as lists: the `places` column when the dataset has one, else the
    dateline's place (`CLEVELAND, Feb 26 -` → Cleveland), else a place named in the title."""
    import pandas as pd

    if "places" in articles:
        return articles["places"].map(lambda v: list(v) if v is not None else [])
    datelines = articles["dateline"] if "dateline" in articles else pd.Series(None, index=articles.index)

    def guess(dateline: str | None, title: str) -> list[str]:
        if isinstance(dateline, str) and dateline.strip():
            place = re.split(r"[,(–-]", dateline, maxsplit=1)[0].strip()
            if place:
                return [place.title() if place.isupper() else place]
        return _TITLE_PLACE.findall(title or "")[:1]

    return pd.Series([guess(d, t) for d, t in zip(datelines, articles["title"], strict=True)], index=articles.index)
