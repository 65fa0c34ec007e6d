"""news_etl's shape (mapped shards, audit before publish, params from Settings, retries), its partition date,
then real sharded runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest

from pipeline.settings import DATED_RAW, DEFAULT_WORKERS, Settings
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
    "params": {{k: [dag.params[k], dag.params.get_param(k).description, dag.params.get_param(k).schema]
                for k in dag.params.keys()}},
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


def test_shards_are_mapped_between_plan_and_a_single_publish_that_audits_before_it_commits(shape):
    assert shape["mapped"] == ["process_shard"]
    assert shape["upstream"]["process_shard"] == ["plan"]
    assert shape["upstream"]["publish"] == ["process_shard"]  # write, audit, publish: one task, one lock
    assert shape["upstream"]["report"] == ["publish"]
    assert "check_quality" not in shape["upstream"]  # no check after the fact


def test_the_params_are_every_setting_with_its_default_help_and_bounds_plus_date_and_sources(shape):
    params = shape["params"]
    assert params.keys() == {f.name for f in fields(Settings)} | {"date", "sources"}
    for field in fields(Settings):
        value, description, schema = params[field.name]
        default = DATED_RAW if field.name == "raw" else field.default
        assert value == (list(default) if isinstance(default, tuple) else default), field.name
        assert description == field.metadata["help"]
        assert schema.get("minimum") == field.metadata["minimum"], field.name
        assert schema.get("maximum") == field.metadata["maximum"], field.name
    assert params["workers"][0] == DEFAULT_WORKERS and params["shards"][0] == 0  # one shard task per worker


def test_tasks_retry_with_backoff_runs_are_serialised_and_a_broken_contract_is_not_retried(shape):
    for task_id in ("plan", "process_shard", "publish"):
        retries, backoff = shape["retries"][task_id]
        assert retries == 2 and backoff, task_id  # Airflow 3.3 stores the backoff as a multiplier (2.0)
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
def test_a_partition_over_the_reject_rate_is_quarantined_unless_published_anyway(migrated, tmp_path: Path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    (raw / "story.txt").write_text("Council approves budget\n\nThe city council approved the budget on Monday.\n")
    (raw / "empty.txt").write_bytes(b"")
    conf = {"date": "2024-05-01", "raw": str(raw), "out": str(out), "max_reject_rate": 0.2}

    failed = _airflow(migrated, "dags", "test", "news_etl", "-c", json.dumps(conf))
    assert failed.returncode != 0
    logs = failed.stdout + failed.stderr
    assert "quality check failed for 2024-05-01: raw=2 articles=1 duplicates=0 rejects=1" in logs
    assert "reject rate 0.500 is over the threshold 0.2" in logs
    assert list(out.glob("[!_]*/date=*")) == []  # nothing published, not even an empty partition folder
    [kept] = (out / "_quarantine" / "2024-05-01").iterdir()
    assert (kept / "rejects" / "part-0.parquet").exists() and str(kept) in logs

    anyway = _airflow(migrated, "dags", "test", "news_etl", "-c", json.dumps({**conf, "publish_anyway": True}))
    assert anyway.returncode == 0, anyway.stdout[-3000:] + anyway.stderr[-3000:]
    assert "quality check failed, published anyway" in anyway.stdout + anyway.stderr
    assert (out / "rejects" / "date=2024-05-01" / "part-0.parquet").exists()
    assert (out / "reports" / "dataset.html").exists()
