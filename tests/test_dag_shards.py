"""news_etl's shape (mapped shards, quality gate, retries) and its partition date, then a real sharded run."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pendulum
import pytest
from conftest import PROJECT, assert_same_partitions, run_cli

DAGS = PROJECT / "dags"


@pytest.fixture(scope="module")
def news_etl():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS))
    assert bag.import_errors == {}
    return bag.dags["news_etl"]


def test_shards_are_mapped_between_plan_and_a_single_publish_followed_by_the_quality_gate(news_etl):
    tasks = news_etl.task_dict
    assert tasks["process_shard"].upstream_task_ids == {"plan"}
    assert tasks["publish"].upstream_task_ids == {"process_shard"}
    assert tasks["check_quality"].upstream_task_ids == {"publish"}
    from airflow.sdk.definitions.mappedoperator import MappedOperator

    assert isinstance(tasks["process_shard"], MappedOperator)
    assert news_etl.params["shards"] == 2


def test_tasks_retry_with_backoff_runs_are_serialised_and_a_broken_contract_is_not_retried(news_etl):
    publish = news_etl.task_dict["publish"]
    assert publish.retries == 2 and publish.retry_exponential_backoff
    assert news_etl.task_dict["check_quality"].retries == 0
    assert news_etl.max_active_runs == 1


def test_partition_date_is_the_param_then_the_data_interval_then_run_after():
    sys.path.insert(0, str(DAGS))
    try:
        from news_etl import resolve_partition_date
    finally:
        sys.path.remove(str(DAGS))
    interval_start = pendulum.datetime(2024, 5, 1, tz="UTC")
    run_after = pendulum.datetime(2024, 5, 9, 13, tz="UTC")
    assert resolve_partition_date({"date": "2024-04-30"}, interval_start, run_after) == dt.date(2024, 4, 30)
    assert resolve_partition_date({"date": None}, interval_start, run_after) == dt.date(2024, 5, 1)
    assert resolve_partition_date({}, None, run_after) == dt.date(2024, 5, 9)  # a manual run has no interval


@pytest.mark.slow
def test_airflow_dags_test_with_three_shards_publishes_the_cli_partition(sample_raw: Path, tmp_path: Path):
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(tmp_path / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    }
    airflow = str(Path(sys.executable).with_name("airflow"))
    conf = {"date": "2024-05-01", "raw": str(sample_raw), "out": str(tmp_path / "dag"), "shards": 3}
    for args in (["db", "migrate"], ["dags", "test", "news_etl", "-c", json.dumps(conf)]):
        proc = subprocess.run([airflow, *args], env=env, capture_output=True, text=True, timeout=600, cwd=PROJECT)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "newsetl quality 2024-05-01: raw=" in proc.stdout + proc.stderr

    run_cli("run", "--date", "2024-05-01", "--raw", str(sample_raw), "--out", str(tmp_path / "cli"), "-q")
    assert_same_partitions(tmp_path / "cli", tmp_path / "dag", ["2024-05-01"])
