"""newsetl: raw news-article text to clean, deduplicated, described, partitioned Parquet.

A plain library (it never imports Airflow): the `newsetl` CLI and the DAGs in `dags/` both call
`pipeline.run.partition.run_partition`. Analysts read the output with `pipeline.read_articles(...)` and its
siblings from `pipeline.readers` (imported on first use, so `import pipeline` stays cheap).
"""

from __future__ import annotations

__version__ = "0.1.0"

_READERS = ("read_articles", "read_duplicates", "read_rejects", "read_runs")


def __getattr__(name: str):
    if name in _READERS:
        from pipeline import readers

        return getattr(readers, name)
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")
