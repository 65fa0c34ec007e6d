"""The landing zone: raw bytes stored once, named by content hash, with their sidecar and a manifest.

Layout under the landing root (a local folder or any fsspec URI):

    <root>/YYYY-MM-DD/<sha256>.<ext>             raw bytes exactly as received
    <root>/YYYY-MM-DD/<sha256>.<ext>.meta.json   sidecar: where they came from (listing.list_raw attaches it)
    <root>/_manifest/date=YYYY-MM-DD/fetch-<fetch_id>.parquet   one row per request (schema FETCH_MANIFEST)

Files are never rewritten: a name is its content, so landing the same bytes again is a no-op. The
manifest sits under an underscore folder, which the processing step never takes for articles.
"""

from __future__ import annotations

import datetime as dt
import json
import posixpath
import threading
from dataclasses import dataclass

from fsspec.core import url_to_fs

from pipeline.io import atomic
from pipeline.io.parquet import write_partition

MANIFEST_DIR = "_manifest"
_STORE_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class Seen:
    """What the last fetch of a URL found: enough for a conditional GET and a same-hash check."""

    sha256: str
    etag: str | None
    last_modified: str | None


@dataclass(frozen=True, slots=True)
class Landing:
    root: str  # landing root URI; the manifest lives under it
    day: str  # the day folder relative to the root (`2024-05-01`)

    @property
    def day_uri(self) -> str:
        """Where the processing step reads this day's raw files (`newsetl run --raw`)."""
        return posixpath.join(self.root, self.day)


def landing_for(raw: str, date: dt.date) -> Landing:
    """The landing zone of one date: `raw` is a root (day folder `<raw>/YYYY-MM-DD`) or a `{date}` template."""
    if "{date}" in raw:
        prefix, rest = raw.split("{date}", 1)
        root = prefix.rstrip("/") or "."
        return Landing(root=root, day=f"{date.isoformat()}{rest}".rstrip("/"))
    return Landing(root=raw.rstrip("/") or ".", day=date.isoformat())


def store_raw(landing: Landing, data: bytes, sha256: str, ext: str, sidecar: dict[str, str]) -> tuple[str, bool]:
    """Land `data` as `<day>/<sha256><ext>` with its sidecar; (path relative to the root, newly written?)."""
    fs, root = url_to_fs(landing.root)
    rel = posixpath.join(landing.day, f"{sha256}{ext}")
    path = posixpath.join(root, rel)
    meta = json.dumps(sidecar, ensure_ascii=False, sort_keys=True, indent=1).encode()
    with _STORE_LOCK:  # two URLs of one fetch may deliver the same bytes at the same moment
        if fs.exists(path):
            return rel, False  # same bytes already landed today (from this or another URL): keep the first sidecar
        fs.makedirs(posixpath.dirname(path), exist_ok=True)
        # Sidecar first: when the article file appears, its metadata is already beside it.
        atomic.write_atomic(fs, f"{path}.meta.json", meta)
        atomic.write_atomic(fs, path, data)
    return rel, True


def write_manifest(landing: Landing, date: dt.date, fetch_id: str, rows: list[dict]) -> str:
    """Write one fetch's manifest rows as `<root>/_manifest/date=.../fetch-<fetch_id>.parquet`."""
    import pyarrow as pa

    from pipeline.schema import FETCH_MANIFEST

    table = pa.Table.from_pylist(rows, schema=FETCH_MANIFEST)
    return write_partition(landing.root, MANIFEST_DIR, date, table, name=f"fetch-{fetch_id}.parquet")


def read_manifests(root: str):
    """Every manifest row ever written under `root`, as one Arrow table (empty when none)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from pipeline.schema import FETCH_MANIFEST

    fs, base = url_to_fs(root)
    folder = posixpath.join(base, MANIFEST_DIR)
    files = sorted(fs.glob(posixpath.join(folder, "date=*", "fetch-*.parquet"))) if fs.isdir(folder) else []
    if not files:
        return FETCH_MANIFEST.empty_table()
    return pa.concat_tables([pq.read_table(f, filesystem=fs, schema=FETCH_MANIFEST) for f in files])


def last_seen(root: str) -> dict[str, Seen]:
    """URL → what its latest successful fetch (stored or unchanged) found, across all earlier fetches."""
    table = read_manifests(root)
    cols = ["url", "sha256", "etag", "last_modified", "fetched_at", "outcome"]
    rows = sorted(
        (r for r in table.select(cols).to_pylist() if r["sha256"] and r["outcome"] in SUCCESS),
        key=lambda r: r["fetched_at"],
    )
    return {r["url"]: Seen(r["sha256"], r["etag"], r["last_modified"]) for r in rows}


# Manifest outcomes that mean "these bytes are in the landing zone".
SUCCESS = ("stored", "already_landed", "unchanged")
