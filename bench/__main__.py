"""`python -m bench` (`make bench`): duplicate-detection quality, then speed and memory, as tables.

    python -m bench                 # everything (Reuters + the generated 10x corpus), ~10 minutes
    python -m bench --skip-10x      # Reuters only (and the fundus HTML structure bench, bench/structure.py)
    python -m bench --runs 5        # more runs per row (median reported)
    python -m bench --skip-quality --no-datasketch-10x   # speed of newsetl and the floor only, at 10x

Needs the Reuters-21578 corpus at ../shared/corpora/reuters21578. Generated data and outputs go
to bench/out/ (ignored by git).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

from bench import quality, speed, structure
from bench.corpus import make_scaled_corpus
from bench.tables import markdown, verdict

PROJECT = Path(__file__).resolve().parent.parent
REUTERS = PROJECT.parent / "shared" / "corpora" / "reuters21578"
OUT = PROJECT / "bench" / "out"


def report_quality() -> bool:
    out = OUT / "quality"
    speed.time_pipeline(REUTERS / "docs", out, runs=1, workers=os.cpu_count() or 1)
    result = quality.score(out, REUTERS)
    rows = [
        [s.name, f"{s.precision:.4f}", f"{s.recall:.4f}", str(s.predicted), str(s.reference)]
        + ([f"P >= {s.floor_precision}, R >= {s.floor_recall}", verdict(s.passed)] if s.floor_precision else ["", ""])
        for s in result.scores
    ]
    print("\n## Duplicate detection on Reuters-21578 (reference: duplicate_pairs_computed.tsv)\n")
    print(markdown(["pairs", "precision", "recall", "predicted", "reference", "floor", ""], rows))
    skipped = ", ".join(f"{k} {v}" for k, v in sorted(result.skipped_reject_pairs.items()))
    print(f"\nreference pairs left out because a side is a reject (title-only brief): {skipped}")
    print(f"near pairs missed ({len(result.missed)}): " + ", ".join(f"{a}~{b} ({j})" for a, b, j in result.missed))
    print(
        f"pairs clustered below the 0.8 reference bar ({len(result.extra)}): "
        + ", ".join(f"{a}~{b} ({j if j is not None else '<0.5'})" for a, b, j in result.extra)
    )
    return all(s.passed for s in result.scores if s.floor_precision)


def time_corpus(
    name: str, docs: Path, runs: int, worker_counts: list[int], datasketch: bool = True
) -> dict[str, speed.Timing]:
    """Every job's runs, in rounds of one run of each job: this shared machine speeds up and slows
    down by ±15 % from one minute to the next, so that a job's runs taken one after the other could
    all land in a fast (or a slow) minute; interleaved, every job sees the same minutes."""
    jobs = {"floor": lambda: speed.time_baseline("floor", docs, 1)}
    for workers in worker_counts:
        jobs[f"newsetl{workers}"] = lambda w=workers: speed.time_pipeline(docs, OUT / f"speed-{name}", 1, w)
    if datasketch:
        jobs["datasketch"] = lambda: speed.time_baseline("datasketch", docs, 1)
    timings: dict[str, speed.Timing] = {}
    for _ in range(runs):
        for key, job in jobs.items():
            timing = job()
            if key in timings:
                timings[key].add(timing)
            else:
                timings[key] = timing
    return timings


def paired_ratio(slow: speed.Timing, fast: speed.Timing) -> float:
    """Median over the rounds of slow / fast, each round's two runs taken minutes apart at most."""
    return statistics.median(s / f for s, f in zip(slow.walls, fast.walls, strict=True))


def print_speed(name: str, n_docs: int, timings: dict[str, speed.Timing]) -> None:
    floor = timings["floor"].wall
    rows = []
    labels = {
        "floor": "floor: read + blake2b every file (Python)",
        "datasketch": "datasketch MinHashLSH, dedup only",
    }
    for key, t in timings.items():
        label = labels.get(key, f"newsetl full pipeline (`{t.label}`)")
        runs = len(t.walls)
        rows.append([label, f"{t.wall:.2f}", str(runs), f"{t.peak_mb:,.0f}", f"{t.wall / floor:.1f}x"])
    print(f"\n## Speed: {name} ({n_docs:,} files), wall seconds, median of runs\n")
    print(markdown(["job", "seconds", "runs", "peak MB", "vs floor"], rows))
    for t in timings.values():
        if t.stages:
            stages = ", ".join(f"{k} {statistics.median(v):.2f}" for k, v in t.stages.items())
            print(f"\n`{t.label}` seconds per stage (median): {stages}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="runs per row on Reuters (median reported)")
    parser.add_argument("--runs-10x", type=int, default=1, help="runs per row on the 10x corpus")
    parser.add_argument("--skip-10x", action="store_true")
    parser.add_argument(
        "--no-datasketch-10x", action="store_true", help="skip the datasketch baseline on the 10x corpus (minutes)"
    )
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-structure", action="store_true", help="skip the fundus HTML structure bench")
    args = parser.parse_args()
    if not (REUTERS / "docs").is_dir():
        print(f"needs the Reuters-21578 corpus at {REUTERS}", file=sys.stderr)
        return 2
    ok = True
    sys.stdout.reconfigure(line_buffering=True)  # tables appear as they are measured
    if not args.skip_quality:
        ok &= report_quality()
    if not args.skip_structure and (structure.FUNDUS / "gold.jsonl").is_file():
        ok &= structure.report_scores()
        ok &= structure.report_speed(runs=args.runs)

    cpus = os.cpu_count() or 1
    workers = sorted({1, cpus})
    docs = REUTERS / "docs"
    n_docs = sum(1 for _ in docs.iterdir())
    small = time_corpus("reuters", docs, args.runs, workers)
    print_speed("Reuters-21578", n_docs, small)
    best = min((small[f"newsetl{w}"] for w in workers), key=lambda t: t.wall)
    ratio = paired_ratio(small["datasketch"], best)
    print(f"\ncheck: full pipeline on Reuters {best.wall:.2f} s <= 5 s: {verdict(best.wall <= 5)}")
    print(
        f"check: datasketch dedup-only / full pipeline = {ratio:.1f}x >= 4x: {verdict(ratio >= 4)} "
        f"(median of the rounds' ratios; ratio of the medians {small['datasketch'].wall / best.wall:.1f}x)"
    )
    ok &= best.wall <= 5 and ratio >= 4

    if not args.skip_10x:
        big_docs = make_scaled_corpus(docs, OUT / "reuters-10x")
        big = time_corpus("reuters-10x", big_docs, args.runs_10x, [cpus], datasketch=not args.no_datasketch_10x)
        print_speed("10x Reuters, generated", 10 * n_docs, big)
        mine = big[f"newsetl{cpus}"]
        growth = mine.wall / small[f"newsetl{cpus}"].wall
        print(f"\ncheck: 10x corpus takes {growth:.1f}x the Reuters time (<= 10x, linear): {verdict(growth <= 10)}")
        print(f"check: peak memory {mine.peak_mb:,.0f} MB < 2,000 MB: {verdict(mine.peak_mb < 2000)}")
        ok &= growth <= 10 and mine.peak_mb < 2000
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
