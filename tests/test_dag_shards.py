"""news_etl's shape (mapped shards, quality gate, retries) and its partition date, then a real sharded run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT, assert_same_partitions, run_cli

DAGS = PROJECT / "dags"


@pytest.fixture(scope="module")
def airflow_env(tmp_path_factory) -> dict[str, str]:
    """A private AIRFLOW_HOME: Airflow runs in subprocesses, so the test session never touches ~/airflow."""
    return {
        **os.environ,
        "AIRFLOW_HOME": str(tmp_path_factory.mktemp("airflow_home")),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    }


@pytest.fixture(scope="module")
def shape(airflow_env) -> dict:
    """What the parsed DAG says about its tasks, and the partition dates its resolver picks."""
    code = f"""
import json, sys
import pendulum
from airflow.dag_processing.dagbag import DagBag
from airflow.sdk.definitions.mappedoperator import MappedOperator
bag = DagBag(dag_folder={str(DAGS)!r})
dag = bag.dags["news_etl"]
sys.path.insert(0, {str(DAGS)!r})
from news_etl import resolve_partition_date
start, after = pendulum.datetime(2024, 5, 1, tz="UTC"), pendulum.datetime(2024, 5, 9, 13, tz="UTC")
print(json.dumps({{
    "errors": {{k: str(v) for k, v in bag.import_errors.items()}},
    "upstream": {{t.task_id: sorted(t.upstream_task_ids) for t in dag.tasks}},
    "mapped": sorted(t.task_id for t in dag.tasks if isinstance(t, MappedOperator)),
    "shards": dag.params["shards"],
    "retries": {{t.task_id: [t.retries, t.retry_exponential_backoff] for t in dag.tasks}},
    "max_active_runs": dag.max_active_runs,
    "dates": [
        str(resolve_partition_date({{"date": "2024-04-30"}}, start, after)),
        str(resolve_partition_date({{"date": None}}, start, after)),
        str(resolve_partition_date({{}}, None, after)),
    ],
}}))
"""
    proc = subprocess.run([sys.executable, "-c", code], env=airflow_env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-4000:]
    info = json.loads(proc.stdout.strip().splitlines()[-1])
    assert info["errors"] == {}
    return info


def test_shards_are_mapped_between_plan_and_a_single_publish_followed_by_the_quality_gate(shape):
    assert shape["mapped"] == ["process_shard"]
    assert shape["upstream"]["process_shard"] == ["plan"]
    assert shape["upstream"]["publish"] == ["process_shard"]
    assert shape["upstream"]["check_quality"] == ["publish"]
    assert shape["shards"] == 2


def test_tasks_retry_with_backoff_runs_are_serialised_and_a_broken_contract_is_not_retried(shape):
    for task_id in ("plan", "process_shard", "publish"):
        retries, backoff = shape["retries"][task_id]
        assert retries == 2 and backoff, task_id  # Airflow 3.3 stores the backoff as a multiplier (2.0)
    assert shape["retries"]["check_quality"][0] == 0
    assert shape["max_active_runs"] == 1


def test_partition_date_is_the_param_then_the_data_interval_then_run_after(shape):
    # The last one is a manual run: no data interval in Airflow 3, so the day it runs on.
    assert shape["dates"] == ["2024-04-30", "2024-05-01", "2024-05-09"]


def _airflow(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    airflow = str(Path(sys.executable).with_name("airflow"))
    return subprocess.run([airflow, *args], env=env, capture_output=True, text=True, timeout=600, cwd=PROJECT)


@pytest.fixture(scope="module")
def migrated(airflow_env) -> dict[str, str]:
    proc = _airflow(airflow_env, "db", "migrate")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return airflow_env


@pytest.mark.slow
def test_airflow_dags_test_with_three_shards_publishes_the_cli_partition(migrated, sample_raw: Path, tmp_path: Path):
    conf = {"date": "2024-05-01", "raw": str(sample_raw), "out": str(tmp_path / "dag"), "shards": 3}
    proc = _airflow(migrated, "dags", "test", "news_etl", "-c", json.dumps(conf))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "newsetl quality 2024-05-01: raw=" in proc.stdout + proc.stderr

    run_cli("run", "--date", "2024-05-01", "--raw", str(sample_raw), "--out", str(tmp_path / "cli"), "-q")
    assert_same_partitions(tmp_path / "cli", tmp_path / "dag", ["2024-05-01"])


@pytest.mark.slow
def test_a_reject_rate_over_the_threshold_fails_the_run_after_publishing_and_reporting(migrated, tmp_path: Path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "story.txt").write_text("Council approves budget\n\nThe city council approved the budget on Monday.\n")
    (raw / "empty.txt").write_bytes(b"")
    out = tmp_path / "out"
    conf = {"date": "2024-05-01", "raw": str(raw), "out": str(out), "max_reject_rate": 0.2}

    proc = _airflow(migrated, "dags", "test", "news_etl", "-c", json.dumps(conf))
    assert proc.returncode != 0
    assert "QualityError: 2024-05-01: raw=2 articles=1 duplicates=0 rejects=1" in proc.stdout + proc.stderr
    assert "reject rate 0.500 is over the threshold 0.2" in proc.stdout + proc.stderr
    assert (out / "rejects" / "date=2024-05-01" / "part-0.parquet").exists()
    assert (out / "reports" / "dataset.html").exists()
