"""The Airflow DAG: it imports cleanly, and a real `dag.test()` run writes what the CLI writes, byte for byte.

Airflow runs in subprocesses with a private AIRFLOW_HOME, so the test session never touches ~/airflow.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT, run_cli

DATASETS = ("articles", "duplicates", "rejects")


@pytest.fixture(scope="module")
def airflow_env(tmp_path_factory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("airflow_home")
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
    }
    airflow = Path(sys.executable).with_name("airflow")
    subprocess.run([str(airflow), "db", "migrate"], env=env, check=True, capture_output=True, timeout=300)
    return env


def _python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return proc


def test_dag_imports_without_errors_and_has_the_expected_shape(airflow_env):
    code = f"""
import json
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder={str(PROJECT / "dags")!r})
dag = bag.dags["news_etl"]
print(json.dumps({{
    "errors": {{k: str(v) for k, v in bag.import_errors.items()}},
    "tasks": sorted(t.task_id for t in dag.tasks),
    "params": sorted(dag.params.keys()),
    "max_active_runs": dag.max_active_runs,
    "retries": dag.default_args["retries"],
    "timetable": type(dag.timetable).__name__,
}}))
"""
    info = json.loads(_python(code, airflow_env).stdout.strip().splitlines()[-1])
    assert info["errors"] == {}
    assert {"resolve_date", "plan", "process_shard", "publish", "report"} <= set(info["tasks"])
    assert {"date", "raw", "out", "workers", "shards", "max_bytes", "max_reject_rate", "publish_anyway"} <= set(
        info["params"]
    )
    assert info["max_active_runs"] == 1
    assert info["retries"] >= 1
    assert info["timetable"] == "CronDataIntervalTimetable"


def test_pipeline_never_imports_airflow():
    importing = re.compile(r"^\s*(?:import|from)\s+airflow\b", re.MULTILINE)
    assert [p.name for p in (PROJECT / "pipeline").rglob("*.py") if importing.search(p.read_text())] == []


def test_dag_test_run_writes_the_same_datasets_as_the_cli(airflow_env, tmp_path, sample_raw):
    cli_out, dag_out = tmp_path / "cli", tmp_path / "dag"
    run_cli("run", "--raw", str(sample_raw), "--out", str(cli_out), "--date", "2024-05-01", "--quiet")
    conf = {"date": "2024-05-01", "raw": str(sample_raw), "out": str(dag_out)}
    code = f"""
from airflow.dag_processing.dagbag import DagBag
dag = DagBag(dag_folder={str(PROJECT / "dags")!r}).dags["news_etl"]
run = dag.test(run_conf={conf!r})
print("STATE", run.state)
"""
    proc = _python(code, airflow_env)
    assert "STATE success" in proc.stdout
    for name in DATASETS:
        cli_file = cli_out / name / "date=2024-05-01" / "part-0.parquet"
        dag_file = dag_out / name / "date=2024-05-01" / "part-0.parquet"
        assert dag_file.read_bytes() == cli_file.read_bytes(), f"{name} differs between dag.test() and the CLI"
    runs = list((dag_out / "runs" / "date=2024-05-01").glob("run-*.parquet"))
    assert len(runs) == 1
    import pyarrow.parquet as pq

    assert pq.read_table(runs[0]).column("trigger").to_pylist() == ["airflow"]
    run_id = runs[0].stem.removeprefix("run-")
    assert sorted(p.name for p in (dag_out / "reports").iterdir()) == ["dataset.html", f"run-{run_id}.html"]


def test_invalid_param_is_refused_before_the_run_starts(airflow_env, tmp_path):
    code = f"""
from airflow.dag_processing.dagbag import DagBag
dag = DagBag(dag_folder={str(PROJECT / "dags")!r}).dags["news_etl"]
try:
    dag.test(run_conf={{"date": "yesterday", "out": {str(tmp_path / "o")!r}}})
except Exception as exc:
    print("REFUSED", type(exc).__name__)
"""
    proc = _python(code, airflow_env)
    assert "REFUSED ParamValidationError" in proc.stdout
    assert not (tmp_path / "o").exists()
