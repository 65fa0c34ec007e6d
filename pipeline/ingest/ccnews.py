"""Common Crawl's CC-NEWS: a day's WARC files, downloaded into the landing zone.

CC-NEWS publishes a month's WARC paths in `<base>/crawl-data/CC-NEWS/YYYY/MM/warc.paths.gz`, one
path a line, each file named after the time its crawl began (`CC-NEWS-20240501012345-01234.warc.gz`).
A date's files are those named after that day. Each is streamed to disk under a hidden `.part` name
(never listed as an input), resumed with an HTTP Range request where an earlier fetch stopped,
aborted past a size cap, then renamed to its own name in the day folder: the run reads it as a
WARC of records (ingest/records.py). One manifest row per listing and per file.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import os
import posixpath
import time
from urllib.parse import urljoin

import httpx

from pipeline.ingest import landing
from pipeline.ingest.fetch import Fetcher, _row, check_url

DEFAULT_BASE = "https://data.commoncrawl.org/"
CHUNK = 1 << 20


def listing_url(base: str, date: dt.date) -> str:
    """The URL of the month's WARC paths of `date`."""
    return urljoin(base.rstrip("/") + "/", f"crawl-data/CC-NEWS/{date:%Y}/{date:%m}/warc.paths.gz")


def day_paths(listing: bytes, date: dt.date) -> list[str]:
    """The paths of `date`'s WARC files in a month's listing (gzip-compressed or not), in order."""
    text = (gzip.decompress(listing) if listing[:2] == b"\x1f\x8b" else listing).decode("utf-8", "replace")
    prefix = f"CC-NEWS-{date:%Y%m%d}"
    return [p.strip() for p in text.splitlines() if posixpath.basename(p.strip()).startswith(prefix)]


def fetch_day(
    fetcher: Fetcher, source: str, base: str, zone: landing.Landing, date: dt.date, max_files: int = 0
) -> list[dict]:
    """Download `date`'s CC-NEWS WARC files (the first `max_files`, 0: all) into the day folder of
    `zone`; the manifest rows of the listing and of each file. Never raises for one bad file."""
    url = listing_url(base, date)
    result = fetcher.get(url)
    row = _row(source, "cc_news_listing", url, status=result.status, attempts=result.attempts)
    if result.error or result.body is None:
        return [{**row, "outcome": "error", "error": result.error or f"HTTP {result.status}: no listing"}]
    paths = day_paths(result.body, date)
    rows = [{**row, "outcome": "listed", "size": len(result.body)}]
    for path in paths[: max_files or None]:
        file_url = urljoin(base.rstrip("/") + "/", path)
        try:
            rows.append(download(fetcher, source, file_url, zone))
        except Exception as exc:  # one bad file must never take the whole fetch down
            rows.append(
                _row(source, "warc", file_url, outcome="error", error=f"internal error: {type(exc).__name__}: {exc}")
            )
    return rows


def download(fetcher: Fetcher, source: str, url: str, zone: landing.Landing) -> dict:
    """Stream one WARC file into the day folder, resuming a `.part` left by an earlier fetch, up to
    the fetch settings' `warc_max_bytes`; its manifest row."""
    settings = fetcher.settings
    name = posixpath.basename(url)
    folder = os.path.join(zone.root, zone.day)
    final, part = os.path.join(folder, name), os.path.join(folder, f".{name}.part")
    rel = posixpath.join(zone.day, name)
    if os.path.exists(final):
        return _row(source, "warc", url, size=os.path.getsize(final), raw_path=rel, outcome="already_landed")
    refused = check_url(url, settings.allow_private)
    if refused:
        return _row(source, "warc", url, outcome="error", error=refused)
    if "://" in zone.root and not zone.root.startswith("file://"):
        return _row(source, "warc", url, outcome="error", error="CC-NEWS files land in a local folder only")
    os.makedirs(folder, exist_ok=True)
    error, status, attempts = None, None, 0
    for attempts in range(1, settings.retries + 2):
        have = os.path.getsize(part) if os.path.exists(part) else 0
        try:
            with fetcher.client.stream("GET", url, headers={"Range": f"bytes={have}-"} if have else {}) as resp:
                status = resp.status_code
                if status == 416 and have:  # nothing left to send: the part is the whole file
                    error = None
                    break
                error = f"HTTP {status} {resp.reason_phrase}" if status >= 400 else None
                if error is None:  # 206 resumes the part; 200 (a server that ignores Range) starts it again
                    error = _stream(resp, part, append=status == 206, cap=settings.warc_max_bytes)
                if status < 500:
                    break
        except httpx.HTTPError as exc:  # a dropped connection: the next attempt resumes from the part
            error = f"connection error: {type(exc).__name__}: {exc}"
        time.sleep(settings.backoff * 2 ** (attempts - 1))
    if error:
        if error.startswith("too large") and os.path.exists(part):
            os.remove(part)  # (a connection error keeps it, for the next fetch to resume)
        return _row(source, "warc", url, status=status, attempts=attempts, outcome="error", error=error)
    digest = hashlib.sha256()
    with open(part, "rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            digest.update(chunk)
    size = os.path.getsize(part)
    os.replace(part, final)
    return _row(
        source,
        "warc",
        url,
        status=status,
        content_type="application/warc",
        size=size,
        sha256=digest.hexdigest(),
        attempts=attempts,
        raw_path=rel,
        outcome="stored",
    )


def _stream(resp: httpx.Response, part: str, append: bool, cap: int) -> str | None:
    """Write the body to `part` (appended to what is there when the server resumed), or why not."""
    declared = resp.headers.get("content-length")
    have = os.path.getsize(part) if append and os.path.exists(part) else 0
    if declared and declared.isdigit() and have + int(declared) > cap:
        return f"too large: {have + int(declared):,} bytes is over the {cap:,}-byte limit"
    total = have
    with open(part, "ab" if append else "wb") as fh:
        for chunk in resp.iter_bytes(CHUNK):
            total += len(chunk)
            if total > cap:
                return f"too large: aborted after {total:,} bytes (limit {cap:,})"
            fh.write(chunk)
    return None
