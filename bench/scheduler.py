"""Wall time of one day's run through a real Airflow scheduler vs the CLI, on the same input.

    .venv/bin/python -m bench.scheduler [--raw PATH] [--shards N]

CLI: whole `newsetl run` process (--workers 1 and 2). Airflow: from `airflow dags trigger` to the
run's success as recorded by the scheduler (api-server, scheduler and dag-processor already up,
idle), with `shards` mapped tasks. The datasets of all three must be byte-identical.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.airflow_local import PROJECT, local_airflow  # the launcher the scheduler test uses

DATE = "2024-05-01"


def time_cli(raw: Path, out: Path, workers: int) -> float:
    cmd = [str(Path(sys.executable).with_name("newsetl")), "run", "--date", DATE, "--raw", str(raw)]
    start = time.perf_counter()
    subprocess.run([*cmd, "--out", str(out), "--workers", str(workers), "-q"], check=True)
    return time.perf_counter() - start


def same_datasets(left: Path, right: Path) -> bool:
    return all(
        filecmp.cmp(
            left / name / f"date={DATE}" / "part-0.parquet", right / name / f"date={DATE}" / "part-0.parquet", False
        )
        for name in ("articles", "duplicates", "rejects")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=PROJECT / "data" / "raw" / "sample")
    parser.add_argument("--shards", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        rows = [(f"CLI --workers {w}", time_cli(args.raw, tmp / f"cli{w}", w)) for w in (1, 2)]
        env = {"NEWSETL_RAW": str(tmp / "no-raw" / "{date}"), "NEWSETL_OUT": str(tmp / "scheduled")}
        with local_airflow(tmp / "airflow", env) as airflow:
            airflow.wait_for_runs("news_etl", "scheduled", 1, 900)  # unpausing queued yesterday's run: let it pass
            conf = {"date": DATE, "raw": str(args.raw), "out": str(tmp / "airflow"), "shards": args.shards}
            start = time.perf_counter()
            airflow.cli("dags", "trigger", "news_etl", "-c", json.dumps(conf))
            (run,) = airflow.wait_for_runs("news_etl", "manual", 1, 900)
            rows.append((f"Airflow, {args.shards} shards: trigger → success", time.perf_counter() - start))
            rows.append((f"Airflow, {args.shards} shards: run start → end", run.seconds or float("nan")))
        same = run.state == "success" and all(same_datasets(tmp / "cli1", tmp / o) for o in ("cli2", "airflow"))
    print(f"one day ({DATE}) of {args.raw}")
    print(f"{'driver':<42} {'seconds':>8} {'vs CLI -w1':>10}")
    for name, seconds in rows:
        print(f"{name:<42} {seconds:>8.1f} {seconds / rows[0][1]:>9.2f}x")
    print(f"Airflow run state: {run.state}; datasets byte-identical: {same}")


if __name__ == "__main__":
    main()
