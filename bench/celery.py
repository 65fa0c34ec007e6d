"""news_etl on 1 and 2 Celery workers vs the CLI, out on an S3 store: throughput and per-task overhead.

    .venv/bin/python -m bench.celery [--scale 10] [--raw PATH] [--docs N] [--shards N]

One date of `--raw` (default: Reuters-21578, its first `--docs` stories; `--scale 10`: the generated
10x corpus of bench/corpus.py) read from the local disk, the datasets written to a private S3
endpoint (moto's server) under PostgreSQL advisory locks:
- CLI: `newsetl run --workers 1` and `--workers 2`, whole process (the baseline of this run).
- Airflow, CeleryExecutor (PostgreSQL metadata database, Redis broker), a cluster with 1 worker, then
  one with 2, each worker one task at a time: `airflow dags trigger` to the run's success, `shards`
  mapped shards; each shard task's docs/s is a worker's throughput.
- Coordination: a run of a date with no input on the same cluster (its tasks doing nothing): its
  wall time, per task on its critical path, and the median queued-to-running wait of its tasks.
Wall seconds, and CPU seconds: the CLI's process tree; on Celery, the workers' process groups (every
task, its supervisor, the worker) and the control plane's (scheduler, dag-processor, api-server), each
counted over the run. The machine's load average is printed beside each row: on a shared machine,
read the CPU seconds and the ratios rather than the wall time. The datasets of every run must match
the CLI's byte for byte (printed). The numbers are also written to bench/out/celery-<scale>x.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.corpus import make_scaled_corpus
from tests.airflow_local import PROJECT, Celery, LocalAirflow, local_airflow
from tests.services import moto_s3, scratch_database

DATE, EMPTY_DATE = "2024-05-01", "2024-04-30"
REUTERS = PROJECT.parent / "shared" / "corpora" / "reuters21578" / "docs"
OUT = PROJECT / "bench" / "out"
DATASETS = ("articles", "duplicates", "rejects")
CRITICAL_PATH = 6  # resolve_date → fetch → plan → process_shard → publish → report | compact
TIMEOUT = 1800


def group_cpu(group: int) -> float:
    """CPU seconds of a process group: its live members' own time plus that of the children they reaped."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):  # gone meanwhile
            continue
        if int(fields[2]) == group:  # pgrp; then utime, stime, cutime, cstime
            ticks += sum(int(f) for f in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")


def cpu_by_component(airflow: LocalAirflow) -> dict[str, float]:
    return {name: group_cpu(group) for name, group in airflow.groups.items()}


def time_cli(raw: Path, out: str, workers: int, locks: str, env: dict[str, str]) -> dict:
    cmd = [str(Path(sys.executable).with_name("newsetl")), "run", "--date", DATE, "--raw", str(raw), "--out", out]
    cmd += ["--lock-db", locks]
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([*cmd, "--workers", str(workers), "-q"], check=True, env=env)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return {"seconds": seconds, "cpu": cpu, "load": load}


def on_celery(workers: int, raw: Path, shards: int, s3, tmp: Path) -> dict:
    """Trigger one real run and one empty run on a fresh cluster of `workers` workers; their timings."""
    with scratch_database("newsetl_bench") as database:
        (tmp / "nothing").mkdir(exist_ok=True)
        nothing = str(tmp / "nothing" / "{date}")  # a dated raw with no folder for the date: an empty partition
        env = {**s3.env, "NEWSETL_LOCK_DB": database, "NEWSETL_RAW": nothing, "NEWSETL_OUT": "s3://bench/scheduled"}
        with local_airflow(tmp / f"airflow-{workers}", env, Celery(database, workers)) as airflow:
            airflow.wait_for_runs("news_etl", "scheduled", 1, TIMEOUT)  # unpausing queued yesterday's run
            out = f"s3://bench/celery-{workers}"
            seconds, cpu, load = {}, {}, {}
            for kind, conf in (
                ("empty", {"date": EMPTY_DATE, "raw": nothing, "out": out, "shards": 1}),
                ("data", {"date": DATE, "raw": str(raw), "out": out, "shards": shards}),
            ):
                load[kind] = os.getloadavg()[0]
                before = cpu_by_component(airflow)
                start = time.perf_counter()
                airflow.cli("dags", "trigger", "news_etl", "-c", json.dumps(conf))
                runs = airflow.wait_for_runs("news_etl", "manual", len(seconds) + 1, TIMEOUT)
                assert runs and all(r.state == "success" for r in runs), runs
                seconds[kind] = time.perf_counter() - start
                after = cpu_by_component(airflow)
                used = {name: after[name] - before[name] for name in after}
                cpu[kind] = {
                    "workers": sum(v for name, v in used.items() if name.startswith("worker-")),
                    "control": sum(v for name, v in used.items() if not name.startswith("worker-")),
                }
            tasks = airflow.query(
                "SELECT r.conf::text LIKE %s, t.task_id, "
                "EXTRACT(EPOCH FROM t.start_date - t.queued_dttm), EXTRACT(EPOCH FROM t.end_date - t.start_date) "
                "FROM task_instance t JOIN dag_run r ON r.run_id = t.run_id AND r.dag_id = t.dag_id "
                "WHERE r.run_type = 'manual'",
                (f"%{EMPTY_DATE}%",),
            )
    empty = [(float(wait), float(took)) for is_empty, _, wait, took in tasks if is_empty]
    shard_seconds = [float(took) for is_empty, task, _, took in tasks if not is_empty and task == "process_shard"]
    return {
        "out": out, "seconds": seconds, "cpu": cpu, "load": load, "empty_tasks": empty, "shard_seconds": shard_seconds,
    }  # fmt: skip


def same_datasets(store, left: str, right: str) -> bool:
    def part(root: str, name: str) -> bytes:
        return store.cat(f"{root.removeprefix('s3://')}/{name}/date={DATE}/part-0.parquet")

    return all(part(left, name) == part(right, name) for name in DATASETS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=REUTERS)
    parser.add_argument("--scale", type=int, default=1, help="N > 1: N perturbed copies of every --raw file")
    parser.add_argument("--docs", type=int, default=0, help="the first N files only (0: all)")
    parser.add_argument("--shards", type=int, default=4)
    args = parser.parse_args()
    source = args.raw if args.scale == 1 else make_scaled_corpus(args.raw, OUT / f"reuters-{args.scale}x", args.scale)
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        files = sorted(p for p in source.iterdir() if p.is_file() and not p.name.startswith("."))
        files = files[: args.docs or None]
        raw = source
        if args.docs:
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
    OUT.mkdir(exist_ok=True)
    record = {"files": n, "shards": args.shards, "cli": cli, "celery": clusters, "identical": same}
    (OUT / f"celery-{args.scale}x.json").write_text(json.dumps(record, indent=1))
    print(f"one date of {n} files from {source}; out on moto S3; {args.shards} shards on Celery")
    print(f"{'driver':<40} {'seconds':>8} {'docs/s':>7} {'vs CLI -w1':>10} {'CPU s':>7} {'load':>5}")
    base = cli[1]["seconds"]
    rows = [(f"CLI --workers {w}", c["seconds"], f"{c['cpu']:.1f}", c["load"]) for w, c in cli.items()]
    for w, c in clusters.items():
        used = c["cpu"]["data"]
        cpu = f"{used['workers']:.1f}+{used['control']:.1f}"  # workers + control plane
        rows.append((f"Celery, {w} worker(s): trigger → success", c["seconds"]["data"], cpu, c["load"]["data"]))
    for name, seconds, cpu, load in rows:
        print(f"{name:<40} {seconds:>8.1f} {n / seconds:>7.0f} {seconds / base:>9.2f}x {cpu:>7} {load:>5.1f}")
    print("(Celery CPU: workers' process groups + scheduler, dag-processor and api-server, over the run)")
    for w, c in clusters.items():
        shard = statistics.median(c["shard_seconds"])
        waits, tooks = zip(*c["empty_tasks"], strict=True)
        empty, used = c["seconds"]["empty"], c["cpu"]["empty"]
        print(
            f"{w} worker(s): a shard task {shard:.1f} s ({n / args.shards / shard:.0f} docs/s a worker), median; "
            f"the empty run {empty:.1f} s = {empty / CRITICAL_PATH:.1f} s a task on its critical path "
            f"(each {statistics.median(tooks):.1f} s running after {statistics.median(waits):.1f} s queued, medians); "
            f"its CPU: workers {used['workers']:.1f} s ({used['workers'] / len(tooks):.2f} s a task), "
            f"control plane {used['control']:.1f} s"
        )
    print(f"datasets byte-identical to the CLI's: {same}")


if __name__ == "__main__":
    main()
