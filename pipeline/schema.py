"""Explicit, versioned Arrow schemas of every dataset (documented in docs/data-dictionary.md).

Evolution rule: a new version may only add nullable columns (or let a column hold nulls); readers
of an older partition get nulls for them. Anything else (rename, retype, drop) needs a migration
and a major version bump.
"""

from __future__ import annotations

import json

import pyarrow as pa

SCHEMA_VERSION = "1.4.0"
PARTITION_COLUMN = "date"

_TS = pa.timestamp("us", tz="UTC")
_STRINGS = pa.list_(pa.string())
_QUOTES = pa.list_(pa.struct([pa.field("text", pa.string(), nullable=False), pa.field("speaker", pa.string())]))


# pandas metadata naming the hive partition column a date32 column: `pd.read_parquet(dir)` then
# gives the date as `date32[pyarrow]` (datetime.date values) instead of a category of strings.
# Storing the date inside the files instead is refused by pyarrow ("Unable to merge: date32 vs
# dictionary<string>"), and a `_common_metadata` sidecar breaks `polars.scan_parquet(dir)`.
# Single files, DuckDB and Polars ignore this entry.
_PANDAS_METADATA = json.dumps(
    {
        "index_columns": [],
        "column_indexes": [],
        "columns": [
            {
                "name": PARTITION_COLUMN,
                "field_name": PARTITION_COLUMN,
                "pandas_type": "date",
                "numpy_type": "date32[day][pyarrow]",
                "metadata": None,
            }
        ],
    }
)


def _schema(name: str, fields: list[pa.Field]) -> pa.Schema:
    return pa.schema(
        fields,
        metadata={"newsetl.dataset": name, "newsetl.schema_version": SCHEMA_VERSION, "pandas": _PANDAS_METADATA},
    )


ARTICLES = _schema(
    "articles",
    [
        pa.field("article_id", pa.string(), nullable=False),
        pa.field("title", pa.string()),  # 1.4.0: null for a text without a title line (was never null)
        pa.field("kicker", pa.string()),
        pa.field("headline", pa.string()),
        pa.field("lead", pa.string(), nullable=False),
        pa.field("body", pa.string(), nullable=False),
        pa.field("subheadings", _STRINGS, nullable=False),
        pa.field("captions", _STRINGS, nullable=False),
        pa.field("photo_credits", _STRINGS, nullable=False),
        pa.field("source_site", pa.string()),
        pa.field("agencies", _STRINGS, nullable=False),
        pa.field("dateline", pa.string()),
        pa.field("tickers", _STRINGS, nullable=False),
        pa.field("language", pa.string()),
        pa.field("language_score", pa.float32()),
        pa.field("word_count", pa.int32(), nullable=False),
        pa.field("char_count", pa.int32(), nullable=False),
        pa.field("paragraph_count", pa.int32(), nullable=False),
        pa.field("content_hash", pa.string(), nullable=False),
        pa.field("raw_sha256", pa.string(), nullable=False),
        pa.field("raw_uri", pa.string(), nullable=False),
        pa.field("raw_path", pa.string(), nullable=False),
        pa.field("raw_size", pa.int64(), nullable=False),
        pa.field("raw_encoding", pa.string(), nullable=False),
        pa.field("raw_modified_at", _TS),
        pa.field("published_at", _TS),
        pa.field("source_url", pa.string()),
        pa.field("removed", _STRINGS, nullable=False),
        pa.field("duplicate_count", pa.int32(), nullable=False),
        # 1.1.0: provenance from the fetch stage's sidecar (or the HTML page's own metadata).
        pa.field("author", pa.string()),
        pa.field("site_name", pa.string()),
        pa.field("canonical_url", pa.string()),
        pa.field("feed_url", pa.string()),
        pa.field("fetched_at", _TS),
        # 1.2.0: metadata for analysts (nullable in the schema so older partitions read as nulls).
        pa.field("dateline_place", pa.string()),
        pa.field("dateline_date", pa.date32()),
        pa.field("quotes", _QUOTES),
        pa.field("people", _STRINGS),
        pa.field("organizations", _STRINGS),
        pa.field("places", _STRINGS),
        pa.field("countries", _STRINGS),
        pa.field("sentence_count", pa.int32()),
        pa.field("reading_time_min", pa.float32()),
        pa.field("years_mentioned", pa.list_(pa.int16())),
        # 1.4.0: where a record of a WARC file came from (null for other inputs).
        pa.field("warc_record_id", pa.string()),
        pa.field("warc_target_uri", pa.string()),
        pa.field("warc_date", _TS),
    ],
)

DUPLICATES = _schema(
    "duplicates",
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("raw_uri", pa.string(), nullable=False),
        pa.field("raw_path", pa.string(), nullable=False),
        pa.field("raw_sha256", pa.string(), nullable=False),
        pa.field("title", pa.string()),  # 1.4.0: may be null, as the article's
        pa.field("content_hash", pa.string(), nullable=False),
        pa.field("kept_article_id", pa.string(), nullable=False),
        pa.field("kept_date", pa.date32(), nullable=False),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("similarity", pa.float32(), nullable=False),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("estimated_similarity", pa.float32()),  # 1.3.0
    ],
)

REJECTS = _schema(
    "rejects",
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("raw_uri", pa.string(), nullable=False),
        pa.field("raw_path", pa.string(), nullable=False),
        pa.field("raw_sha256", pa.string()),
        pa.field("raw_size", pa.int64(), nullable=False),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("detail", pa.string(), nullable=False),
        pa.field("stage", pa.string(), nullable=False),
    ],
)

RUNS = _schema(
    "runs",
    [
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("partition_date", pa.date32(), nullable=False),
        pa.field("trigger", pa.string(), nullable=False),
        pa.field("started_at", _TS, nullable=False),
        pa.field("finished_at", _TS, nullable=False),
        pa.field("raw_uri", pa.string(), nullable=False),
        pa.field("out_uri", pa.string(), nullable=False),
        pa.field("params", pa.string(), nullable=False),
        pa.field("n_raw", pa.int64(), nullable=False),
        pa.field("n_excluded", pa.int64(), nullable=False),
        pa.field("n_articles", pa.int64(), nullable=False),
        pa.field("n_duplicates", pa.int64(), nullable=False),
        pa.field("n_rejects", pa.int64(), nullable=False),
        pa.field("reject_reasons", pa.map_(pa.string(), pa.int64()), nullable=False),
        pa.field("stage_seconds", pa.map_(pa.string(), pa.float64()), nullable=False),
        pa.field("versions", pa.map_(pa.string(), pa.string()), nullable=False),
        pa.field("schema_version", pa.string(), nullable=False),
    ],
)

# The fetch stage's manifest: one row per request or copied file, beside the landing zone
# (`<landing>/_manifest/date=YYYY-MM-DD/fetch-<fetch_id>.parquet`), not a processed dataset.
FETCH_MANIFEST = _schema(
    "fetch_manifest",
    [
        pa.field("fetch_id", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("url", pa.string(), nullable=False),
        pa.field("final_url", pa.string()),
        pa.field("feed_url", pa.string()),
        pa.field("status", pa.int32()),
        pa.field("content_type", pa.string()),
        pa.field("size", pa.int64()),
        pa.field("sha256", pa.string()),
        pa.field("etag", pa.string()),
        pa.field("last_modified", pa.string()),
        pa.field("fetched_at", _TS, nullable=False),
        pa.field("attempts", pa.int32(), nullable=False),
        pa.field("outcome", pa.string(), nullable=False),
        pa.field("raw_path", pa.string()),
        pa.field("error", pa.string()),
    ],
)

# Not an analytical dataset: what later dates' dedup compares against, one part per date (see pipeline/dedup.py).
DEDUP_INDEX = _schema(
    "dedup_index",
    [
        pa.field("article_id", pa.string(), nullable=False),
        pa.field("exact_key", pa.string(), nullable=False),
        pa.field("published_at", _TS),
        pa.field("raw_modified_at", _TS),
        pa.field("char_count", pa.int32(), nullable=False),
        pa.field("band_keys", pa.list_(pa.uint64()), nullable=False),
    ],
)

DATASETS: dict[str, pa.Schema] = {
    "articles": ARTICLES,
    "duplicates": DUPLICATES,
    "rejects": REJECTS,
    "runs": RUNS,
    "dedup_index": DEDUP_INDEX,
}
