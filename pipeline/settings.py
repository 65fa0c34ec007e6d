"""One frozen place for every path and parameter; built by the CLI or the DAG, handed down."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_RAW = str(PROJECT_ROOT / "data" / "raw")
DEFAULT_OUT = str(PROJECT_ROOT / "data" / "processed")
DEFAULT_MAX_BYTES = 16 * 1024 * 1024

# Files that live beside raw articles but are not articles: attribution tables, notes, sidecars.
DEFAULT_EXCLUDE = ("SOURCES.tsv", "README*", "LICENSE*", "*.meta.json")


@dataclass(frozen=True, slots=True)
class Settings:
    raw: str = DEFAULT_RAW  # folder, glob or fsspec URI; "{date}" is replaced by the partition date
    out: str = DEFAULT_OUT  # root of the processed datasets (local path or fsspec URI)
    max_bytes: int = DEFAULT_MAX_BYTES  # larger inputs are rejected as too_large without being read
    min_words: int = 1  # fewer words than this after cleaning is a no_body reject
    workers: int = 1
    exclude: tuple[str, ...] = field(default=DEFAULT_EXCLUDE)

    def raw_for(self, date: dt.date) -> str:
        """The raw location of one partition: the template with its date filled in."""
        return self.raw.replace("{date}", date.isoformat())

    @property
    def raw_is_dated(self) -> bool:
        return "{date}" in self.raw
