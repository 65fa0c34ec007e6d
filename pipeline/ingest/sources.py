"""Where articles come from: the sources file (`sources.toml`) or CLI flags, and the network manners.

A source is one of four kinds: `feed` (RSS/Atom; every entry's link is fetched), `urls` (a plain
list of article URLs, inline or in a text file), `path` (a local folder, glob or any fsspec URI
whose files are copied byte for byte) and `cc_news` (Common Crawl's CC-NEWS WARC files of the
date, from a base URL: ingest/ccnews.py). See `sources.example.toml` for the file format.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path

from pipeline import __version__
from pipeline.settings import DEFAULT_MAX_BYTES

KINDS = ("feed", "urls", "path", "cc_news")


class SourcesError(ValueError):
    """The sources file or flags are not usable; the message says what to fix."""


@dataclass(frozen=True, slots=True)
class Source:
    name: str
    kind: str  # one of KINDS
    targets: tuple[str, ...]  # feed URLs, article URLs, or folder/glob/fsspec URIs
    # A path source's record fields ("body=text", ...): they travel in each landed file's sidecar, so
    # that the run reads its JSONL/CSV/Parquet records with them (pipeline/ingest/records.py).
    fields: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FetchSettings:
    """How the fetch stage behaves on the network (the `[fetch]` table of the sources file)."""

    timeout: float = 20.0  # seconds to connect, and between bytes while reading
    retries: int = 3  # extra attempts after a 5xx or a connection error/timeout (never after a 4xx)
    backoff: float = 1.0  # seconds before the first retry, doubled for each further one
    per_host: int = 2  # requests in flight to one host at a time
    delay: float = 1.0  # seconds between the starts of two requests to one host
    workers: int = 8  # requests in flight overall
    max_bytes: int = DEFAULT_MAX_BYTES  # bodies past this are aborted while streaming
    max_redirects: int = 5
    warc_max_bytes: int = 4 * 1024**3  # a CC-NEWS WARC file past this is aborted (they run to ~1 GB)
    cc_news_files: int = 0  # download the first N of a day's CC-NEWS files (0: all)
    allow_private: bool = False  # fetch loopback/private/link-local addresses (tests, intranets)
    user_agent: str = f"newsetl/{__version__} (news-article ETL; polite fetcher; +respects 304)"


@dataclass(frozen=True, slots=True)
class SourcesConfig:
    sources: tuple[Source, ...]
    fetch: FetchSettings


def load_sources(path: str | Path) -> SourcesConfig:
    """Read and validate a sources file; relative `urls_file` and `path` entries resolve beside it."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SourcesError(f"cannot read sources file {path}: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SourcesError(f"{path} is not valid TOML: {exc}") from exc
    unknown = set(data) - {"fetch", "sources"}
    if unknown:
        raise SourcesError(f"{path}: unknown top-level keys {sorted(unknown)} (expected [fetch] and [[sources]])")
    entries = data.get("sources", [])
    if not isinstance(entries, list) or not entries:
        raise SourcesError(f"{path}: no [[sources]] entries")
    sources = tuple(_parse_source(entry, i, path.parent) for i, entry in enumerate(entries))
    names = [s.name for s in sources]
    if len(set(names)) != len(names):
        raise SourcesError(f"{path}: source names must be unique, got {names}")
    return SourcesConfig(sources=sources, fetch=apply_overrides(FetchSettings(), data.get("fetch", {}), str(path)))


def _parse_source(entry: object, index: int, base: Path) -> Source:
    if not isinstance(entry, dict):
        raise SourcesError(f"sources[{index}] is not a table")
    name = str(entry.get("name") or f"source-{index + 1}")
    allowed = {"name", "feed", "urls", "urls_file", "path", "fields", "cc_news"}
    unknown = set(entry) - allowed
    if unknown:
        raise SourcesError(f"source {name!r}: unknown keys {sorted(unknown)} (allowed: {sorted(allowed)})")
    given = [k for k in ("feed", "urls", "urls_file", "path", "cc_news") if k in entry]
    if len(given) != 1:
        raise SourcesError(f"source {name!r}: give exactly one of feed, urls, urls_file, path or cc_news (got {given})")
    key = given[0]
    value = entry[key]
    if key == "urls_file":
        return Source(name, "urls", tuple(read_url_list(_beside(base, str(value)))))
    targets = (value,) if isinstance(value, str) else value
    if not isinstance(targets, list | tuple) or not targets or not all(isinstance(t, str) and t for t in targets):
        raise SourcesError(f"source {name!r}: {key} must be a non-empty string or list of strings")
    if key == "path":
        targets = [_beside(base, t) for t in targets]
    return Source(name, key, tuple(targets), _fields(entry.get("fields", ()), name, key))


def _fields(value: object, name: str, kind: str) -> tuple[str, ...]:
    """A source's `fields` ("body=text,title=headline", a list of such, or a table {body = "text"})."""
    from pipeline.ingest.records import FieldsError, parse_fields

    if not value:
        return ()
    if kind != "path":
        raise SourcesError(f"source {name!r}: fields apply to path sources (record files), not to {kind}")
    if isinstance(value, dict):
        value = [f"{column}={field}" for column, field in value.items()]
    entries = (value,) if isinstance(value, str) else value
    if not isinstance(entries, list | tuple) or not all(isinstance(e, str) for e in entries):
        raise SourcesError(f"source {name!r}: fields must be a string, a list of strings or a table")
    try:
        parse_fields(tuple(entries))
    except FieldsError as exc:
        raise SourcesError(f"source {name!r}: {exc}") from exc
    return tuple(entries)


def _beside(base: Path, target: str) -> str:
    """A relative local path resolved against the sources file's folder; URIs are left alone."""
    if "://" in target or Path(target).is_absolute():
        return target
    return str(base / target)


def read_url_list(path: str) -> list[str]:
    """Article URLs from a text file: one per line, blank lines and `#` comments ignored."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise SourcesError(f"cannot read URL list {path}: {exc.strerror or exc}") from exc
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def sources_from_flags(
    feeds: list[str], urls: list[str], paths: list[str], urls_file: str | None, cc_news: list[str] = ()
) -> list[Source]:
    """Sources given on the command line, one per kind."""
    listed = [*urls, *(read_url_list(urls_file) if urls_file else [])]
    found = [
        ("cli-feed", "feed", feeds),
        ("cli-urls", "urls", listed),
        ("cli-path", "path", paths),
        ("cli-cc-news", "cc_news", cc_news),
    ]
    return [Source(name, kind, tuple(targets)) for name, kind, targets in found if targets]


def apply_overrides(settings: FetchSettings, overrides: dict, where: str = "flags") -> FetchSettings:
    """FetchSettings with some fields replaced (None values are ignored), checking names and types."""
    known = {f.name for f in fields(FetchSettings)}
    changes = {}
    for key, value in overrides.items():
        if value is None:
            continue
        if key not in known:
            raise SourcesError(f"{where}: unknown fetch setting {key!r} (known: {sorted(known)})")
        kind = type(getattr(settings, key))
        fits = isinstance(value, kind) or (kind is float and isinstance(value, int))
        if not fits or (isinstance(value, bool) and kind is not bool):
            raise SourcesError(f"{where}: fetch setting {key} must be a {kind.__name__}, got {value!r}")
        if kind in (int, float) and value < 0:
            raise SourcesError(f"{where}: fetch setting {key} must not be negative")
        changes[key] = kind(value)
    result = replace(settings, **changes)
    if result.per_host < 1 or result.workers < 1 or result.max_bytes < 1:
        raise SourcesError(f"{where}: per_host, workers and max_bytes must be at least 1")
    return result
