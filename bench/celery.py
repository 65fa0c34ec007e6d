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
counted over the run. Peak resident memory of the CLI's tree and of the workers' groups with their
descendants (/proc, sampled every 0.2 s): the largest process, and all of them together. The
machine's load average is printed beside each row: on a shared machine, read the CPU seconds and the
ratios rather than the wall time. The datasets of every run must match the CLI's byte for byte
(printed). The numbers are also written to bench/out/celery-<scale>x.json.
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
import threading
import time
from collections.abc import Iterator
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


def proc_stats() -> Iterator[tuple[int, list[str]]]:
    """(pid, the fields of /proc/<pid>/stat after the command) of every live process: [0] state,
    [1] ppid, [2] pgrp, [11:15] utime, stime, cutime, cstime."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            yield int(stat.parent.name), stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):  # gone meanwhile
            continue


def group_cpu(group: int) -> float:
    """CPU seconds of a process group: its live members' own time plus that of the children they reaped."""
    ticks = sum(sum(int(f) for f in fields[11:15]) for _, fields in proc_stats() if int(fields[2]) == group)
    return ticks / os.sysconf("SC_CLK_TCK")


class PeakMemory:
    """Peak resident memory of the processes in some process groups and of their descendants (a
    task runs in a group of its own), sampled from /proc every 0.2 s while the block runs: the
    largest single process (its own high-water mark, VmHWM, so a peak between samples still counts)
    and the largest sum of their VmRSS at one sample."""

    def __init__(self, groups: list[int]):
        self.groups, self.process_mb, self.total_mb = set(groups), 0.0, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _members(self) -> list[Path]:
        children: dict[int, list[int]] = {}
        todo = []
        for pid, fields in proc_stats():
            children.setdefault(int(fields[1]), []).append(pid)
            if int(fields[2]) in self.groups:
                todo.append(pid)
        found = set()
        while todo:
            if (pid := todo.pop()) not in found:
                found.add(pid)
                todo.extend(children.get(pid, ()))
        return [Path(f"/proc/{pid}") for pid in found]

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            total = 0.0
            for entry in self._members():
                try:
                    status = dict(line.split(":", 1) for line in (entry / "status").read_text().splitlines())
                except (OSError, ValueError):  # gone meanwhile
                    continue
                if "VmHWM" in status:  # (not a zombie or a kernel thread)
                    self.process_mb = max(self.process_mb, int(status["VmHWM"].split()[0]) / 1024)
                    total += int(status["VmRSS"].split()[0]) / 1024
            self.total_mb = max(self.total_mb, total)


def cpu_by_component(airflow: LocalAirflow) -> dict[str, float]:
    return {name: group_cpu(group) for name, group in airflow.groups.items()}


def time_cli(raw: Path, out: str, workers: int, locks: str, env: dict[str, str]) -> dict:
    cmd = [str(Path(sys.executable).with_name("newsetl")), "run", "--date", DATE, "--raw", str(raw), "--out", out]
    cmd += ["--lock-db", locks]
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen([*cmd, "--workers", str(workers), "-q"], env=env, start_new_session=True)
    with PeakMemory([proc.pid]) as memory:
        assert proc.wait() == 0, f"newsetl run exited with {proc.returncode}"
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    memory_mb = {"process": memory.process_mb, "total": memory.total_mb}
    return {"seconds": seconds, "cpu": cpu, "load": load, "memory_mb": memory_mb}


def on_celery(workers: int, raw: Path, shards: int, s3, tmp: Path) -> dict:
    """Trigger one real run and one empty run on a fresh cluster of `workers` workers; their timings."""
    with scratch_database("newsetl_bench") as database:
        (tmp / "nothing").mkdir(exist_ok=True)
        nothing = str(tmp / "nothing" / "{date}")  # a dated raw with no folder for the date: an empty partition
        env = {**s3.env, "NEWSETL_LOCK_DB": database, "NEWSETL_RAW": nothing, "NEWSETL_OUT": "s3://bench/scheduled"}
        with local_airflow(tmp / f"airflow-{workers}", env, Celery(database, workers)) as airflow:
            airflow.wait_for_runs("news_etl", "scheduled", 1, TIMEOUT)  # unpausing queued yesterday's run
            out = f"s3://bench/celery-{workers}"
            seconds, cpu, load, memory_mb = {}, {}, {}, {}
            workers_groups = [g for name, g in airflow.groups.items() if name.startswith("worker-")]
            for kind, conf in (
                ("empty", {"date": EMPTY_DATE, "raw": nothing, "out": out, "shards": 1}),
                ("data", {"date": DATE, "raw": str(raw), "out": out, "shards": shards}),
            ):
                load[kind] = os.getloadavg()[0]
                before = cpu_by_component(airflow)
                start = time.perf_counter()
                with PeakMemory(workers_groups) as memory:
                    airflow.cli("dags", "trigger", "news_etl", "-c", json.dumps(conf))
                    runs = airflow.wait_for_runs("news_etl", "manual", len(seconds) + 1, TIMEOUT)
                assert runs and all(r.state == "success" for r in runs), runs
                seconds[kind] = time.perf_counter() - start
                memory_mb[kind] = {"process": memory.process_mb, "total": memory.total_mb}
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
        "memory_mb": memory_mb,
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
    print(
        f"{'driver':<40} {'seconds':>8} {'docs/s':>7} {'vs CLI -w1':>10} {'CPU s':>10} {'load':>5}"
        f" {'MB: process':>11} {'MB: all':>8}"
    )
    base = cli[1]["seconds"]
    rows = [(f"CLI --workers {w}", c["seconds"], f"{c['cpu']:.1f}", c["load"], c["memory_mb"]) for w, c in cli.items()]
    for w, c in clusters.items():
        used = c["cpu"]["data"]
        cpu = f"{used['workers']:.1f}+{used['control']:.1f}"  # workers + control plane
        label = f"Celery, {w} worker(s): trigger → success"
        rows.append((label, c["seconds"]["data"], cpu, c["load"]["data"], c["memory_mb"]["data"]))
    for name, seconds, cpu, load, mb in rows:
        print(
            f"{name:<40} {seconds:>8.1f} {n / seconds:>7.0f} {seconds / base:>9.2f}x {cpu:>10} {load:>5.1f}"
            f" {mb['process']:>11.0f} {mb['total']:>8.0f}"
        )
    print("(Celery CPU: workers' process groups + scheduler, dag-processor and api-server, over the run)")
    print("(MB: peak resident memory of the largest process, and of all processes together, of the CLI's")
    print(" process tree or of the Celery workers' process trees: worker, task supervisors, tasks)")
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
