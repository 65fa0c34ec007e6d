"""SQLite connect arguments for the test Airflow (Airflow imports them by path from its config).

Scheduler, dag-processor, api-server and CLI commands share one SQLite file; pysqlite's default
5-second busy timeout let a CLI write (`backfill create`) fail with "database is locked" while the
scheduler held the write lock on a loaded machine. A longer wait makes it queue instead.
"""

CONNECT_ARGS = {"timeout": 120}
