"""Where a document's processing time goes: µs per document by stage, and the fixed startup costs.

    .venv/bin/python -m bench.stages [--docs PATH] [--limit N] [--cpu]

One process, no pool: the inputs are processed in chunks as `process_shard` does, and each stage
is timed by wrapping the pipeline's own functions (the code measured is the code that runs).
Startup costs are measured first, in this fresh process: importing the pipeline, loading the
language model and loading the metadata tables. `--cpu` times stages by this thread's CPU time
instead of wall time: steadier when other jobs share the machine (each reading costs ~0.3 µs).
"""

from __future__ import annotations

import time

_START = time.perf_counter()

import argparse  # noqa: E402  (imported after the clock starts: the import cost is measured)
import functools  # noqa: E402
import gc  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

from pipeline.dedup import duplicates as dedup  # noqa: E402
from pipeline.enrich import describe, metadata  # noqa: E402
from pipeline.ingest import decode  # noqa: E402
from pipeline.ingest.listing import list_raw  # noqa: E402
from pipeline.models import Article  # noqa: E402
from pipeline.run import transform  # noqa: E402
from pipeline.run.shards import SHARD_CHUNK  # noqa: E402
from pipeline.run.transform import _process_chunk  # noqa: E402
from pipeline.settings import Settings  # noqa: E402

_IMPORTED = time.perf_counter()

REUTERS_DOCS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora" / "reuters21578" / "docs"


class StageClock:
    """Seconds spent inside wrapped functions, summed per stage."""

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self.clock = clock
        self.seconds: dict[str, float] = {}

    def wrap(self, module, name: str, stage: str) -> Callable[[], None]:
        """Replace `module.name` by a timed wrapper; returns a function that puts the original back."""
        original = getattr(module, name)
        self.seconds.setdefault(stage, 0.0)

        clock = self.clock

        @functools.wraps(original)
        def timed(*args, **kwargs):
            start = clock()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[stage] += clock() - start

        setattr(module, name, timed)
        return lambda: setattr(module, name, original)


def time_stages(
    docs_path: Path, limit: int | None, clock: Callable[[], float] = time.perf_counter
) -> tuple[int, int, dict[str, float]]:
    """Process the inputs as a shard would; returns (#inputs, #articles, seconds per stage)."""
    settings = Settings(raw=str(docs_path), out="/nonexistent")
    # Listed as a plan lists (no stat per file): each file is stat-ed as it is read, in read+decode.
    docs = list_raw(settings.raw, settings.exclude, settings.follow_symlinks, stat=False).docs[:limit]
    clock = StageClock(clock)
    restores = [
        clock.wrap(decode, "load_bytes", "read+decode"),
        clock.wrap(decode, "sha256_hex", "read+decode"),
        clock.wrap(decode, "decode_bytes", "read+decode"),
        clock.wrap(transform, "build_article", "parse+clean+metadata"),
        clock.wrap(metadata, "extract_metadata", "metadata"),
        clock.wrap(describe, "detect_languages", "language"),
        clock.wrap(dedup, "sketch_articles", "sketch"),
    ]
    n_articles = 0
    start = clock.clock()
    gc.disable()  # as in a pool worker (pipeline.run.tuning)
    try:
        for at in range(0, len(docs), SHARD_CHUNK):
            outcomes = _process_chunk(docs[at : at + SHARD_CHUNK], settings)
            n_articles += sum(isinstance(o, Article) for o in outcomes)
    finally:
        gc.enable()
        for restore in restores:
            restore()
    seconds = dict(clock.seconds)
    seconds["total"] = clock.clock() - start
    # build_article's time includes metadata's: split them.
    seconds["parse+clean"] = seconds.pop("parse+clean+metadata") - seconds["metadata"]
    seconds["other"] = seconds["total"] - sum(v for k, v in seconds.items() if k != "total")
    return len(docs), n_articles, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=Path, default=REUTERS_DOCS, help="folder of raw articles (default: Reuters)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N inputs")
    parser.add_argument("--cpu", action="store_true", help="time stages by CPU time, not wall time")
    args = parser.parse_args()
    if not args.docs.is_dir():
        raise SystemExit(f"no corpus at {args.docs}")

    startup = {"imports": _IMPORTED - _START}
    tick = time.perf_counter()
    describe.load_language_model()
    startup["language model"] = time.perf_counter() - tick
    tick = time.perf_counter()
    metadata.load_tables()
    startup["metadata tables"] = time.perf_counter() - tick

    clock = time.thread_time if args.cpu else time.perf_counter
    n_docs, n_articles, seconds = time_stages(args.docs, args.limit, clock)
    order = ["read+decode", "parse+clean", "metadata", "language", "sketch", "other", "total"]
    print(f"{n_docs:,} inputs ({n_articles:,} articles), one process\n")
    print(f"| stage | µs/doc ({'CPU' if args.cpu else 'wall'}) | share |")
    print("|---|---:|---:|")
    for stage in order:
        print(f"| {stage} | {1e6 * seconds[stage] / max(n_docs, 1):,.0f} | {seconds[stage] / seconds['total']:.0%} |")
    print("\n| startup (once per process) | ms |")
    print("|---|---:|")
    for what, value in startup.items():
        print(f"| {what} | {1e3 * value:,.0f} |")


if __name__ == "__main__":
    main()
