"""Fetch stage: pull raw articles from feeds, URL lists and folders/fsspec URIs into the landing zone.

Nothing is parsed here: HTML and plain text land as the exact bytes received, and the processing
step (`run_partition` on the day folder) turns them into articles. Each request becomes one
manifest row; a failing URL is a row with its error, never a failed run.

Network manners: only http(s); private, loopback and link-local addresses refused unless allowed
(checked on every redirect hop, so a public page cannot bounce the fetcher into an intranet);
timeouts; retries with exponential backoff on 5xx and connection errors only; a per-host limit on
requests in flight and a delay between them; bodies streamed and aborted past `max_bytes`;
conditional GET (ETag / Last-Modified) against what the last fetch of the same URL found.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
import socket
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx

from pipeline.enrich import describe
from pipeline.ingest import landing
from pipeline.ingest.decode import RejectInput, load_bytes, sha256_hex
from pipeline.ingest.listing import SourceNotFound, list_raw
from pipeline.ingest.sources import FetchSettings, Source
from pipeline.schema import FETCH_MANIFEST
from pipeline.settings import DEFAULT_EXCLUDE

# Content types that land as articles (the processing step tells HTML from text by content).
ARTICLE_TYPES = {"text/html": ".html", "application/xhtml+xml": ".html", "text/plain": ".txt"}
REDIRECTS = (301, 302, 303, 307, 308)
FETCH_MANIFEST_COLUMNS = FETCH_MANIFEST.names


@dataclass(slots=True)
class HttpResult:
    """What one URL gave after redirects and retries (body only for a complete 200)."""

    url: str
    final_url: str | None = None
    status: int | None = None
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    body: bytes | None = None
    attempts: int = 0
    error: str | None = None


@dataclass(slots=True)
class FetchSummary:
    fetch_id: str
    date: dt.date
    landing: str  # the day folder the processing step reads
    manifest: str
    outcomes: dict[str, int] = field(default_factory=dict)  # manifest rows per outcome

    def as_dict(self) -> dict:
        return {
            "fetch_id": self.fetch_id,
            "date": self.date.isoformat(),
            "landing": self.landing,
            "manifest": self.manifest,
            "outcomes": self.outcomes,
        }


def check_url(url: str, allow_private: bool) -> str | None:
    """Why `url` must not be fetched, or None: only http(s), and no private address unless allowed."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return f"only http(s) URLs are fetched, not {parts.scheme or 'a relative'!r} URLs"
    if not parts.hostname:
        return "the URL has no host"
    if allow_private:
        return None
    try:
        infos = socket.getaddrinfo(parts.hostname, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        return f"cannot resolve host {parts.hostname}: {exc}"
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if not address.is_global:
            return f"{parts.hostname} is a private or loopback address ({address}); allow_private opts in"
    return None


@dataclass(slots=True)
class _Hop(HttpResult):
    """One request's result, with what the retry and redirect loops need."""

    retryable: bool = False
    location: str | None = None


class HostGate:
    """At most `per_host` requests in flight per host, and `delay` seconds between their starts."""

    def __init__(self, per_host: int, delay: float):
        self._per_host = per_host
        self._delay = delay
        self._lock = threading.Lock()
        self._slots: dict[str, threading.Semaphore] = {}
        self._next_start: dict[str, float] = {}

    @contextmanager
    def slot(self, host: str):
        with self._lock:
            sem = self._slots.setdefault(host, threading.Semaphore(self._per_host))
        with sem:
            with self._lock:
                now = time.monotonic()
                start = max(now, self._next_start.get(host, 0.0))
                self._next_start[host] = start + self._delay
            time.sleep(start - now)
            yield


class Fetcher:
    """A polite HTTP client: one per fetch run, shared by its worker threads (httpx.Client is thread-safe)."""

    def __init__(self, settings: FetchSettings):
        self.settings = settings
        self.gate = HostGate(settings.per_host, settings.delay)
        self.client = httpx.Client(
            headers={"User-Agent": settings.user_agent, "Accept": "text/html, text/plain;q=0.9, */*;q=0.5"},
            timeout=httpx.Timeout(settings.timeout),
            follow_redirects=False,  # followed by hand so that every hop is checked
            limits=httpx.Limits(max_connections=settings.workers),
        )

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def get(self, url: str, seen: landing.Seen | None = None) -> HttpResult:
        """GET `url`, following redirects (each hop checked), conditional on what was seen last time."""
        headers = {}
        if seen and seen.etag:
            headers["If-None-Match"] = seen.etag
        if seen and seen.last_modified:
            headers["If-Modified-Since"] = seen.last_modified
        current, attempts = url, 0
        for _ in range(self.settings.max_redirects + 1):
            refused = check_url(current, self.settings.allow_private)
            if refused:
                return HttpResult(url, final_url=current, attempts=attempts, error=refused)
            result = self._get_with_retries(current, headers)
            attempts += result.attempts
            result.url, result.attempts = url, attempts
            if result.status in REDIRECTS and result.location:
                current = urljoin(current, result.location)
                continue
            return result
        return HttpResult(url, final_url=current, attempts=attempts, error="too many redirects")

    def _get_with_retries(self, url: str, headers: dict[str, str]) -> _Hop:
        host = urlsplit(url).hostname or ""
        attempts = 0
        while True:
            with self.gate.slot(host):
                hop = self._get_once(url, headers)
            attempts += 1
            hop.attempts = attempts
            if not hop.retryable or attempts > self.settings.retries:
                return hop
            time.sleep(self.settings.backoff * 2 ** (attempts - 1))

    def _get_once(self, url: str, headers: dict[str, str]) -> _Hop:
        hop = _Hop(url, final_url=url)
        try:
            with self.client.stream("GET", url, headers=headers) as resp:
                hop.status = resp.status_code
                hop.content_type = resp.headers.get("content-type")
                hop.etag = resp.headers.get("etag")
                hop.last_modified = resp.headers.get("last-modified")
                hop.location = resp.headers.get("location")
                if resp.status_code >= 500:
                    hop.error, hop.retryable = f"HTTP {resp.status_code} {resp.reason_phrase}", True
                elif resp.status_code >= 400:
                    hop.error = f"HTTP {resp.status_code} {resp.reason_phrase}"
                elif resp.status_code == 200:
                    hop.body, hop.error = _read_capped(resp, self.settings.max_bytes)
        except httpx.TimeoutException as exc:
            hop.error, hop.retryable = f"timed out after {self.settings.timeout:g} s ({type(exc).__name__})", True
        except httpx.TransportError as exc:
            hop.error, hop.retryable = f"connection error: {type(exc).__name__}: {exc}", True
        except httpx.HTTPError as exc:  # e.g. a body whose Content-Encoding does not decode: asking again won't help
            hop.error = f"bad response: {type(exc).__name__}: {exc}"
        return hop


def _read_capped(resp: httpx.Response, max_bytes: int) -> tuple[bytes | None, str | None]:
    """The body, streamed; None and an error once it passes `max_bytes` (declared or actual).

    The cap applies to the decoded body (after gzip/deflate), which also stops compression bombs.
    """
    declared = resp.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        return None, f"too large: Content-Length {int(declared):,} is over the {max_bytes:,}-byte limit"
    chunks, total = [], 0
    for chunk in resp.iter_bytes():
        total += len(chunk)
        if total > max_bytes:
            return None, f"too large: aborted after {total:,} bytes (limit {max_bytes:,})"
        chunks.append(chunk)
    return b"".join(chunks), None


@dataclass(frozen=True, slots=True)
class _Task:
    """One article URL to fetch, with the metadata its feed entry gave."""

    source: str
    url: str
    meta: dict[str, str]


def fetch_sources(
    sources: list[Source] | tuple[Source, ...],
    zone: landing.Landing,
    settings: FetchSettings,
    date: dt.date,
) -> FetchSummary:
    """Fetch every source into the landing zone's day folder and write the manifest of this fetch."""
    fetch_id = uuid.uuid4().hex[:16]
    seen = landing.last_seen(zone.root)
    rows: list[dict] = []
    tasks: list[_Task] = []
    with Fetcher(settings) as fetcher:
        for source in sources:
            if source.kind == "path":
                for target in source.targets:
                    try:
                        rows += copy_files(source.name, target, zone, settings, seen, source.fields)
                    except Exception as exc:  # one bad source must never take the whole fetch down
                        rows.append(_failed(source.name, "file", target, exc))
            elif source.kind == "feed":
                for feed_url in source.targets:
                    try:
                        feed_row, entries = read_feed(fetcher, source.name, feed_url)
                    except Exception as exc:
                        feed_row, entries = _failed(source.name, "feed", feed_url, exc), []
                    rows.append(feed_row)
                    tasks += entries
            elif source.kind == "cc_news":
                from pipeline.ingest import ccnews

                for base in source.targets:
                    rows += ccnews.fetch_day(fetcher, source.name, base, zone, date, settings.cc_news_files)
            else:
                tasks += [_Task(source.name, url, {}) for url in source.targets]
        unique: dict[str, _Task] = {}
        for task in tasks:
            unique.setdefault(task.url, task)  # a URL listed twice is fetched once; its first mention wins
        with ThreadPoolExecutor(max_workers=settings.workers) as pool:
            rows += pool.map(lambda t: _fetch_article(fetcher, t, zone, seen), unique.values())
    for row in rows:
        row["fetch_id"] = fetch_id
    manifest = landing.write_manifest(zone, date, fetch_id, rows)
    outcomes = dict(sorted(Counter(r["outcome"] for r in rows).items()))
    return FetchSummary(fetch_id, date, zone.day_uri, manifest, outcomes)


def read_feed(fetcher: Fetcher, source: str, feed_url: str) -> tuple[dict, list[_Task]]:
    """The feed's manifest row and one task per entry link, with the entry's metadata."""
    import feedparser

    result = fetcher.get(feed_url)
    row = _http_row(source, "feed", result)
    if result.body is not None:
        row["sha256"] = sha256_hex(result.body)
    if result.error or result.body is None:
        row["outcome"] = "error"
        row["error"] = result.error or f"HTTP {result.status}: no feed body"
        return row, []
    parsed = feedparser.parse(result.body, response_headers={"content-location": result.final_url or feed_url})
    if not parsed.entries:
        row["outcome"] = "error"
        problem = f" ({parsed.bozo_exception})" if parsed.get("bozo") else ""
        row["error"] = f"no entries in the feed{problem}"
        return row, []
    row["outcome"] = "feed"
    site = parsed.feed.get("title")
    tasks = []
    for entry in parsed.entries:
        link = entry.get("link")
        if not link:
            continue
        meta = {
            "feed_url": feed_url,
            "title": entry.get("title"),
            "author": _author_name(entry.get("author")),
            "published_at": _iso(entry.get("published_parsed") or entry.get("updated_parsed")),
            "site_name": site,
        }
        tasks.append(_Task(source, link, {k: v for k, v in meta.items() if v}))
    return row, tasks


# RSS <author> is "mail@host (Name)"; feedparser's own split garbles unfamiliar mail domains.
_RSS_AUTHOR = re.compile(r"^\s*\S+@\S+\s+\((?P<name>[^()]+)\)\s*$")


def _author_name(author: str | None) -> str | None:
    """The author's name from a feed entry (the name alone when RSS gave "mail (Name)")."""
    m = _RSS_AUTHOR.match(author or "")
    return m["name"].strip() if m else author


def _iso(parsed: time.struct_time | None) -> str | None:
    """feedparser's UTC struct_time as ISO 8601."""
    if parsed is None:
        return None
    return dt.datetime(*parsed[:6], tzinfo=dt.UTC).isoformat()


def _fetch_article(fetcher: Fetcher, task: _Task, zone: landing.Landing, seen: dict[str, landing.Seen]) -> dict:
    """Fetch one article URL and land its bytes; the manifest row says what happened. Never raises."""
    try:
        return _land_article(fetcher, task, zone, seen)
    except Exception as exc:  # one bad URL must never take the whole fetch down
        return _failed(task.source, "article", task.url, exc)


def _land_article(fetcher: Fetcher, task: _Task, zone: landing.Landing, seen: dict[str, landing.Seen]) -> dict:
    before = seen.get(task.url)
    result = fetcher.get(task.url, before)
    row = _http_row(task.source, "article", result, task.meta.get("feed_url"))
    if result.status == 304 and before:
        row.update(
            outcome="unchanged",
            sha256=before.sha256,
            etag=result.etag or before.etag,
            last_modified=result.last_modified or before.last_modified,
        )
        return row
    if result.error or result.body is None:
        row.update(outcome="error", error=result.error or f"HTTP {result.status}: no body")
        return row
    mime = (result.content_type or "").split(";", 1)[0].strip().lower()
    ext = ARTICLE_TYPES.get(mime) if mime else ".txt"
    if ext is None:
        row.update(outcome="error", error=f"not an article: content type {mime}")
        return row
    sha = sha256_hex(result.body)
    row["sha256"] = sha
    if before and before.sha256 == sha:
        row["outcome"] = "unchanged"
        return row
    sidecar = {
        **task.meta,
        "source": task.source,
        "source_url": result.final_url or task.url,
        "fetched_at": row["fetched_at"].isoformat(),
        "content_type": result.content_type or "",
    }
    if result.final_url and result.final_url != task.url:
        sidecar["requested_url"] = task.url
    row["raw_path"], new = landing.store_raw(zone, result.body, sha, ext, _strings(sidecar))
    row["outcome"] = "stored" if new else "already_landed"
    return row


def copy_files(
    source: str,
    uri: str,
    zone: landing.Landing,
    settings: FetchSettings,
    seen: dict[str, landing.Seen],
    fields: tuple[str, ...] = (),
) -> list[dict]:
    """Copy every file of a folder, glob or fsspec URI into the landing zone, bytes unchanged (with the
    source's record `fields` in each sidecar)."""
    now = dt.datetime.now(dt.UTC)
    try:
        listing = list_raw(uri, DEFAULT_EXCLUDE)
    except SourceNotFound as exc:
        return [_row(source, "file", uri, fetched_at=now, outcome="error", error=str(exc))]
    rows = []
    for doc in listing.docs:
        try:
            data = load_bytes(doc, settings.max_bytes)
        except RejectInput as exc:
            rows.append(_row(source, "file", doc.uri, fetched_at=now, size=doc.size, outcome="error", error=exc.detail))
            continue
        sha = sha256_hex(data)
        row = _row(source, "file", doc.uri, fetched_at=now, size=len(data), sha256=sha, attempts=1)
        before = seen.get(doc.uri)
        if before and before.sha256 == sha:
            rows.append({**row, "outcome": "unchanged"})
            continue
        # The new name is a hash, so a date in the original file name travels in the sidecar.
        published = describe.published_from(doc.rel_path, doc.sidecar)
        sidecar = {
            **doc.sidecar,
            "source": source,
            "original_uri": doc.uri,
            "fetched_at": now.isoformat(),
            "published_at": published.isoformat() if published else None,
            "fields": ",".join(fields) or None,
        }
        ext = _extension(doc.rel_path)
        row["raw_path"], new = landing.store_raw(zone, data, sha, ext, _strings(sidecar))
        rows.append({**row, "outcome": "stored" if new else "already_landed"})
    return rows


def _extension(rel_path: str) -> str:
    """The original file's extension (`.txt`, `.html`, `.jsonl.gz`), kept so the landed file says what
    it is (a compressed file keeps the extension of what it compresses)."""
    name = rel_path.rsplit("/", 1)[-1]
    parts = name.lstrip(".").lower().split(".")[1:]
    return "." + ".".join(parts[-2:] if parts[-1:] == ["gz"] and len(parts) > 1 else parts[-1:]) if parts else ""


def _strings(meta: dict) -> dict[str, str]:
    return {k: str(v) for k, v in meta.items() if v not in (None, "")}


def _row(source: str, kind: str, url: str, **values) -> dict:
    """One manifest row (schema FETCH_MANIFEST): nulls for whatever `values` does not say."""
    row = dict.fromkeys(FETCH_MANIFEST_COLUMNS)
    row.update(source=source, kind=kind, url=url, attempts=0, fetched_at=dt.datetime.now(dt.UTC))
    row.update(values)
    return row


def _failed(source: str, kind: str, url: str, exc: Exception) -> dict:
    """The row of a bug hit on one URL or file: the fetch goes on, the error names the exception."""
    return _row(source, kind, url, outcome="error", error=f"internal error: {type(exc).__name__}: {exc}")


def _http_row(source: str, kind: str, result: HttpResult, feed_url: str | None = None) -> dict:
    return _row(
        source,
        kind,
        result.url,
        final_url=result.final_url,
        feed_url=feed_url,
        status=result.status,
        content_type=result.content_type,
        size=len(result.body) if result.body is not None else None,
        etag=result.etag,
        last_modified=result.last_modified,
        attempts=result.attempts,
        outcome="error" if result.error else "fetched",
        error=result.error,
    )
