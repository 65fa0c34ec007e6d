"""Every path and parameter of a run, with its default, help text and bounds, in one frozen place.

The CLI's options (`cli.py`) and the DAG's params (`dags/news_etl.py`) are made from these fields,
so a default or a help text changes here and nowhere else (tests/test_settings.py fails if a driver
drifts). Built once by the CLI or the DAG, then handed down.
"""

from __future__ import annotations

import datetime as dt
import os
import posixpath
import typing
from collections.abc import Mapping
from dataclasses import Field, dataclass, field, fields
from pathlib import Path

from pipeline.dedup.minhash import MinHashParams

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RAW_ROOT = str(PROJECT_ROOT / "data" / "raw")
# The bundled sample, which `newsetl run` reads, lives apart from the dated folders that `backfill`,
# `fetch` and the DAG read and land (`data/raw/YYYY-MM-DD/`): neither ever lists the other's files.
DEFAULT_RAW = f"{RAW_ROOT}/sample"
DATED_RAW = f"{RAW_ROOT}/{{date}}"
DEFAULT_OUT = str(PROJECT_ROOT / "data" / "processed")
DEFAULT_MAX_BYTES = 16 * 1024 * 1024  # of a run's input, and of a fetched body (ingest.sources)
# A run's parallelism, CLI and DAG alike: the worker processes of a CLI run, the mapped shard tasks
# of a DAG run. Two where there are two cores (more were not measured; each worker holds its own
# language model and gazetteer).
DEFAULT_WORKERS = min(2, os.cpu_count() or 1)
# Files that live beside raw articles but are not articles: attribution tables, notes, sidecars.
DEFAULT_EXCLUDE = ("SOURCES.tsv", "README*", "LICENSE*", "*.meta.json")


def _setting(default, help: str, minimum: float | None = None, maximum: float | None = None):
    """A field of Settings: its default, the help the CLI and the DAG show, and its bounds."""
    return field(default=default, metadata={"help": help, "minimum": minimum, "maximum": maximum})


@dataclass(frozen=True, slots=True)
class Settings:
    raw: str = _setting(DEFAULT_RAW, "Raw folder, glob or fsspec URI; '{date}' is replaced by the partition date.")
    out: str = _setting(DEFAULT_OUT, "Root of the processed datasets (path or fsspec URI).")
    workers: int = _setting(
        DEFAULT_WORKERS, "Parallel processes (CLI), or shard tasks (DAG) when shards is 0.", minimum=1
    )
    shards: int = _setting(
        0, "Equal slices of the input (0: shrinking ones, one per worker in the DAG). Output is the same.", minimum=0
    )
    max_bytes: int = _setting(DEFAULT_MAX_BYTES, "Inputs larger than this are rejected unread.", minimum=1)
    min_words: int = _setting(1, "Fewer words than this after cleaning is a no_body reject.", minimum=0)
    exclude: tuple[str, ...] = _setting(DEFAULT_EXCLUDE, "Names (globs) beside the articles that are not articles.")
    follow_symlinks: bool = _setting(False, "Read symbolic links that point outside the raw folder (else rejects).")
    max_reject_rate: float = _setting(
        0.5, "The quality check fails a partition with a larger share of rejects.", minimum=0, maximum=1
    )
    publish_anyway: bool = _setting(False, "Publish a partition that fails the quality check (else: quarantined).")
    lock_wait: float = _setting(0, "Seconds to wait for another run of the same date (0: fail at once).", minimum=0)
    lock_db: str | None = _setting(
        None,
        "PostgreSQL URL whose advisory locks guard the output, needed on an object store "
        "(a password comes from PGPASSWORD or ~/.pgpass, never the URL).",
    )
    # Near duplicates: word n-gram shingles of the normalized body, MinHash + LSH banding, and every
    # LSH candidate confirmed by the exact Jaccard of the shingle sets (>= near_threshold).
    near_threshold: float = _setting(0.8, "Jaccard similarity from which bodies are near duplicates.", 0, 1)
    shingle_words: int = _setting(5, "Words per shingle of the near-duplicate sketch.", minimum=1)
    minhash_permutations: int = _setting(128, "MinHash permutations of the near-duplicate sketch.", minimum=1)
    # 32 bands x 4 rows: a pair at Jaccard 0.8 becomes a candidate with probability > 0.9999, at 0.5
    # with 0.87; candidates are all confirmed, so extra ones cost a check, never a false duplicate.
    lsh_bands: int = _setting(32, "LSH bands of the sketch (a divisor of the permutations).", minimum=1)
    dedup_window_days: int | None = _setting(
        None, "Compare only with published dates at most this many days away (default: all).", minimum=0
    )
    # Record files (pipeline/ingest/records.py): which record fields fill which article columns (the
    # defaults read news-please and hub exports), and how a file whose extension names no record
    # format is read.
    fields: tuple[str, ...] = _setting(
        (), "Record fields of the article's columns: body=text,title=headline (also url, date, author, language)."
    )
    text_as: str = _setting(
        "auto", "Read .txt and other files as: auto (whole unless plainly records), article, lines, jsonl, csv, tsv."
    )

    def __post_init__(self) -> None:
        """Every bound of the fields holds (the CLI and the DAG refuse such values before, from the same bounds)."""
        for f in fields(self):
            value, low, high = getattr(self, f.name), f.metadata["minimum"], f.metadata["maximum"]
            if value is not None and ((low is not None and value < low) or (high is not None and value > high)):
                raise ValueError(f"setting {f.name}={value!r} is out of its bounds [{low}, {high}]")

    @classmethod
    def of(cls, values: Mapping) -> Settings:
        """Settings from a mapping that holds (at least) every field, as CLI options and DAG params do;
        lists (JSON arrays) become tuples."""
        return cls(**{f.name: _frozen(values[f.name]) for f in fields(cls)})

    def minhash_params(self) -> MinHashParams:
        return MinHashParams(self.shingle_words, self.minhash_permutations, self.lsh_bands)

    def raw_for(self, date: dt.date) -> str:
        """The raw location of one partition: the template with its date filled in."""
        return self.raw.replace("{date}", date.isoformat())

    @property
    def raw_is_dated(self) -> bool:
        return "{date}" in self.raw

    @property
    def raw_root(self) -> str:
        """The folder that holds a dated template's day folders (`a/b/{date}` -> `a/b`): it must exist,
        where a day of it may be missing (nothing arrived that day)."""
        return posixpath.dirname(self.raw.split("{date}", 1)[0]) or "."


def _frozen(value):
    return tuple(value) if isinstance(value, list) else value


def setting_fields() -> list[tuple[Field, type]]:
    """Each field of Settings with its type (resolved: `int | None`, `tuple[str, ...]`), in order."""
    hints = typing.get_type_hints(Settings)
    return [(f, hints[f.name]) for f in fields(Settings)]


_JSON_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean"}


def param_schemas(**defaults) -> dict[str, dict]:
    """Each setting as a JSON-schema property (default, type, bounds, description): the DAG's params.
    `defaults` overrides a field's default (the DAG reads dated raw folders)."""
    schemas = {}
    for f, hint in setting_fields():
        schema: dict = {"default": defaults.get(f.name, f.default), "description": f.metadata["help"]}
        args = typing.get_args(hint)
        if typing.get_origin(hint) is tuple:
            schema.update(type="array", items={"type": _JSON_TYPES[args[0]]}, default=list(schema["default"]))
        elif type(None) in args:
            schema["type"] = ["null", *(_JSON_TYPES[a] for a in args if a is not type(None))]
        else:
            schema["type"] = _JSON_TYPES[hint]
            if hint is str:
                schema["minLength"] = 1  # a path is never empty
        for bound in ("minimum", "maximum"):
            if f.metadata[bound] is not None:
                schema[bound] = f.metadata[bound]
        schemas[f.name] = schema
    return schemas
