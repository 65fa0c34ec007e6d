"""An Airflow task that fails part way through a run and is retried publishes what a clean run publishes."""

from __future__ import annotations

import pytest

from tests.conftest import PROJECT, run_cli
from tests.test_commit import leftovers, snapshot
from tests.test_dag import _python, airflow_env  # noqa: F401  (airflow_env is a fixture)


@pytest.mark.slow
def test_a_task_that_fails_after_staging_and_is_retried_publishes_the_clean_result(airflow_env, tmp_path, sample_raw):  # noqa: F811
    clean, retried = tmp_path / "clean", tmp_path / "retried"
    run_cli("run", "--raw", str(sample_raw), "--out", str(clean), "--date", "2024-05-01", "-q")
    marker = tmp_path / "failed-once"
    conf = {"date": "2024-05-01", "raw": str(sample_raw), "out": str(retried)}
    code = f"""
from airflow.dag_processing.dagbag import DagBag
dag = DagBag(dag_folder={str(PROJECT / "dags")!r}).dags["news_etl"]
run = dag.test(run_conf={conf!r})
print("STATE", run.state)
print("TRIES", {{ti.task_id: ti.try_number for ti in run.get_task_instances()}})
"""
    env = {**airflow_env, "NEWSETL_TEST_FAIL_ONCE_AT": f"staged:articles@{marker}"}
    proc = _python(code, env)

    assert marker.exists(), "the first attempt never reached the failure point"
    assert "STATE success" in proc.stdout
    assert "'publish': 2" in proc.stdout  # failed once, retried once (publish stages and commits)
    assert snapshot(retried) == snapshot(clean)
    assert leftovers(retried) == []
    assert len(list((retried / "runs").rglob("run-*.parquet"))) == 1  # the failed attempt published nothing
