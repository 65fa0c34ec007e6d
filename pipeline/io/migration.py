"""Rewrite the files an older schema version wrote so that they match the current schema.

Adding nullable columns (the only change a minor version may make) needs no migration for
`pipeline.readers`, `newsetl query`, DuckDB with `union_by_name=true` or Polars given the schema:
they read an older partition with nulls in the new columns. A plain `pd.read_parquet(dir)` or
`pyarrow.dataset.dataset(dir)` however takes its columns from the first, oldest file, so the new
columns vanish until the old files are rewritten — which `migrate` does, one file at a time
through the same atomic write as the pipeline, under the locks a run takes. Removed or retyped
columns (a major version) are refused rather than guessed.
"""

from __future__ import annotations

import posixpath

import pyarrow as pa
import pyarrow.parquet as pq
from fsspec.core import url_to_fs

from pipeline.io import lock
from pipeline.io.parquet import write_partition
from pipeline.io.partitions import partition_dates, partition_dir
from pipeline.schema import DATASETS


class MigrationError(ValueError):
    """A file cannot be brought to the current schema by adding nullable columns."""


def align_table(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """`table` in `schema`: columns it predates added as nulls (only nullable ones), the rest cast."""
    extra = sorted(set(table.column_names) - set(schema.names))
    missing = [f.name for f in schema if f.name not in table.column_names and not f.nullable]
    if extra or missing:
        raise MigrationError(f"not an additive change: columns removed {extra}, non-nullable columns added {missing}")
    columns = [
        table[f.name].cast(f.type) if f.name in table.column_names else pa.nulls(table.num_rows, f.type) for f in schema
    ]
    return pa.Table.from_arrays(columns, schema=schema)


def _is_current(found: pa.Schema, schema: pa.Schema) -> bool:
    # Parquet names list items "element" where pyarrow says "item": compare types and metadata, not child names.
    return found.equals(schema) and found.metadata == schema.metadata


def migrate_partition(out: str, name: str, date) -> list[str]:
    """Rewrite every file of one date of dataset `name` whose schema is not the current one; returns their paths."""
    fs, _ = url_to_fs(out)
    schema = DATASETS[name]
    rewritten = []
    folder = partition_dir(out, name, date)
    for path in sorted(fs.ls(folder, detail=False)) if fs.isdir(folder) else []:
        base = posixpath.basename(path)
        if not base.endswith(".parquet") or base.startswith((".", "_")):
            continue
        if _is_current(pq.read_schema(path, filesystem=fs), schema):
            continue
        try:
            table = align_table(pq.read_table(path, filesystem=fs), schema)
        except MigrationError as exc:
            raise MigrationError(f"{path}: {exc}") from exc
        rewritten.append(write_partition(out, name, date, table, name=base))
    return rewritten


def migrate(out: str, lock_wait: float = 0, lock_db: str | None = None) -> dict[str, list[str]]:
    """Migrate every dataset under `out`, a date at a time under that date's lock and the publish lock
    (the locks of a run: a run never sees a date half migrated, nor a migration a date half published).
    Returns the rewritten files per dataset."""
    rewritten: dict[str, list[str]] = {name: [] for name in DATASETS}
    dates = sorted({date for name in DATASETS for date in partition_dates(out, name)})
    for date in dates:
        with lock.partition_lock(out, date, lock_wait, lock_db), lock.publish_lock(out, lock_db):
            for name in DATASETS:
                rewritten[name] += migrate_partition(out, name, date)
    return rewritten
