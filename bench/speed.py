"""Wall time and peak memory of whole processes: the pipeline and its baselines, several runs each.

Each run is a fresh process (imports included, as an operator's run pays them); the median is
reported. Peak memory is the largest sum of resident memory over the process and its children
(the worker pool), sampled every 20 ms from /proc.
"""

from __future__ import annotations

import compileall
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.parquet as pq


@dataclass
class Timing:
    label: str
    walls: list[float] = field(default_factory=list)
    peaks_mb: list[float] = field(default_factory=list)
    stages: dict[str, list[float]] = field(default_factory=dict)

    @property
    def wall(self) -> float:
        return statistics.median(self.walls)

    @property
    def peak_mb(self) -> float:
        return max(self.peaks_mb)

    def add(self, other: Timing) -> None:
        """Another run (or runs) of the same job."""
        self.walls += other.walls
        self.peaks_mb += other.peaks_mb
        for name, seconds in other.stages.items():
            self.stages.setdefault(name, []).extend(seconds)


def _tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MB (Linux /proc)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/statm") as fh:
                total += int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            with open(f"/proc/{p}/task/{p}/children") as fh:
                todo += [int(c) for c in fh.read().split()]
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
    return total / 1e6


def run_process(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak MB of one command (fails loudly if it fails)."""
    peak = 0.0
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.02):
            peak = max(peak, _tree_rss_mb(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd} exited {proc.returncode}: {err.decode()[-2000:]}")
    return wall, peak


def time_baseline(job: str, docs: Path, runs: int) -> Timing:
    timing = Timing(job)
    for _ in range(runs):
        wall, peak = run_process([sys.executable, "-m", "bench.baselines", job, str(docs)])
        timing.walls.append(wall)
        timing.peaks_mb.append(peak)
    return timing


def time_pipeline(docs: Path, out: Path, runs: int, workers: int, options: tuple[str, ...] = ()) -> Timing:
    """`newsetl run` on a fresh output folder each time; also collects the run's stage seconds."""
    exe = Path(sys.executable).with_name("newsetl")
    # As deployed: current bytecode of the project's modules, so that no timed run compiles them
    # (with PYTHONDONTWRITEBYTECODE set, Python would compile them again in every run).
    compileall.compile_dir(Path(__file__).resolve().parent.parent / "pipeline", quiet=1)
    timing = Timing(f"newsetl run --workers {workers}")
    for _ in range(runs):
        shutil.rmtree(out, ignore_errors=True)
        cmd = [str(exe), "run", "--raw", str(docs), "--out", str(out), "--date", "2000-01-01"]
        wall, peak = run_process([*cmd, "--workers", str(workers), "--quiet", *options])
        timing.walls.append(wall)
        timing.peaks_mb.append(peak)
        row = pq.read_table(out / "runs").to_pylist()[-1]
        stages = dict(row["stage_seconds"])
        if workers <= 1:
            stages["startup+other"] = wall - sum(stages.values())
        else:  # the shards ran side by side: their seconds add up to more than the wall time they took
            stages["process (summed over shards)"] = stages.pop("process")
        for name, seconds in stages.items():
            timing.stages.setdefault(name, []).append(seconds)
    return timing
