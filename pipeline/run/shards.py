"""Process one shard: its inputs become staged articles, rejects and dedup sketches.

A shard is processed in chunks so memory stays flat; its outcomes are written to the staging area
where publish reads them back.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass

from pipeline.io import staging
from pipeline.models import Article
from pipeline.run.plan import Shard
from pipeline.run.transform import _process_chunk
from pipeline.settings import Settings

Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class ShardResult:
    """What a processed shard reports to publish: where its outcomes are staged, and counts."""

    staging: str
    index: int
    n_docs: int
    n_articles: int
    n_rejects: int
    seconds: float

    def as_dict(self) -> dict:
        return asdict(self)


SHARD_CHUNK = 512


def process_shard(settings: Settings, shard: Shard, progress: Progress | None = None) -> ShardResult:
    """Parse, clean and describe one shard's inputs and stage their outcomes (safe to retry).

    A chunk at a time: language detection and sketches run in batches (faster), and each chunk's
    outcomes go to the shard's writer before the next is made, so a worker holds at most one row
    group of outcomes (staging.STAGED_ROWS) whatever the shard size.
    """
    tick = time.perf_counter()
    docs = staging.read_docs(shard.staging, shard.start, shard.stop)
    n_articles = n_rejects = 0
    with staging.ShardWriter(shard.staging, shard.index, settings.minhash_params()) as writer:
        for start in range(0, len(docs), SHARD_CHUNK):
            chunk = docs[start : start + SHARD_CHUNK]
            outcomes = _process_chunk(chunk, settings)
            articles = [o for o in outcomes if isinstance(o, Article)]
            rejects = [o for o in outcomes if not isinstance(o, Article)]
            writer.write(articles, rejects)
            n_articles, n_rejects = n_articles + len(articles), n_rejects + len(rejects)
            if progress:
                progress(len(chunk))
    return ShardResult(
        staging=shard.staging,
        index=shard.index,
        n_docs=len(docs),
        n_articles=n_articles,
        n_rejects=n_rejects,
        seconds=round(time.perf_counter() - tick, 4),
    )


def process_shards(
    settings: Settings, shards: list[Shard], pool: ProcessPoolExecutor | None, progress: Progress | None = None
) -> list[ShardResult]:
    """Every shard: in `pool` (see `worker_pool`), or in this process without one."""
    if pool is None or len(shards) <= 1:
        return [process_shard(settings, shard, progress) for shard in shards]
    results = []
    for future in [pool.submit(process_shard, settings, shard) for shard in shards]:
        results.append(future.result())
        if progress:
            progress(results[-1].n_docs)
    return results
