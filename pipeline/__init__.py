"""newsetl: raw news-article text to clean, deduplicated, described, partitioned Parquet.

A plain library (it never imports Airflow): the `newsetl` CLI and the DAGs in `dags/` both call
`pipeline.etl.run_partition`.
"""

__version__ = "0.1.0"
