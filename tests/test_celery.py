"""Past one machine: news_etl on Celery workers, PostgreSQL and Redis, with raw and out on an S3 store.

A 3-day backfill created with `airflow backfill create` and run by a real scheduler on two Celery
workers (separate AIRFLOW_HOMEs and temporary folders: nothing shared but the store and the
databases) publishes the same datasets as the local CLI's backfill of the same raw objects.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.airflow_local import Celery, local_airflow
from tests.conftest import DATASETS, build_dated_raw, run_cli
from tests.services import moto_s3, scratch_database

pytestmark = pytest.mark.slow

DATES = ["2024-05-01", "2024-05-02", "2024-05-03"]
BACKFILL_TIMEOUT = 900  # bounded, but generous for a loaded 2-core machine (about 3 min when idle)


def test_a_backfill_on_two_celery_workers_and_s3_publishes_the_local_cli_datasets(tmp_path: Path):
    with moto_s3(tmp_path / "moto.out") as s3, scratch_database("newsetl_airflow") as database:
        store = s3.fs()
        store.mkdir("news")
        store.put(f"{build_dated_raw(tmp_path / 'raw')}/", "news/raw/", recursive=True)
        raw = "s3://news/raw/{date}"
        cli_out = tmp_path / "cli_out"
        run_cli("backfill", "--start", DATES[0], "--end", DATES[-1], "--raw", raw, "--out", str(cli_out), "-q",
                env=s3.env)  # fmt: skip

        env = {**s3.env, "NEWSETL_RAW": raw, "NEWSETL_OUT": "s3://news/out", "NEWSETL_LOCK_DB": database}
        with local_airflow(tmp_path / "airflow", env, Celery(database, workers=2)) as airflow:
            airflow.backfill("news_etl", DATES, BACKFILL_TIMEOUT)
            workers = airflow.query(
                "SELECT DISTINCT hostname FROM task_instance WHERE run_id LIKE 'backfill%%' AND state = 'success'"
            )

        assert sorted(host for (host,) in workers) == ["worker-1", "worker-2"]
        for day in DATES:
            for name in DATASETS:
                local = cli_out / name / f"date={day}" / "part-0.parquet"
                remote = f"news/out/{name}/date={day}/part-0.parquet"
                assert pq.read_table(remote, filesystem=store).equals(pq.read_table(local)), f"{name} of {day}"
                assert store.cat(remote) == local.read_bytes(), f"{name} of {day} differs byte for byte"
        assert store.find("news/out/_staging") == [], "publish left staged files behind"
        assert store.find("news/out/_journal") == []
