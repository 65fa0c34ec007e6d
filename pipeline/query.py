"""DuckDB SQL over the processed datasets: `articles`, `duplicates`, `rejects` and `runs` as views.

Each view scans the pyarrow dataset of `pipeline.readers.open_dataset`, so SQL sees exactly what
the Python readers see: the current schema (nulls in columns an older partition predates), `date`
as a DATE, filters pushed down to the partitions, and any fsspec location (no DuckDB extension to
download for s3 or gcs).
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
from dataclasses import dataclass

import duckdb

from pipeline.readers import open_dataset
from pipeline.schema import DATASETS
from pipeline.settings import DEFAULT_OUT


@dataclass(frozen=True, slots=True)
class QueryResult:
    columns: list[str]
    types: list[str]
    rows: list[tuple]


def connect(out: str = DEFAULT_OUT) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with one view per dataset under `out`."""
    con = duckdb.connect()
    for name in DATASETS:
        con.register(name, open_dataset(name, out))
    return con


def run_query(sql: str, out: str = DEFAULT_OUT) -> QueryResult:
    """Run one SQL statement over the datasets; raises duckdb.Error on bad SQL."""
    with connect(out) as con:
        rel = con.sql(sql)
        if rel is None:  # a statement without a result (SET, CREATE VIEW ...)
            return QueryResult([], [], [])
        return QueryResult(list(rel.columns), [str(t) for t in rel.types], rel.fetchall())


def _plain(value: object) -> object:
    """A JSON-friendly value: dates as ISO text, decimals as floats, maps and lists kept as such."""
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def format_cell(value: object) -> str:
    """One value as text for a table or CSV cell: lists and maps as JSON, null as empty."""
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def to_csv(result: QueryResult) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(result.columns)
    writer.writerows([format_cell(v) for v in row] for row in result.rows)
    return buf.getvalue()


def to_json(result: QueryResult) -> str:
    """Rows as a JSON array of objects (one per row, keyed by column name)."""
    records = [dict(zip(result.columns, (_plain(v) for v in row), strict=True)) for row in result.rows]
    return json.dumps(records, ensure_ascii=False, indent=1)
