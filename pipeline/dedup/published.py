"""The other dates' published articles a run must be compared with, found without loading every date.

Each published date D has its index part, `<out>/dedup_index/date=D/part-0.parquet`, written in
D's commit with its articles: the source of truth. Their keys are also kept in level files
(pipeline/dedup/levels.py) under `<out>/_dedup_levels/<params>/`, a cache derived from the parts and
checked against them by every run, so that it never disagrees with what is published:

- An entry of a level counts only while its part is the published one: a level names each of its
  parts by date and identity (the part's size and modification time, or its ETag, as a listing gives
  them). A rerun or a delete of D makes the entries of D's old part dead at once.
- Every run first brings the levels up to date, under the publish lock: a part that no level holds
  (a date published or republished since) becomes a level of its own; levels of about the same size
  are merged FANOUT at a time (size-tiered), dropping dead entries; a level with more dead entries
  than live ones is rewritten. A run does only the merges of at most RUN_MERGE_ENTRIES entries, so
  that its cost does not depend on the history; `compact` (`newsetl compact`, the DAG's task after
  publish) does the larger ones, up to MAX_ENTRIES, and removes the levels of other MinHash params.
- Crashes: a level is written under a hidden temporary name, then moved into place; its inputs
  are removed after it. A crash leaves a temporary file, or inputs whose parts the merged level also
  holds: the next run removes both.

The run then probes the levels with its keys (LSH band keys, and the first 64 bits of its exact
keys), reads the index rows of the articles found, probes once more with their exact keys (so that
every copy of a found article is found too), and compares with those articles alone. They are every
published article that shares a band key or an exact key with the run, and the exact copies of
those: every one that can join a cluster holding one of the run's articles. `find_duplicates`
therefore decides exactly as it would with every date loaded.

A date whose part is missing, was made with other MinHash params, or is a file whose listing gives
no version stamp, is loaded whole (sketched again from its articles when its part cannot serve), as
before the levels existed. Upkeep writes levels, so it relies on the publish lock: two upkeeps at
once could both merge the same levels.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import posixpath
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from fsspec import AbstractFileSystem
from fsspec.core import url_to_fs

from pipeline.dedup import levels, minhash
from pipeline.dedup.duplicates import (
    INDEX,
    KEY,
    ORDER_COLUMNS,
    PARAMS_KEY,
    STORY_COLUMNS,
    DedupIndex,
    Sketches,
    exact_key,
    key_array,
    story_texts,
)
from pipeline.dedup.minhash import MinHashParams
from pipeline.io import faults
from pipeline.io.arrow import empty_table, list_column_matrix
from pipeline.io.atomic import is_temp
from pipeline.io.partitions import partition_dates, partition_rows, read_partition
from pipeline.schema import DEDUP_INDEX
from pipeline.settings import Settings

LEVELS = "_dedup_levels"
FANOUT = 4  # levels of about one size merged at once: a key is rewritten ~log4(history / day) times
MAX_ENTRIES = 1 << 26  # entries of a level that is merged no further (~2M articles; its filter: 128 MB)
# Entries a run merges at most at once (~4 days of 30,000 articles, ~2 s): larger merges are left to
# `compact`, so that a run's upkeep does not grow with the history.
RUN_MERGE_ENTRIES = 1 << 22
_SUFFIX = ".level"
_SLICE = 1 << 19  # entries a merge sorts at once (a few MB each copy)


def exact_prefixes(keys: np.ndarray) -> np.ndarray:
    """The first 64 bits of exact keys (KEY), as the levels hold them."""
    return np.frombuffer(np.ascontiguousarray(keys).tobytes(), dtype=">u8")[::2].astype(np.uint64)


@dataclass(frozen=True, slots=True)
class Published:
    """The index parts published now: each date's identity, and the levels' folder."""

    out: str
    fs: AbstractFileSystem
    folder: str
    parts: dict[dt.date, str | None]  # None: a part whose identity the filesystem cannot tell

    @classmethod
    def list(cls, out: str, params: MinHashParams) -> Published:
        fs, root = url_to_fs(out)
        digest = hashlib.sha256(params.key().encode()).hexdigest()[:16]
        return cls(out, fs, posixpath.join(root, LEVELS, digest), _part_identities(fs, root))

    def live(self, source: levels.Source) -> bool:
        return self.parts.get(dt.date.fromisoformat(source.date)) == source.identity


def _part_identities(fs, root: str) -> dict[dt.date, str | None]:
    """Each date's index part files, named by what a listing says of them (name, size, time)."""
    base = posixpath.join(root, INDEX)
    if not fs.isdir(base):
        return {}
    found: dict[dt.date, list[str | None]] = defaultdict(list)
    for path, info in fs.find(base, detail=True).items():
        folder, _, name = posixpath.relpath(path, base).partition("/")
        if not folder.startswith("date=") or "/" in name or not name.endswith(".parquet") or name[0] in "._":
            continue
        try:
            date = dt.date.fromisoformat(folder[5:])
        except ValueError:
            continue
        stamp = _stamp(info)
        found[date].append(f"{name}:{info.get('size')}:{stamp}" if stamp else None)
    # A part whose file has no version stamp gets no identity: its date is loaded whole.
    return {date: None if None in names else ";".join(sorted(names)) for date, names in found.items()}


def _stamp(info: dict) -> str:
    """What changes when a file is replaced: its ETag on an object store, else its modification
    time and inode; "" when the filesystem gives neither."""
    tag = next((info[k] for k in ("ETag", "etag", "md5Hash") if info.get(k)), None)
    if tag:
        return str(tag)
    times = ("mtime", "LastModified", "last_modified", "updated", "created")
    when = next((info[k] for k in times if info.get(k)), None)
    return f"{when}:{info.get('ino', '')}" if when else ""


def sync(
    published: Published, params: MinHashParams, skip: dt.date | None, budget: int | None = None
) -> tuple[list[levels.Level], list[dt.date]]:
    """Bring the levels up to date with the published parts (call under the publish lock), merging
    levels of at most `budget` entries at once (None: a run's, RUN_MERGE_ENTRIES): returns the
    levels, and the dates whose part no level can hold (of other params, or a file without a version
    stamp)."""
    fs, folder = published.fs, published.folder
    fs.makedirs(folder, exist_ok=True)
    opened = []
    # An object store has no empty folders: no level written yet lists as missing there.
    for path in sorted(fs.ls(folder, detail=False) if fs.isdir(folder) else []):
        name = posixpath.basename(path)
        if is_temp(name):
            fs.rm(path)  # a level whose write was cut short
        elif name.endswith(_SUFFIX):
            opened.append(levels.Level(fs, path))
    opened = _drop_redundant(published, opened)
    held = {(s.date, s.identity) for level in opened for s in level.sources}
    whole = []
    for date, identity in sorted(published.parts.items()):
        if date == skip or (date.isoformat(), identity) in held:
            continue
        level = None if identity is None else _level_of_part(published, params, date, identity)
        if level is None:
            whole.append(date)
        else:
            opened.append(level)
    budget = RUN_MERGE_ENTRIES if budget is None else budget
    return _compact(published, params, opened, min(budget, MAX_ENTRIES)), whole


def _drop_redundant(published: Published, opened: list[levels.Level]) -> list[levels.Level]:
    """Remove the levels with no live entry, and those whose live parts another level holds too (the
    inputs of a merge that crashed before removing them)."""
    held = [{(s.date, s.identity) for s in level.sources} for level in opened]
    live = [{(s.date, s.identity) for s in level.sources if published.live(s)} for level in opened]
    kept = []
    for i, level in enumerate(opened):
        # Of two levels holding each other's live parts, the first one listed stays.
        elsewhere = any(j != i and live[i] <= held[j] and (j < i or not live[j] <= held[i]) for j in range(len(opened)))
        if not live[i] and level.sources or live[i] and elsewhere:
            level.close()
            published.fs.rm(level.path)
        else:
            kept.append(level)
    return kept


def _level_of_part(published: Published, params: MinHashParams, date: dt.date, identity: str) -> levels.Level | None:
    """A new level holding one date's part; None when the part was made with other params."""
    table = read_partition(published.out, INDEX, date, columns=["exact_key", "band_keys"])
    meta = table.schema.metadata or {}
    if meta.get(PARAMS_KEY) != params.key().encode():
        return None
    n = table.num_rows
    bands = list_column_matrix(table.column("band_keys"), params.bands)
    keys = np.concatenate((bands.ravel(), exact_prefixes(key_array(table.column("exact_key").to_pylist()))))
    slots = np.concatenate((np.repeat(np.arange(n, dtype=np.uint32), params.bands), np.arange(n, dtype=np.uint32)))
    order = np.argsort(keys)
    source = levels.Source(date.isoformat(), identity, n, len(keys))
    return _write(published, params, [source], [(keys[order], slots[order])])


def _write(published: Published, params: MinHashParams, sources: list[levels.Source], parts) -> levels.Level:
    path = posixpath.join(published.folder, f"{uuid.uuid4().hex}{_SUFFIX}")
    levels.write_level(published.fs, path, params.key(), sources, parts)
    return levels.Level(published.fs, path)


def _live_entries(published: Published, level: levels.Level) -> int:
    return sum(s.entries for s in level.sources if published.live(s))


def _compact(
    published: Published, params: MinHashParams, opened: list[levels.Level], budget: int
) -> list[levels.Level]:
    """Merge levels until no FANOUT of them have about the same size, and rewrite half-dead ones,
    as long as a merge's live entries fit in `budget`."""
    while True:
        group = _next_merge(published, opened, budget)
        if not group:
            return opened
        merged = _merge(published, params, group)
        faults.reach("levels:merged")
        for level in group:
            level.close()
            published.fs.rm(level.path)
        opened = [level for level in opened if level not in group] + ([merged] if merged else [])


def _next_merge(published: Published, opened: list[levels.Level], budget: int) -> list[levels.Level]:
    """The next levels to merge: one that is mostly dead, else the FANOUT smallest of a size tier
    (sizes within 2x of its smallest), as long as their live entries fit in `budget`."""
    sized = sorted(((_live_entries(published, lv), lv.entries, i) for i, lv in enumerate(opened)))
    for live, entries, i in sized:
        if live * 2 < entries and live <= budget:
            return [opened[i]]
    for start in range(len(sized)):
        tier = [s for s in sized[start:] if s[0] <= 2 * max(sized[start][0], 1)][:FANOUT]
        if len(tier) == FANOUT and sum(s[0] for s in tier) <= budget:
            return [opened[s[2]] for s in tier]
    return []


def _merge(published: Published, params: MinHashParams, group: list[levels.Level]) -> levels.Level | None:
    """One level from several, live entries only, streamed a key range at a time."""
    sources, remaps = [], []
    for level in group:
        remap = np.full(len(level.sources), -1, dtype=np.int64)
        for i, source in enumerate(level.sources):
            if published.live(source):
                remap[i] = sum(s.rows for s in sources)
                sources.append(source)
        remaps.append(remap)
    if not sources:
        return None
    total = sum(s.entries for s in sources)
    slices = max(1, -(-total // _SLICE))

    def parts():
        for k in range(slices):
            low, high = (k << 64) // slices, ((k + 1) << 64) // slices if k + 1 < slices else None
            keys, slots = [], []
            for level, remap in zip(group, remaps, strict=True):
                found, at = level.between(low, high)
                source = np.searchsorted(level.offsets, at, "right") - 1
                base = remap[source]
                live = base >= 0
                keys.append(found[live])
                slots.append((at[live] - level.offsets[source[live]] + base[live]).astype(np.uint32))
            keys, slots = np.concatenate(keys), np.concatenate(slots)
            order = np.argsort(keys)
            yield keys[order], slots[order]

    return _write(published, params, sources, parts())


@dataclass(frozen=True, slots=True)
class Compaction:
    """What `compact` did: the levels before and after, and the folders of other params removed."""

    levels_before: int
    levels_after: int
    entries: int
    stale_removed: list[str]
    seconds: float

    def as_dict(self) -> dict:
        return {f: getattr(self, f) for f in self.__slots__}


def compact(out: str, params: MinHashParams) -> Compaction:
    """The levels' upkeep a run leaves out (call under the publish lock): every published part in a
    level, every merge due up to MAX_ENTRIES, and the level folders of other MinHash params removed
    (a cache no run of these params reads; a run with those params rebuilds its own from the parts)."""
    tick = time.perf_counter()
    published = Published.list(out, params)
    before = _level_count(published)
    opened, _ = sync(published, params, skip=None, budget=MAX_ENTRIES)
    entries = sum(level.entries for level in opened)
    for level in opened:
        level.close()
    stale = []
    parent = posixpath.dirname(published.folder)
    for path in sorted(published.fs.ls(parent, detail=False)):
        if posixpath.basename(path) != posixpath.basename(published.folder):
            published.fs.rm(path, recursive=True)
            stale.append(posixpath.basename(path))
    return Compaction(before, len(opened), entries, stale, round(time.perf_counter() - tick, 3))


def compact_levels(settings: Settings) -> Compaction:
    """`compact` under the publish lock, after recovering a commit cut short (what a run does first),
    so that the levels only ever hold committed parts."""
    from pipeline.io import commit, lock

    with lock.publish_lock(settings.out, settings.lock_db):
        commit.recover(settings.out)
        return compact(settings.out, settings.minhash_params())


def _level_count(published: Published) -> int:
    fs, folder = published.fs, published.folder
    return sum(p.endswith(_SUFFIX) for p in fs.ls(folder, detail=False)) if fs.isdir(folder) else 0


def load_index(settings: Settings, date: dt.date, run: Sketches) -> DedupIndex:
    """The published articles of other dates (within the window, if any) that the run's articles
    can be clustered with; never `date` itself."""
    params = settings.minhash_params()
    published = Published.list(settings.out, params)
    opened, whole = sync(published, params, skip=date)
    try:
        dates = {
            d
            for d in partition_dates(settings.out, "articles")
            if d != date and (settings.dedup_window_days is None or abs((d - date).days) <= settings.dedup_window_days)
        }
        probe = levels.Probe.of(np.concatenate((run.band_keys.ravel(), exact_prefixes(run.exact_keys))))
        found = _probe(published, opened, probe, dates)
        rows = _read_rows(settings.out, found, params)
        # Every exact copy of an article found: the copies of a cluster's published article join it too.
        more = _sorted_unique(exact_prefixes(np.concatenate([r.exact for r in rows.values()] or [np.zeros(0, KEY)])))
        more = more[~_within(more, probe.keys)]
        if len(more):
            again = _probe(published, opened, levels.Probe.of(more), dates)
            # Only the rows not read yet: reading every found row again was ~1/4 of a year-old
            # run's dedup (a row group of another date's part each).
            new = {d: extra[~_within(extra, found[d])] if d in found else extra for d, extra in again.items()}
            for d, extra in _read_rows(settings.out, {d: r for d, r in new.items() if len(r)}, params).items():
                rows[d] = _join(rows[d], extra) if d in rows else extra
    finally:
        for level in opened:
            level.close()
    # Dates without a part this run can use: written before the index existed, or of other params.
    for d in sorted(dates - published.parts.keys() | dates & set(whole)):
        rows[d] = whole_date(settings.out, d, params)
    return assemble(settings.out, [rows[d] for d in sorted(rows)], params)


def _probe(
    published: Published, opened: list[levels.Level], probe: levels.Probe, dates: set[dt.date]
) -> dict[dt.date, np.ndarray]:
    """Rows (of their date's part) of the live entries holding one of the probe's keys, by date."""
    found: dict[dt.date, list[np.ndarray]] = defaultdict(list)
    for level in opened:
        wanted = [dt.date.fromisoformat(s.date) in dates and published.live(s) for s in level.sources]
        if not any(wanted):
            continue
        slots = level.probe(probe)
        source = np.searchsorted(level.offsets, slots, "right") - 1
        for i in np.unique(source).tolist():
            if wanted[i]:
                found[dt.date.fromisoformat(level.sources[i].date)].append(slots[source == i] - level.offsets[i])
    return {d: _sorted_unique(np.concatenate(parts).astype(np.int64)) for d, parts in found.items()}


@dataclass(slots=True)
class DateRows:
    """Some rows of one date's index part."""

    date: dt.date
    rows: np.ndarray  # their row numbers (= their articles' rows in the articles partition)
    table: pa.Table  # ORDER_COLUMNS
    exact: np.ndarray  # KEY
    bands: np.ndarray  # (n, bands) uint64


def _read_rows(out: str, found: dict[dt.date, np.ndarray], params: MinHashParams) -> dict[dt.date, DateRows]:
    """The index rows found, from the row groups that hold them."""
    columns = [*ORDER_COLUMNS, "exact_key", "band_keys"]
    result = {}
    for date, rows in found.items():
        tables = list(partition_rows(out, INDEX, date, rows, columns))
        table = pa.concat_tables(tables) if tables else empty_table(DEDUP_INDEX).select(columns)
        result[date] = DateRows(
            date,
            rows,
            table.select(ORDER_COLUMNS),
            key_array(table.column("exact_key").to_pylist()),
            list_column_matrix(table.column("band_keys"), params.bands),
        )
    return result


def _join(a: DateRows, b: DateRows) -> DateRows:
    """The rows of one date read in two goes, in row order."""
    rows = np.concatenate((a.rows, b.rows))
    order = np.argsort(rows, kind="stable")
    return DateRows(
        a.date,
        rows[order],
        pa.concat_tables([a.table, b.table]).take(order),
        np.concatenate((a.exact, b.exact))[order],
        np.concatenate((a.bands, b.bands))[order],
    )


def whole_date(out: str, date: dt.date, params: MinHashParams) -> DateRows:
    """Every article of one date: from its index part, or sketched again from its articles when the
    part is missing or was made with other params."""
    table = read_partition(out, INDEX, date)
    if table.num_rows and (table.schema.metadata or {}).get(PARAMS_KEY) == params.key().encode():
        exact = key_array(table.column("exact_key").to_pylist())
        bands = list_column_matrix(table.column("band_keys"), params.bands)
    else:
        table = read_partition(out, "articles", date, columns=[*ORDER_COLUMNS, *STORY_COLUMNS])
        texts = story_texts(table)
        exact = key_array([exact_key(t) for t in texts])
        bands = minhash.band_keys(minhash.signatures(texts, params), params)
    return DateRows(date, np.arange(table.num_rows), table.select(ORDER_COLUMNS), exact, bands)


def assemble(out: str, parts: list[DateRows], params: MinHashParams) -> DedupIndex:
    """The index of some dates' rows, in date order (the order every date loaded whole would give)."""
    tables = [p.table for p in parts if p.table.num_rows]
    order = pa.concat_tables(tables) if tables else empty_table(DEDUP_INDEX).select(ORDER_COLUMNS)
    exact = np.concatenate([p.exact for p in parts]) if parts else np.zeros(0, dtype=KEY)
    bands = np.concatenate([p.bands for p in parts]) if parts else np.zeros((0, params.bands), dtype=np.uint64)
    return DedupIndex(
        out=out,
        sketches=Sketches.from_table(order, exact, bands),
        dates=[p.date for p in parts for _ in range(len(p.rows))],
        rows=np.concatenate([p.rows for p in parts]) if parts else np.zeros(0, dtype=np.int64),
    )


def _within(values: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    """Which values are among some sorted keys (np.isin would hash both sides first, slowly in numpy 2.4)."""
    at = np.minimum(np.searchsorted(sorted_keys, values), len(sorted_keys) - 1)
    return sorted_keys[at] == values if len(sorted_keys) else np.zeros(len(values), dtype=bool)


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    values = np.sort(values)
    return values[np.concatenate(([True], values[1:] != values[:-1]))] if len(values) > 1 else values
