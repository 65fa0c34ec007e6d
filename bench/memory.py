"""Peak memory of a run against corpus size: one command, one table.

    .venv/bin/python -m bench.memory            # 1x, 3x and 10x Reuters (generates the copies once)

The 10x corpus is Reuters-21578 ten times over, each copy after the first changing one word in 20
(deterministic), written under bench/out/ (git-ignored; the corpus is never committed); the 3x
corpus is the same first three copies. Each run is the real CLI (default workers) in a child process;
peak memory is the largest maximum resident set of one process of the run (wait4: the CLI process
or one of its workers, whichever peaked higher). The baseline row, measured in the same run, is
the 1x corpus; "time/doc" is seconds per document relative to it (1.0: time grows linearly).
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REUTERS = ROOT.parent / "shared" / "corpora" / "reuters21578" / "docs"
OUT = ROOT / "bench" / "out"
COPIES = 10


def generate_copies(source: Path, dest: Path, copies: int) -> int:
    """`copies` versions of every file of `source` under dest/copy-NN/ (copy 0 verbatim); returns the file count."""
    marker = dest / f".complete-{copies}"
    if marker.exists():
        return sum(1 for _ in dest.rglob("*.txt"))
    shutil.rmtree(dest, ignore_errors=True)
    files = sorted(source.glob("*.txt"))
    for k in range(copies):
        folder = dest / f"copy-{k:02d}"
        folder.mkdir(parents=True)
        rng = random.Random(k)
        for path in files:
            text = path.read_bytes().decode("latin-1")
            if k:
                words = text.split(" ")
                for i in range(0, len(words), 20):  # one word in 20 becomes another
                    j = min(len(words) - 1, i + rng.randrange(20))
                    words[j] = rng.choice(("market", "shares", "said", "profit", "bank", "oil"))
                text = " ".join(words)
            (folder / path.name).write_bytes(text.encode("latin-1"))
    marker.touch()
    return len(files) * copies


def measure(raw: str) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one real CLI run."""
    out = OUT / "processed"
    shutil.rmtree(out, ignore_errors=True)
    exe = Path(sys.executable).with_name("newsetl")
    cmd = [str(exe), "run", "--raw", raw, "--out", str(out), "--date", "2024-05-01", "-q"]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{cmd} exited {proc.returncode}")
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def main() -> None:
    if not REUTERS.is_dir():
        raise SystemExit(f"needs the Reuters-21578 corpus at {REUTERS}")
    n1 = sum(1 for _ in REUTERS.glob("*.txt"))
    rows = [("Reuters 1x (baseline)", str(REUTERS), n1)]
    for copies in (3, COPIES):
        folder = OUT / f"reuters-x{copies}"
        rows.append((f"Reuters {copies}x", str(folder), generate_copies(REUTERS, folder, copies)))
    results = [(label, n, *measure(raw)) for label, raw, n in rows]
    _, base_n, base_seconds, base_peak = results[0]
    print(f"{'corpus':<24} {'docs':>8} {'seconds':>8} {'time/doc':>9} {'peak MB':>8} {'peak / baseline':>16}")
    for label, n, seconds, peak in results:
        per_doc = (seconds / n) / (base_seconds / base_n)
        print(f"{label:<24} {n:>8,} {seconds:>8.1f} {per_doc:>9.2f} {peak:>8.0f} {peak / base_peak:>16.2f}")


if __name__ == "__main__":
    main()
