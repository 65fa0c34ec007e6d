"""The DAG's fetch task: it lands the sources before `plan` lists them, and the CLI reprocesses the same bytes alike.

Kept apart from test_dag.py so the DAG's other tests stay untouched; it reuses their Airflow setup.
"""

from __future__ import annotations

import json

import pyarrow.parquet as pq
from pytest_httpserver import HTTPServer

from tests.conftest import PROJECT, run_cli
from tests.test_dag import _python, airflow_env  # noqa: F401  (a fixture)
from tests.test_fetch import PLAIN_TEXT, PORT_HTML

DATE = "2026-03-03"


def test_dag_fetches_then_processes_and_the_cli_agrees_byte_for_byte(airflow_env, tmp_path):  # noqa: F811
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    try:
        server.expect_request("/port.html").respond_with_data(PORT_HTML, content_type="text/html")
        server.expect_request("/library.txt").respond_with_data(PLAIN_TEXT, content_type="text/plain")
        sources = tmp_path / "sources.toml"
        urls = [server.url_for("/port.html"), server.url_for("/library.txt")]
        sources.write_text(
            f"[fetch]\nallow_private = true\ndelay = 0.0\n\n[[sources]]\nname = 'gazette'\nurls = {json.dumps(urls)}\n"
        )
        raw, dag_out, cli_out = tmp_path / "raw", tmp_path / "dag", tmp_path / "cli"
        conf = {"date": DATE, "raw": f"{raw}/{{date}}", "out": str(dag_out), "sources": str(sources)}
        code = f"""
from airflow.dag_processing.dagbag import DagBag
dag = DagBag(dag_folder={str(PROJECT / "dags")!r}).dags["news_etl"]
upstream = sorted(dag.get_task("plan").upstream_task_ids)
run = dag.test(run_conf={conf!r})
print("UPSTREAM", upstream)
print("STATE", run.state)
"""
        proc = _python(code, airflow_env)
    finally:
        server.clear()
        server.stop()
    assert "UPSTREAM ['fetch', 'resolve_date']" in proc.stdout
    assert "STATE success" in proc.stdout
    manifest = pq.read_table(raw / "_manifest").to_pylist()
    assert sorted(row["outcome"] for row in manifest) == ["stored", "stored"]
    titles = pq.read_table(dag_out / "articles").column("title").to_pylist()
    assert sorted(titles) == ["Library opens late on Fridays", "Port traffic jumps a fifth"]

    run_cli("run", "--raw", f"{raw}/{{date}}", "--out", str(cli_out), "--date", DATE, "-q")
    for name in ("articles", "duplicates", "rejects"):
        part = f"{name}/date={DATE}/part-0.parquet"
        assert (dag_out / part).read_bytes() == (cli_out / part).read_bytes(), f"{name} differs"
