"""Peak memory of a run against corpus size: one command, one table.

    .venv/bin/python -m bench.memory            # 1x and 10x Reuters (generates the 10x copy once)

The 10x corpus is Reuters-21578 ten times over, each copy after the first changing one word in 20
(deterministic), written under bench/out/ (git-ignored; the corpus is never committed). Each run
is the real CLI in a child process; peak memory is the child's maximum resident set (wait4).
The baseline row, measured in the same run, is the 1x corpus.
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


def measure(raw: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one real CLI run."""
    out = OUT / "processed"
    shutil.rmtree(out, ignore_errors=True)
    exe = Path(sys.executable).with_name("newsetl")
    cmd = [str(exe), "run", "--raw", str(raw), "--out", str(out), "--date", "2024-05-01", "-q"]
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
    n10 = generate_copies(REUTERS, OUT / "reuters-x10", COPIES)
    rows = [("Reuters 1x (baseline)", REUTERS, n1), ("Reuters 10x", OUT / "reuters-x10", n10)]
    results = [(label, n, *measure(raw)) for label, raw, n in rows]
    base = results[0][3]
    print(f"{'corpus':<24} {'docs':>8} {'seconds':>8} {'peak MB':>8} {'peak / baseline':>16}")
    for label, n, seconds, peak in results:
        print(f"{label:<24} {n:>8,} {seconds:>8.1f} {peak:>8.0f} {peak / base:>16.2f}")


if __name__ == "__main__":
    main()
