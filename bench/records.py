"""`python -m bench.records`: the same articles as loose files, as records (JSONL, gzip JSONL,
Parquet) and as WARC records: wall time of `newsetl run` on each, as a ratio to the loose files,
measured in the same rounds (one run of each job per round; the median of the rounds' ratios).

Two corpora: the Reuters-21578 stories (one file each, against one JSONL/Parquet file whose records
hold the files' texts) and the fundus HTML pages (one file each, against a WARC of HTTP responses
holding them, plain and gzip). Target: every records job within 1.1x of its loose files. The
generated inputs go to bench/out/records/ (ignored by git: the corpora are never committed).
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import statistics
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from bench.speed import time_pipeline

PROJECT = Path(__file__).resolve().parent.parent
CORPORA = PROJECT.parent / "shared" / "corpora"
OUT = PROJECT / "bench" / "out" / "records"
TARGET = 1.1


def reuters_inputs(docs: int) -> dict[str, Path]:
    """Loose files, and the same texts as JSONL, gzip JSONL and Parquet records (a folder each)."""
    files = sorted((CORPORA / "reuters21578" / "docs").glob("*.txt"))[:docs]
    root = OUT / f"reuters-{len(files)}"
    jobs = {name: root / name for name in ("files", "jsonl", "jsonl.gz", "parquet")}
    if (root / ".done").exists():
        return jobs
    shutil.rmtree(root, ignore_errors=True)
    for folder in jobs.values():
        folder.mkdir(parents=True)
    texts = []
    for path in files:
        shutil.copyfile(path, jobs["files"] / path.name)
        texts.append(path.read_text(encoding="utf-8", errors="replace"))
    lines = "".join(json.dumps({"text": t}) + "\n" for t in texts).encode()
    (jobs["jsonl"] / "reuters.jsonl").write_bytes(lines)
    (jobs["jsonl.gz"] / "reuters.jsonl.gz").write_bytes(gzip.compress(lines))
    pq.write_table(pa.table({"text": texts}), jobs["parquet"] / "reuters.parquet")
    (root / ".done").touch()
    return jobs


def _response(uri: str, body: bytes) -> bytes:
    """One WARC/1.0 response record of an HTML page served with 200 OK."""
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    headers = (
        f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:{uuid.uuid4()}>\r\n"
        f"WARC-Date: 2024-05-01T00:00:00Z\r\nWARC-Target-URI: {uri}\r\n"
        f"Content-Type: application/http; msgtype=response\r\nContent-Length: {len(http)}\r\n\r\n"
    )
    return headers.encode() + http + b"\r\n\r\n"


def fundus_inputs() -> dict[str, Path]:
    """The fundus pages as loose HTML files, and as one WARC of responses (plain and gzip per record)."""
    pages = sorted((CORPORA / "fundus" / "html").glob("*.html"))
    root = OUT / "fundus"
    jobs = {name: root / name for name in ("files", "warc", "warc.gz")}
    if (root / ".done").exists():
        return jobs
    shutil.rmtree(root, ignore_errors=True)
    for folder in jobs.values():
        folder.mkdir(parents=True)
    with open(jobs["warc"] / "fundus.warc", "wb") as plain, open(jobs["warc.gz"] / "fundus.warc.gz", "wb") as gz:
        for page in pages:
            shutil.copyfile(page, jobs["files"] / page.name)
            record = _response(f"https://fundus.example/{page.name}", page.read_bytes())
            plain.write(record)
            gz.write(gzip.compress(record))
    (root / ".done").touch()
    return jobs


def measure(jobs: dict[str, Path], rounds: int, workers: int) -> dict[str, list[float]]:
    """Wall seconds of each job per round, the jobs run in turn within each round."""
    walls: dict[str, list[float]] = {name: [] for name in jobs}
    for _ in range(rounds):
        for name, raw in jobs.items():
            # (--publish-anyway: a fundus page that is not taken for HTML fails the size audit; timed all the same)
            run = time_pipeline(raw, OUT / "out" / name, runs=1, workers=workers, options=("--publish-anyway",))
            walls[name] += run.walls
    return walls


def _landed(name: str) -> int:
    out = OUT / "out" / name
    return sum(pq.read_table(out / d).num_rows for d in ("articles", "duplicates", "rejects"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reuters", type=int, default=21578, help="Reuters stories (of 21,578)")
    args = parser.parse_args()
    if not (CORPORA / "fundus" / "html").is_dir():
        print(f"needs the shared corpora at {CORPORA}")
        return 2
    ok = True
    print("| corpus | input | inputs landed | median wall s | ratio to files (median of rounds) | target |")
    print("|---|---|---|---|---|---|")
    for corpus, jobs in (("reuters", reuters_inputs(args.reuters)), ("fundus", fundus_inputs())):
        walls = measure(jobs, args.rounds, args.workers)
        for name in jobs:
            ratios = [w / f for w, f in zip(walls[name], walls["files"], strict=True)]
            ratio = statistics.median(ratios)
            passed = name == "files" or ratio <= TARGET
            ok &= passed
            verdict = "" if name == "files" else ("pass" if passed else "FAIL")
            row = [corpus, name, str(_landed(name)), f"{statistics.median(walls[name]):.2f}", f"{ratio:.3f}", verdict]
            print("| " + " | ".join(row) + " |")
    print(f"\ntarget: every records job within {TARGET}x of its loose files: {'pass' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
