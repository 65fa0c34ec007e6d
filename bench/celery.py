"""news_etl on 1 and 2 Celery workers vs the CLI, out on an S3 store: throughput and per-task overhead.

    .venv/bin/python -m bench.celery [--raw PATH] [--docs N] [--shards N]

One date of `--raw` (default: Reuters-21578, its first `--docs` stories) read from the local disk,
the datasets written to a private S3 endpoint (moto's server) under PostgreSQL advisory locks:
- CLI: `newsetl run --workers 1` and `--workers 2`, whole process (the baseline of this run).
- Airflow, CeleryExecutor (PostgreSQL metadata database, Redis broker), a cluster with 1 worker, then
  one with 2, each worker one task at a time: `airflow dags trigger` to the run's success, `shards`
  mapped shards; each shard task's docs/s is a worker's throughput.
- Coordination: a run of a date with no input on the same cluster (7 tasks doing nothing): its
  wall time, per task on its critical path, and the median queued-to-running wait of its tasks.
The datasets of every run must match the CLI's byte for byte (printed).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.airflow_local import PROJECT, Celery, local_airflow
from tests.services import moto_s3, scratch_database

DATE, EMPTY_DATE = "2024-05-01", "2024-04-30"
REUTERS = PROJECT.parent / "shared" / "corpora" / "reuters21578" / "docs"
DATASETS = ("articles", "duplicates", "rejects")
CRITICAL_PATH = 6  # resolve_date → fetch → process_shard → publish → check_quality | report (plan beside fetch)
TIMEOUT = 1800


def time_cli(raw: Path, out: str, workers: int, locks: str, env: dict[str, str]) -> float:
    cmd = [str(Path(sys.executable).with_name("newsetl")), "run", "--date", DATE, "--raw", str(raw), "--out", out]
    cmd += ["--lock-db", locks]
    start = time.perf_counter()
    subprocess.run([*cmd, "--workers", str(workers), "-q"], check=True, env=env)
    return time.perf_counter() - start


def on_celery(workers: int, raw: Path, shards: int, s3, tmp: Path) -> dict:
    """Trigger one real run and one empty run on a fresh cluster of `workers` workers; their timings."""
    with scratch_database("newsetl_bench") as database:
        (tmp / "nothing").mkdir(exist_ok=True)
        nothing = str(tmp / "nothing" / "{date}")  # a dated raw with no folder for the date: an empty partition
        env = {**s3.env, "NEWSETL_LOCK_DB": database, "NEWSETL_RAW": nothing, "NEWSETL_OUT": "s3://bench/scheduled"}
        with local_airflow(tmp / f"airflow-{workers}", env, Celery(database, workers)) as airflow:
            airflow.wait_for_runs("news_etl", "scheduled", 1, TIMEOUT)  # unpausing queued yesterday's run
            out = f"s3://bench/celery-{workers}"
            seconds = {}
            for kind, conf in (
                ("empty", {"date": EMPTY_DATE, "raw": nothing, "out": out, "shards": 1}),
                ("data", {"date": DATE, "raw": str(raw), "out": out, "shards": shards}),
            ):
                start = time.perf_counter()
                airflow.cli("dags", "trigger", "news_etl", "-c", json.dumps(conf))
                runs = airflow.wait_for_runs("news_etl", "manual", len(seconds) + 1, TIMEOUT)
                assert runs and all(r.state == "success" for r in runs), runs
                seconds[kind] = time.perf_counter() - start
            tasks = airflow.query(
                "SELECT r.conf::text LIKE %s, t.task_id, "
                "EXTRACT(EPOCH FROM t.start_date - t.queued_dttm), EXTRACT(EPOCH FROM t.end_date - t.start_date) "
                "FROM task_instance t JOIN dag_run r ON r.run_id = t.run_id AND r.dag_id = t.dag_id "
                "WHERE r.run_type = 'manual'",
                (f"%{EMPTY_DATE}%",),
            )
    empty = [(float(wait), float(took)) for is_empty, _, wait, took in tasks if is_empty]
    shard_seconds = [float(took) for is_empty, task, _, took in tasks if not is_empty and task == "process_shard"]
    return {"out": out, "seconds": seconds, "empty_tasks": empty, "shard_seconds": shard_seconds}


def same_datasets(store, left: str, right: str) -> bool:
    def part(root: str, name: str) -> bytes:
        return store.cat(f"{root.removeprefix('s3://')}/{name}/date={DATE}/part-0.parquet")

    return all(part(left, name) == part(right, name) for name in DATASETS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=REUTERS)
    parser.add_argument("--docs", type=int, default=0, help="the first N files only (0: all)")
    parser.add_argument("--shards", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        files = sorted(p for p in args.raw.iterdir() if p.is_file())[: args.docs or None]
        raw = tmp / "raw"
        raw.mkdir()
        for path in files:
            shutil.copyfile(path, raw / path.name)
        with moto_s3(tmp / "moto.out") as s3, scratch_database("newsetl_bench_locks") as locks:
            store = s3.fs()
            store.mkdir("bench")
            env = {**os.environ, **s3.env}
            cli = {w: time_cli(raw, f"s3://bench/cli-{w}", w, locks, env) for w in (1, 2)}
            clusters = {w: on_celery(w, raw, args.shards, s3, tmp) for w in (1, 2)}
            outs = ["s3://bench/cli-2", *(c["out"] for c in clusters.values())]
            same = all(same_datasets(store, "s3://bench/cli-1", out) for out in outs)
    n = len(files)
    print(f"one date of {n} files from {args.raw}; out on moto S3; {args.shards} shards on Celery")
    print(f"{'driver':<40} {'seconds':>8} {'docs/s':>8} {'vs CLI -w1':>10}")
    rows = [(f"CLI --workers {w}", s) for w, s in cli.items()]
    rows += [(f"Celery, {w} worker(s): trigger → success", c["seconds"]["data"]) for w, c in clusters.items()]
    for name, seconds in rows:
        print(f"{name:<40} {seconds:>8.1f} {n / seconds:>8.0f} {seconds / cli[1]:>9.2f}x")
    for w, c in clusters.items():
        shard = statistics.median(c["shard_seconds"])
        waits, tooks = zip(*c["empty_tasks"], strict=True)
        empty = c["seconds"]["empty"]
        print(
            f"{w} worker(s): a shard task {shard:.1f} s ({n / args.shards / shard:.0f} docs/s a worker), median; "
            f"the empty run {empty:.1f} s = {empty / CRITICAL_PATH:.1f} s a task on its critical path "
            f"(each {statistics.median(tooks):.1f} s running after {statistics.median(waits):.1f} s queued, medians)"
        )
    print(f"datasets byte-identical to the CLI's: {same}")


if __name__ == "__main__":
    main()
