"""CLI wall time with --workers 1 vs 2 on the Reuters-21578 corpus (and a check that the output is the same).

    .venv/bin/python -m bench.workers [--docs PATH] [--repeat N]

Whole-process wall time of `newsetl run` (imports, listing, shards in a process pool, publish,
quality check), median of --repeat runs; the ratio is against --workers 1 measured in the same run.
On a shared machine the speed-up is bounded by the cores actually free, so the table starts with
that figure: the same pure-Python loop in one process vs two at once.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REUTERS_DOCS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora" / "reuters21578" / "docs"
DATE = "1987-03-01"


def _spin(n: int) -> float:
    start = time.perf_counter()
    total = 0
    for i in range(n):
        total += i * i
    return time.perf_counter() - start


def free_cores(n: int = 10_000_000) -> float:
    """About how many cores two busy processes get right now (2.0 on an idle 2-core machine)."""
    one = _spin(n)
    with ProcessPoolExecutor(2) as pool:
        start = time.perf_counter()
        list(pool.map(_spin, [n, n]))
        two = time.perf_counter() - start
    return 2 * one / two


def time_run(docs: Path, out: Path, workers: int) -> float:
    cmd = [str(Path(sys.executable).with_name("newsetl")), "run", "--date", DATE, "--raw", str(docs)]
    cmd += ["--out", str(out), "--workers", str(workers), "-q"]
    start = time.perf_counter()
    subprocess.run(cmd, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=Path, default=REUTERS_DOCS)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    if not args.docs.is_dir():
        sys.exit(f"no corpus at {args.docs}")
    cores = free_cores()
    with tempfile.TemporaryDirectory() as tmp:
        times: dict[int, list[float]] = {1: [], 2: []}
        for i in range(args.repeat):
            for workers in times:
                times[workers].append(time_run(args.docs, Path(tmp) / f"w{workers}-{i}", workers))
        same = all(
            filecmp.cmp(
                Path(tmp) / f"w1-0/{name}/date={DATE}/part-0.parquet",
                Path(tmp) / f"w2-0/{name}/date={DATE}/part-0.parquet",
                shallow=False,
            )
            for name in ("articles", "duplicates", "rejects")
        )
    base = statistics.median(times[1])
    print(f"newsetl run on {args.docs} ({len(list(args.docs.iterdir()))} files), median of {args.repeat}")
    print(f"cores free for two processes before the runs: {cores:.2f} (load average {os.getloadavg()[0]:.1f})")
    print(f"{'workers':>8} {'seconds':>9} {'vs 1':>6}")
    for workers, values in times.items():
        print(f"{workers:>8} {statistics.median(values):>9.1f} {base / statistics.median(values):>5.2f}x")
    print(f"datasets byte-identical: {same}")


if __name__ == "__main__":
    main()
