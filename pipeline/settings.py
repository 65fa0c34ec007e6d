"""One frozen place for every path and parameter; built by the CLI or the DAG, handed down."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.dedup.minhash import MinHashParams

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_RAW = str(PROJECT_ROOT / "data" / "raw")
DEFAULT_OUT = str(PROJECT_ROOT / "data" / "processed")
DEFAULT_MAX_BYTES = 16 * 1024 * 1024
DEFAULT_MAX_REJECT_RATE = 0.5

# Files that live beside raw articles but are not articles: attribution tables, notes, sidecars.
DEFAULT_EXCLUDE = ("SOURCES.tsv", "README*", "LICENSE*", "*.meta.json")


@dataclass(frozen=True, slots=True)
class Settings:
    raw: str = DEFAULT_RAW  # folder, glob or fsspec URI; "{date}" is replaced by the partition date
    out: str = DEFAULT_OUT  # root of the processed datasets (local path or fsspec URI)
    max_bytes: int = DEFAULT_MAX_BYTES  # larger inputs are rejected as too_large without being read
    min_words: int = 1  # fewer words than this after cleaning is a no_body reject
    workers: int = 1  # local processes (CLI); the DAG's parallelism is its mapped shard tasks
    shards: int = 0  # equal slices of the input processed apart; 0: guided ones for the workers (run.plan.split_guided)
    max_reject_rate: float = DEFAULT_MAX_REJECT_RATE  # the quality check fails a partition above this
    exclude: tuple[str, ...] = field(default=DEFAULT_EXCLUDE)
    follow_symlinks: bool = False  # read symbolic links that point outside the raw root (off: reject them)
    lock_wait: float = 0  # seconds to wait for another run of the same date to finish (0: fail at once)
    # PostgreSQL URL whose advisory locks guard the output (io/lock.py); an object-store out needs one.
    # Never recorded in the runs dataset: it may hold a password.
    lock_db: str | None = field(default=None, repr=False)
    # Near duplicates: word n-gram shingles of the normalized body, MinHash + LSH banding, and every
    # LSH candidate confirmed by the exact Jaccard of the shingle sets (>= near_threshold).
    near_threshold: float = 0.8
    shingle_words: int = 5
    minhash_permutations: int = 128
    # 32 bands x 4 rows: a pair at Jaccard 0.8 becomes a candidate with probability > 0.9999, at 0.5
    # with 0.87; candidates are all confirmed, so extra ones cost a check, never a false duplicate.
    lsh_bands: int = 32
    dedup_window_days: int | None = None  # compare with published dates at most this many days away

    def minhash_params(self) -> MinHashParams:
        return MinHashParams(self.shingle_words, self.minhash_permutations, self.lsh_bands)

    def raw_for(self, date: dt.date) -> str:
        """The raw location of one partition: the template with its date filled in."""
        return self.raw.replace("{date}", date.isoformat())

    @property
    def raw_is_dated(self) -> bool:
        return "{date}" in self.raw
