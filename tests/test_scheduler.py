"""A real Airflow (scheduler, dag-processor, api-server) backfills news_etl like `newsetl backfill`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.airflow_local import local_airflow
from tests.conftest import assert_same_partitions, build_dated_raw, run_cli

pytestmark = pytest.mark.slow

DATES = ["2024-05-01", "2024-05-02", "2024-05-03"]
BACKFILL_TIMEOUT = 900  # bounded, but generous for a loaded 2-core machine (about 2 min when idle)


def test_airflow_backfill_under_a_scheduler_publishes_the_cli_backfill_partitions(tmp_path: Path):
    raw = build_dated_raw(tmp_path / "raw")
    cli_out, airflow_out = tmp_path / "cli_out", tmp_path / "airflow_out"
    run_cli(
        "backfill", "--start", DATES[0], "--end", DATES[-1], "--raw", f"{raw}/{{date}}", "--out", str(cli_out), "-q"
    )

    env = {"NEWSETL_RAW": f"{raw}/{{date}}", "NEWSETL_OUT": str(airflow_out)}
    with local_airflow(tmp_path / "airflow", env) as airflow:
        airflow.backfill("news_etl", DATES, BACKFILL_TIMEOUT)

    assert_same_partitions(cli_out, airflow_out, DATES)
    assert not any((airflow_out / "_staging").glob("*/*")), "publish left staged files behind"
