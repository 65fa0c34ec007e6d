"""The records that flow between stages: one raw input in, exactly one outcome out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pipeline.enrich.quotes import Quote

if TYPE_CHECKING:
    import numpy as np


@dataclass(slots=True)
class RawDoc:
    """One raw input as listed by the read stage: a file (bytes not loaded yet) or a record of one.

    A local file listed without a stat (read.list_raw) has no size yet: read.load_bytes fills size
    and modified_at from the file it opens.
    """

    uri: str  # full URI the bytes came from (protocol included for non-local filesystems)
    rel_path: str  # path relative to the raw root: stable across machines, used for ids and order
    size: int | None
    modified_at: dt.datetime | None = None
    sidecar: dict[str, str] = field(default_factory=dict)  # metadata that travelled with the file
    refused: tuple[str, str] | None = None  # (reason, detail) when listing already saw it cannot be read
    # A record of a record file (pipeline/ingest/records.py): its bytes, the file's format and what
    # reading it needs from elsewhere in the file (a CSV's header). None for a file read whole.
    record: bytes | None = None
    format: str | None = None
    context: str | None = None


@dataclass(slots=True)
class Metadata:
    """What the enrich stage finds in an article (pipeline/enrich/metadata.py): the analysts' columns of
    an Article, which inherits them (so no field is copied by hand on the way)."""

    dateline_place: str | None = None
    dateline_date: dt.date | None = None
    published_at: dt.datetime | None = None
    agencies: list[str] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    people: list[str] = field(default_factory=list)
    organizations: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    sentence_count: int = 0
    reading_time_min: float = 0.0
    years_mentioned: list[int] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class Article(Metadata):
    """A kept (or duplicate-candidate) article after parse, clean and describe."""

    article_id: str
    title: str | None  # None: a text without a title line, and no evidence of its title
    kicker: str | None
    headline: str | None
    lead: str
    body: str
    subheadings: list[str]
    captions: list[str]
    photo_credits: list[str]
    source_site: str | None
    dateline: str | None
    tickers: list[str]
    language: str | None
    language_score: float | None
    word_count: int
    char_count: int
    paragraph_count: int
    content_hash: str
    raw_sha256: str
    raw_uri: str
    raw_path: str
    raw_size: int
    raw_encoding: str
    raw_modified_at: dt.datetime | None
    source_url: str | None
    removed: list[str]
    duplicate_count: int = 0
    author: str | None = None
    site_name: str | None = None
    canonical_url: str | None = None
    feed_url: str | None = None
    fetched_at: dt.datetime | None = None
    # The WARC record an article came from (pipeline/ingest/records.py); None for other inputs.
    warc_record_id: str | None = None
    warc_target_uri: str | None = None
    warc_date: dt.datetime | None = None
    # Made where the article was built (so the work runs in the worker processes); used by dedup,
    # not written to the articles dataset.
    sketch: Sketch | None = field(default=None, repr=False, compare=False)
    exact_key: str | None = field(default=None, repr=False, compare=False)  # the sketch's, when made with content_hash


@dataclass(frozen=True, slots=True)
class Sketch:
    """What dedup compares of an article: see pipeline/dedup.py."""

    exact_key: str  # hash of the normalized story text (title, dateline, body)
    signature: np.ndarray  # MinHash signature of its word shingles, uint32 per permutation


@dataclass(frozen=True, slots=True)
class Reject:
    """An input that could not become an article, with a reason code and words a user understands."""

    doc_id: str
    raw_uri: str
    raw_path: str
    raw_sha256: str | None
    raw_size: int
    reason: str
    detail: str
    stage: str


Outcome = Article | Reject
