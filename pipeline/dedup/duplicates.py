"""Dedup stage: drop exact and near copies of articles, within the run and against other dates.

Both compare an article's *story text*: title, dateline and cleaned body (trailers, credits,
sign-offs, tickers gone). The body alone is not enough: wire services send templated items
("Qtly div six cts vs six cts prior") whose bodies match word for word while the title names a
different company and the dateline another day.
- Exact copies share `exact_key`: the hash of the normalized story text.
- Near copies: MinHash signatures of word-shingle sets (pipeline/minhash.py), LSH banding to find
  candidate pairs, and every candidate confirmed by the exact Jaccard of the two shingle sets
  (>= `Settings.near_threshold`), so a duplicate never rests on a lucky hash collision.
- Confirmed pairs are joined transitively (union-find). In each cluster one copy is kept: an
  article already published under another date if the cluster has one (published partitions are
  never rewritten), else the run's article that comes first in keep order: earliest published
  (else file modification) time, then the longest body, then the smallest article id. Input
  order never decides.

Memory: the cluster pass holds a few hundred bytes per article (`Sketches`: exact key, LSH band
keys, keep rank), never the articles. The candidates' texts are read back once, in input order,
and their shingle sets spilled to a local temporary file (`_Spill`); confirming the pairs of a
batch of whole candidate groups (`_BATCH_NODES` articles) then reads back only that batch's sets.

Across runs: each date's kept articles are sketched into `<out>/dedup_index/date=D/part-0.parquet`
(exact keys, LSH band keys, the fields of the keep order, in the articles partition's row order),
written with the date's other partitions. A run of date D compares with the articles of other dates
that still have an articles partition (optionally only within `dedup_window_days`), never its own:
a rerun or backfill of D replaces D's part and cannot match D against its previous output. Which of
them it needs, it finds in the key-sorted levels of pipeline/dedup/published.py (docs/dedup.md)
without loading every date.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from pipeline.dedup import minhash
from pipeline.dedup.minhash import MinHashParams
from pipeline.enrich import describe
from pipeline.io.arrow import (
    columns_to_table,
    from_numpy,
    numbers_and_validity,
    rows_of,
)
from pipeline.io.partitions import partition_rows
from pipeline.models import Article, Sketch
from pipeline.schema import DEDUP_INDEX, DUPLICATES
from pipeline.settings import Settings

INDEX = "dedup_index"
# Rows per row group of an index part: a run reads only the row groups holding the articles it found.
INDEX_ROW_GROUP = 512
PARAMS_KEY = b"newsetl.minhash"
# An LSH bucket with more members is compared as a chain (each member with the next and with the
# first) instead of all pairs: a guard against quadratic work on boilerplate-only texts.
_MAX_BUCKET = 12
# Candidates whose shingle sets a confirmation batch holds (whole candidate groups: a group is
# never split, so one larger group makes a larger batch).
_BATCH_NODES = 4096
# Texts shingled at once: one at a time costs ~100x more per text; a larger batch grows minhash's
# tables, which are sized to the largest batch.
_SHINGLE_BATCH = 1024

KEPT, EXACT, NEAR = 0, 1, 2
KEY = np.dtype("V16")  # an exact key (128-bit BLAKE2b) as numpy holds it: 16 bytes, sortable
STORY_COLUMNS = ["title", "dateline", "body"]
ORDER_COLUMNS = ["article_id", "published_at", "raw_modified_at", "char_count"]

# The run's story texts and signatures of some articles, by sorted row number: yields
# (row numbers, their texts, their signatures) a part at a time, in order.
RunStories = Callable[[np.ndarray], Iterator[tuple[np.ndarray, list[str], np.ndarray]]]


def story_text(title: str | None, dateline: str | None, body: str) -> str:
    """What dedup compares: the article as a reader sees it, without boilerplate (no title: "")."""
    title = title or ""
    return f"{title}\n{dateline}\n{body}" if dateline else f"{title}\n{body}"


def story_texts(table: pa.Table) -> list[str]:
    """Story texts of a table holding STORY_COLUMNS."""
    columns = [table.column(name).to_pylist() for name in STORY_COLUMNS]
    return [story_text(*row) for row in zip(*columns, strict=True)]


def exact_key(text: str) -> str:
    """Exact-duplicate key of a story text (case, whitespace and Unicode forms folded), as hex."""
    return describe.content_hash(text)


def article_keys(title: str, dateline: str | None, body: str) -> tuple[str, str]:
    """The body's `content_hash` and the story text's `exact_key`, normalizing the body once.

    Normalizing the parts of the story text apart and joining the non-empty ones with a space gives
    the normalized story text: NFKC and case folding leave the newlines between the parts alone (no
    character composes with one) and split() drops them.
    """
    body_text = describe.normalize_for_hash(body)
    parts = (describe.normalize_for_hash(title), describe.normalize_for_hash(dateline or ""), body_text)
    return describe.hash_normalized(body_text), describe.hash_normalized(b" ".join(p for p in parts if p))


def key_array(hex_keys: list[str]) -> np.ndarray:
    """Exact keys (hex) as a numpy array of KEY."""
    return np.frombuffer(b"".join(bytes.fromhex(k) for k in hex_keys), dtype=KEY)


def _story(article: Article) -> str:
    return story_text(article.title, article.dateline, article.body)


def sketch_articles(articles: list[Article], params: MinHashParams) -> None:
    """Give every article without one its sketch (batched: one numpy pass, one rensa call)."""
    todo = [a for a in articles if a.sketch is None]
    texts = [_story(a) for a in todo]
    for article, text, signature in zip(todo, texts, minhash.signatures(texts, params), strict=True):
        article.sketch = Sketch(article.exact_key or exact_key(text), signature)


@dataclass(slots=True)
class Sketches:
    """What the cluster pass holds of each article: id, exact key, LSH band keys, keep rank."""

    article_ids: pa.Array  # string
    exact_keys: np.ndarray  # KEY
    band_keys: np.ndarray  # (n, bands) uint64
    ranks: np.ndarray  # each article's place in keep order (0 = the copy a cluster keeps first)

    def __len__(self) -> int:
        return len(self.article_ids)

    @classmethod
    def from_table(cls, table: pa.Table, exact_keys: np.ndarray, band_keys: np.ndarray) -> Sketches:
        """From a table holding ORDER_COLUMNS, and the rows' exact keys and band keys."""
        return cls(table.column("article_id").combine_chunks(), exact_keys, band_keys, _keep_ranks(table))


def _keep_ranks(table: pa.Table) -> np.ndarray:
    """Place of each row in keep order: earliest time known (published, else file modification), then
    the longest body, then the smallest article id; rows equal in all keep their order (stable sort).

    Sorted by numpy, not pyarrow.compute: importing that module cost the serial publish ~45 ms
    (measured), and nothing else a run does needs it. Ids are compared only within runs of rows equal
    in the other keys (few: a numpy sort of every id cost ~6 ms on Reuters), as Python strings, whose
    code-point order is their UTF-8 bytes' order."""
    published, has_published = numbers_and_validity(table.column("published_at"))
    modified, has_modified = numbers_and_validity(table.column("raw_modified_at"))
    unknown = ~(has_published | has_modified)
    when = np.where(has_published, published, np.where(has_modified, modified, 0))
    shorter = -numbers_and_validity(table.column("char_count"))[0].astype(np.int64)
    order = np.lexsort((shorter, when, unknown))  # stable; the last key sorts first
    keys = (unknown[order], when[order], shorter[order])
    tied = np.logical_and.reduce([key[1:] == key[:-1] for key in keys]) if len(order) > 1 else np.zeros(0, dtype=bool)
    if tied.any():
        ids = table.column("article_id").to_pylist()
        edges = np.flatnonzero(np.diff(np.concatenate(([False], tied, [False])).astype(np.int8)))
        for start, stop in zip(edges[::2].tolist(), (edges[1::2] + 1).tolist(), strict=True):
            order[start:stop] = sorted(order[start:stop].tolist(), key=lambda row: (ids[row], row))
    ranks = np.empty(len(order), dtype=np.int64)
    ranks[order] = np.arange(len(order))
    return ranks


@dataclass(slots=True)
class DedupIndex:
    """Articles published under other dates, as dedup needs them (one row per article): those the
    run's articles can be clustered with (pipeline/dedup/published.py finds them)."""

    out: str
    sketches: Sketches
    dates: list[dt.date]
    rows: np.ndarray  # each article's row in its date's articles partition (= in its index part)

    def __len__(self) -> int:
        return len(self.dates)

    def stories(self, nodes: np.ndarray) -> Iterator[tuple[np.ndarray, list[str]]]:
        """Story texts of some of them, read back from their dates' articles partitions, only the row
        groups that hold them: yields (nodes, their texts)."""
        by_date: dict[dt.date, list[int]] = defaultdict(list)
        for node in nodes.tolist():
            by_date[self.dates[node]].append(node)
        columns = ["article_id", *STORY_COLUMNS]
        for date, members in by_date.items():
            members = np.array(members, dtype=np.int64)[np.argsort(self.rows[members], kind="stable")]
            done = 0
            for found in partition_rows(self.out, "articles", date, self.rows[members], columns):
                at = members[done : done + found.num_rows]
                done += found.num_rows
                expected = [self.sketches.article_ids[node].as_py() for node in at.tolist()]
                if found.column("article_id").to_pylist() != expected:
                    raise ValueError(
                        f"the dedup index of {date.isoformat()} under {self.out} does not match its articles "
                        "partition; run `newsetl delete` and rerun that date"
                    )
                yield at, story_texts(found)


@dataclass(slots=True)
class Verdicts:
    """What dedup decided for each of the run's articles, by row number."""

    keeper: np.ndarray  # the copy kept in its place: itself, another row, or n + a row of the index
    kind: np.ndarray  # KEPT, EXACT or NEAR
    similarity: np.ndarray  # confirmed Jaccard with the keeper (NEAR rows)
    estimate: np.ndarray  # MinHash estimate of it (NEAR rows)
    copies: np.ndarray  # duplicate_count: copies of each kept article dropped by this run


def find_duplicates(run: Sketches, index: DedupIndex, stories: RunStories, settings: Settings) -> Verdicts:
    """Cluster the run's articles with each other and with the index's; decide which copy each keeps.

    Nodes 0..n-1 are the run's articles, n..n+m-1 the index's published articles.
    """
    params = settings.minhash_params()
    n, total = len(run), len(run) + len(index)
    # Exact copies: one representative per key (its first node) takes part in the near-duplicate search.
    _, first, codes = np.unique(
        np.concatenate([run.exact_keys, index.sketches.exact_keys]), return_index=True, return_inverse=True
    )
    rep = first[codes]
    reps = np.flatnonzero(rep == np.arange(total))
    run_reps, index_reps = reps[reps < n], reps[reps >= n] - n

    def band_column(band: int) -> np.ndarray:
        return np.concatenate([run.band_keys[run_reps, band], index.sketches.band_keys[index_reps, band]])

    a, b = _candidate_pairs(reps, band_column, params.bands, n)
    copies = np.flatnonzero(rep != np.arange(total))
    labels = _components(total, np.concatenate([a, rep[copies]]), np.concatenate([b, copies]))

    # Every member of a candidate group holding a run article (a group's label is its smallest node).
    sizes = np.bincount(labels)
    grouped = np.flatnonzero((sizes[labels] > 1) & (labels < n))
    spill = _Spill(grouped, params)
    for found, texts, signatures in stories(grouped[grouped < n]):
        spill.add(found, texts, signatures)
    for found, texts in index.stories(grouped[grouped >= n] - n):
        spill.add(found + n, texts, None)

    verdicts = Verdicts(
        keeper=np.arange(n, dtype=np.int64),
        kind=np.zeros(n, dtype=np.int8),
        similarity=np.full(n, np.nan),
        estimate=np.full(n, np.nan),
        copies=np.zeros(n, dtype=np.int32),
    )
    for nodes, pairs in _batches(grouped, labels, a, b):
        spill.load(nodes)
        _decide_batch(nodes, pairs, rep, codes, run, index, spill, settings.near_threshold, verdicts)
        spill.clear()
    dropped = verdicts.keeper[(verdicts.kind != KEPT) & (verdicts.keeper < n)]
    verdicts.copies = np.bincount(dropped, minlength=n).astype(np.int32)
    return verdicts


def _batches(grouped: np.ndarray, labels: np.ndarray, a: np.ndarray, b: np.ndarray):
    """(nodes, pairs) of whole candidate groups, about _BATCH_NODES nodes a batch."""
    if not len(grouped):
        return
    grouped = grouped[np.argsort(labels[grouped], kind="stable")]
    group_labels = labels[grouped]
    starts = np.flatnonzero(np.concatenate(([True], group_labels[1:] != group_labels[:-1])))
    # Cut between groups once a batch has _BATCH_NODES nodes.
    cuts, count = [0], 0
    for start, end in zip(starts.tolist(), [*starts[1:].tolist(), len(grouped)], strict=True):
        if count >= _BATCH_NODES:
            cuts.append(start)
            count = 0
        count += end - start
    cuts.append(len(grouped))
    batch_of_label = np.full(len(labels), -1, dtype=np.int64)
    for k, (lo, hi) in enumerate(zip(cuts[:-1], cuts[1:], strict=True)):
        batch_of_label[group_labels[lo:hi]] = k
    pair_batch = batch_of_label[labels[a]]
    order = np.argsort(pair_batch, kind="stable")  # pairs stay sorted within a batch
    bounds = np.searchsorted(pair_batch[order], np.arange(len(cuts)))
    for k, (lo, hi) in enumerate(zip(cuts[:-1], cuts[1:], strict=True)):
        chosen = order[bounds[k] : bounds[k + 1]]
        yield grouped[lo:hi], (a[chosen], b[chosen])


def _decide_batch(
    nodes: np.ndarray,
    pairs: tuple[np.ndarray, np.ndarray],
    rep: np.ndarray,
    codes: np.ndarray,
    run: Sketches,
    index: DedupIndex,
    spill: _Spill,
    threshold: float,
    verdicts: Verdicts,
) -> None:
    """Confirm the candidate pairs of some whole groups, join the clusters, pick each cluster's keeper."""
    n = len(run)
    parent = {x: x for x in nodes.tolist()}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(x: int, y: int) -> None:
        rx, ry = find(x), find(y)
        if rx != ry:
            parent[max(rx, ry)] = min(rx, ry)

    for x in nodes.tolist():
        if rep[x] != x:
            union(int(rep[x]), x)
    # The order pairs are confirmed in does not change the clusters, only which checks are skipped.
    for x, y in zip(pairs[0].tolist(), pairs[1].tolist(), strict=True):
        if find(x) != find(y) and spill.jaccard(x, y) >= threshold:
            union(x, y)

    members: dict[int, list[int]] = defaultdict(list)
    for x in parent:
        members[find(x)].append(x)
    for group in members.values():
        published = [x for x in group if x >= n]
        # A published article stays the kept one: other dates' partitions are never rewritten.
        if published:
            keep = min(published, key=lambda x: index.sketches.ranks[x - n])
        else:
            keep = min(group, key=lambda x: run.ranks[x])
        for x in group:
            if x >= n or x == keep:
                continue
            verdicts.keeper[x] = keep
            if codes[x] == codes[keep]:
                verdicts.kind[x] = EXACT
            else:
                verdicts.kind[x] = NEAR
                verdicts.similarity[x] = spill.jaccard(x, keep)
                verdicts.estimate[x] = spill.estimate(x, keep)


class _Spill:
    """Shingle sets and MinHash signatures of the candidates, made in one pass over their texts and
    kept in local temporary files; a batch reads back the ones it needs.

    Reading the texts once, in input order, keeps the reading linear in the run's size (a batch
    reading its texts from the staged shards would read nearly all of them: copies of a story are
    anywhere in the input), and memory at one batch whatever the run's size.
    """

    def __init__(self, nodes: np.ndarray, params: MinHashParams):
        self.nodes, self.params = nodes, params  # sorted
        self._where = np.zeros(len(nodes), dtype=np.int64)  # byte offset of each node's set
        self._count = np.zeros(len(nodes), dtype=np.int64)  # hashes in it
        self._sig_at = np.zeros(len(nodes), dtype=np.int64)  # byte offset of its signature
        self._sets_file, self._sigs_file = tempfile.TemporaryFile(), tempfile.TemporaryFile()
        self._sets_size = self._sigs_size = 0
        self._sets: dict[int, np.ndarray] = {}
        self._sigs: dict[int, np.ndarray] = {}

    def add(self, nodes: np.ndarray, texts: list[str], signatures: np.ndarray | None) -> None:
        """Shingle and store some candidates (signatures made here when None: published articles)."""
        for start in range(0, len(texts), _SHINGLE_BATCH):
            part = texts[start : start + _SHINGLE_BATCH]
            flat, offsets = minhash.shingle_hashes(part, self.params.shingle_words)
            if signatures is None:
                sigs = minhash.signatures_of_shingles(flat, offsets, self.params)
            else:
                sigs = signatures[start : start + len(part)]
            sets, bounds = _unique_per_text(flat, offsets)
            at = np.searchsorted(self.nodes, nodes[start : start + len(part)])
            self._where[at] = self._sets_size + 8 * bounds[:-1]
            self._count[at] = np.diff(bounds)
            self._sig_at[at] = self._sigs_size + sigs.dtype.itemsize * sigs.shape[1] * np.arange(len(part))
            self._sets_size += self._sets_file.write(sets.tobytes())
            self._sigs_size += self._sigs_file.write(np.ascontiguousarray(sigs, dtype=np.uint32).tobytes())

    def load(self, nodes: np.ndarray) -> None:
        """Read back the sets and signatures of some candidates."""
        self._sets_file.flush()
        self._sigs_file.flush()
        sets_fd, sigs_fd, width = self._sets_file.fileno(), self._sigs_file.fileno(), 4 * self.params.permutations
        at = np.searchsorted(self.nodes, nodes)
        for node, where, count, sig_at in zip(
            nodes.tolist(), self._where[at].tolist(), self._count[at].tolist(), self._sig_at[at].tolist(), strict=True
        ):
            self._sets[node] = np.frombuffer(os.pread(sets_fd, 8 * count, where), dtype=np.uint64)
            self._sigs[node] = np.frombuffer(os.pread(sigs_fd, width, sig_at), dtype=np.uint32)

    def clear(self) -> None:
        self._sets.clear()
        self._sigs.clear()

    def jaccard(self, a: int, b: int) -> float:
        return minhash.jaccard(self._sets[a], self._sets[b], assume_sorted_unique=True)

    def estimate(self, a: int, b: int) -> float:
        return minhash.estimate_similarity(self._sigs[a], self._sigs[b])


def _unique_per_text(flat: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each text's shingle hashes sorted and unique (what np.unique gives one text), for many texts at
    once: the values, and each text's bounds into them. Sorting each text's slice in place beat one
    lexsort of (text, hash) over the batch by ~5x (measured on the 10x corpus)."""
    flat = flat.copy()
    bounds = offsets.tolist()
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        flat[lo:hi].sort()
    fresh = np.ones(len(flat), dtype=bool)
    fresh[1:] = flat[1:] != flat[:-1]
    fresh[offsets[:-1][np.diff(offsets) > 0]] = True  # each text's first hash
    text = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
    return flat[fresh], np.searchsorted(text[fresh], np.arange(len(offsets)))


def duplicate_rows(
    batch: pa.Table, start: int, verdicts: Verdicts, run: Sketches, index: DedupIndex, date: dt.date, settings: Settings
) -> pa.Table:
    """The duplicates rows of the copies among staged rows start.. (`batch`, holding the articles' columns)."""
    rows = np.flatnonzero(verdicts.kind[start : start + batch.num_rows] != KEPT)
    names = ("raw_uri", "raw_path", "raw_sha256", "title", "content_hash")
    dropped = rows_of(batch.select(["article_id", *names]), rows)
    n = len(run)
    columns: dict[str, list] = defaultdict(list)
    for node in (rows + start).tolist():
        keep = int(verdicts.keeper[node])
        if keep >= n:
            kept_id, kept_date = index.sketches.article_ids[keep - n].as_py(), index.dates[keep - n]
        else:
            kept_id, kept_date = run.article_ids[keep].as_py(), date
        where = "in this run" if kept_date == date else f"published on {kept_date.isoformat()}"
        if verdicts.kind[node] == EXACT:
            kind, similarity, estimate = "exact", 1.0, None
            reason = f"same story text (title, dateline, body) as article {kept_id} {where}"
        else:
            kind, similarity = "near", float(verdicts.similarity[node])
            estimate = round(float(verdicts.estimate[node]), 4)
            chained = "" if similarity >= settings.near_threshold else ", joined through a chain of near copies"
            reason = (
                f"near copy of article {kept_id} {where}: shares {similarity:.0%} of its "
                f"word {settings.shingle_words}-grams{chained}"
            )
        for name, value in (
            ("kept_article_id", kept_id),
            ("kept_date", kept_date),
            ("kind", kind),
            ("similarity", round(similarity, 4)),
            ("reason", reason),
            ("estimated_similarity", estimate),
        ):
            columns[name].append(value)
    taken = {name: dropped.column(name).combine_chunks() for name in ("article_id", *names)}
    taken["doc_id"] = taken.pop("article_id")
    return columns_to_table({**taken, **columns}, DUPLICATES)


def index_rows(
    kept: pa.Table, exact_keys: list[str] | pa.StringArray, band_keys: np.ndarray, params: MinHashParams
) -> pa.Table:
    """The date's dedup-index rows of some kept articles: what later runs compare against."""
    schema = index_schema(params)
    columns: dict[str, list | pa.Array] = {name: kept.column(name).combine_chunks() for name in ORDER_COLUMNS}
    columns["exact_key"] = exact_keys
    offsets = np.arange(0, band_keys.size + 1, params.bands, dtype=np.int32)
    columns["band_keys"] = pa.ListArray.from_arrays(from_numpy(offsets), from_numpy(band_keys.ravel()))
    return columns_to_table(columns, schema)


def index_schema(params: MinHashParams) -> pa.Schema:
    """DEDUP_INDEX, with the MinHash params the band keys were made with (a later run checks them)."""
    return DEDUP_INDEX.with_metadata({**DEDUP_INDEX.metadata, PARAMS_KEY: params.key().encode()})


def _components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected components of the graph with edges a[i]-b[i]: each node's label is the smallest node
    of its component. Vectorized union-find: hook each edge's larger root under its smaller one, then
    point every node straight at its root, until no edge joins two roots."""
    parent = np.arange(n)
    while len(a):
        ra, rb = parent[a], parent[b]
        open_ = ra != rb
        a, b, ra, rb = a[open_], b[open_], ra[open_], rb[open_]
        if not len(a):
            break
        np.minimum.at(parent, np.maximum(ra, rb), np.minimum(ra, rb))
        while True:
            grand = parent[parent]
            if np.array_equal(grand, parent):
                break
            parent = grand
    return parent


def _candidate_pairs(
    nodes: np.ndarray, band_column: Callable[[int], np.ndarray], n_bands: int, n_run: int
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (a, b) of nodes sharing an LSH band key, a < b and a from the run, sorted.

    One band at a time (its keys of every node, sorted), so the temporary arrays stay a few per
    node; copies of one story share most of their band keys, so the same pair turns up in many
    bands and the pairs found are merged into a sorted unique set as they accumulate.
    """
    if not len(nodes):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    span = int(nodes.max()) + 1
    found, pending, n_pending = np.zeros(0, dtype=np.int64), [], 0
    slots = 1 << max(10, (4 * len(nodes)).bit_length())  # 4-8 a node: most keys alone in theirs
    for band in range(n_bands):
        keys = band_column(band)
        # A key can equal another only if their low bits do: counted in a table (one pass), the keys
        # alone in their slot (most) are left out before the sort (32 sorts of every key were ~25 of
        # the ~35 ms of this search on Reuters, measured). Keys are mixed hashes: low bits are uniform.
        low = (keys & np.uint64(slots - 1)).astype(np.intp)
        shared = np.bincount(low, minlength=slots)[low] > 1
        # Not a stable sort (the SIMD one is ~2x faster, measured): each bucket's members are put
        # back in node order below, so the pairs are the same.
        keys, members = keys[shared], nodes[shared]
        order = np.argsort(keys)
        keys, members = keys[order], members[order]
        starts = np.concatenate(([0], np.flatnonzero(keys[1:] != keys[:-1]) + 1))
        sizes = np.diff(np.append(starts, len(keys)))
        band_pairs = []
        for size in _sorted_unique(sizes[sizes > 1]).tolist():
            # The buckets of this size, one row each, members in node order.
            buckets = np.sort(members[starts[sizes == size][:, None] + np.arange(size)], axis=1)
            if size <= _MAX_BUCKET:
                i, j = np.triu_indices(size, 1)
            else:  # each member with the first and with the next
                i = np.concatenate((np.zeros(size - 1, dtype=np.int64), np.arange(1, size - 1)))
                j = np.concatenate((np.arange(1, size), np.arange(2, size)))
            a, b = buckets[:, i].ravel(), buckets[:, j].ravel()
            # Buckets are sorted by node, so a < b: a from the run means at least one side is. Pairs of
            # published articles alone were settled when they were published.
            wanted = a < n_run
            band_pairs.append(a[wanted] * span + b[wanted])
        pending.append(_sorted_unique(np.concatenate(band_pairs)) if band_pairs else found[:0])
        n_pending += len(pending[-1])
        if n_pending > max(len(found), 1 << 20):
            found, pending, n_pending = _sorted_unique(np.concatenate([found, *pending])), [], 0
    found = _sorted_unique(np.concatenate([found, *pending]))
    return found // span, found % span


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """`np.unique` of a 1-d array, by sorting: numpy 2.4's `np.unique` hashes the values first, ~15x
    slower on these int64 pair codes (2.5M values: 2.7 s vs 0.18 s, measured), which made the
    candidate search most of publish on the 10x benchmark corpus."""
    values = np.sort(values)
    return values[np.concatenate(([True], values[1:] != values[:-1]))] if len(values) > 1 else values
