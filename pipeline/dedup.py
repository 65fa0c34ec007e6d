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
  never rewritten), else the run's article that comes first by `keep_order`: earliest published
  (else file modification) time, then the longest body, then the smallest article id. Input
  order never decides.

Across runs: each date's kept articles are sketched into `<out>/dedup_index/date=D/part-0.parquet`
(exact keys, LSH band keys, the fields `keep_order` needs), written with the date's other
partitions. A run of date D reads the parts of every other date that still has an articles
partition (optionally only within `dedup_window_days`), never its own: a rerun or backfill of D
replaces D's part and cannot match D against its previous output.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from pipeline import describe, minhash, storage
from pipeline.minhash import MinHashParams
from pipeline.models import Article, Duplicate, Sketch
from pipeline.settings import Settings

INDEX = "dedup_index"
_PARAMS_KEY = b"newsetl.minhash"
# An LSH bucket with more members is compared as a chain (each member with the next and with the
# first) instead of all pairs: a guard against quadratic work on boilerplate-only texts.
_MAX_BUCKET = 12


@dataclass(slots=True)
class DedupIndex:
    """Articles published under other dates, as dedup needs them (one row per article)."""

    out: str
    article_ids: list[str] = field(default_factory=list)
    dates: list[dt.date] = field(default_factory=list)
    exact_keys: list[str] = field(default_factory=list)
    order: list[tuple] = field(default_factory=list)  # keep_order of each row
    band_keys: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.uint64))

    def __len__(self) -> int:
        return len(self.article_ids)

    def texts(self, rows: list[int]) -> list[str]:
        """Story texts of some rows, read back from their dates' articles partitions (for confirmation)."""
        wanted: dict[dt.date, set[str]] = defaultdict(set)
        for row in rows:
            wanted[self.dates[row]].add(self.article_ids[row])
        found: dict[tuple[dt.date, str], str] = {}
        for date, ids in wanted.items():
            table = storage.read_partition(self.out, "articles", date, columns=["article_id", *_STORY_COLUMNS])
            for aid, text in zip(table.column("article_id").to_pylist(), _story_texts(table), strict=True):
                if aid in ids:
                    found[(date, aid)] = text
        return [found[(self.dates[row], self.article_ids[row])] for row in rows]


def keep_order(published_at: dt.datetime | None, modified_at: dt.datetime | None, char_count: int, article_id: str):
    """Sort key of the copy a cluster keeps: earliest time known, then most complete text, then id."""
    when = published_at or modified_at
    return (when is None, when or dt.datetime.min.replace(tzinfo=dt.UTC), -char_count, article_id)


def _article_order(article: Article):
    return keep_order(article.published_at, article.raw_modified_at, article.char_count, article.article_id)


_STORY_COLUMNS = ["title", "dateline", "body"]


def story_text(title: str, dateline: str | None, body: str) -> str:
    """What dedup compares: the article as a reader sees it, without boilerplate."""
    return f"{title}\n{dateline}\n{body}" if dateline else f"{title}\n{body}"


def exact_key(text: str) -> str:
    """Exact-duplicate key of a story text (case, whitespace and Unicode forms folded)."""
    return describe.content_hash(text)


def _story(article: Article) -> str:
    return story_text(article.title, article.dateline, article.body)


def _story_texts(table) -> list[str]:
    columns = [table.column(name).to_pylist() for name in _STORY_COLUMNS]
    return [story_text(*row) for row in zip(*columns, strict=True)]


def sketch_articles(articles: list[Article], params: MinHashParams) -> None:
    """Give every article without one its sketch (batched: one numpy pass, one rensa call)."""
    todo = [a for a in articles if a.sketch is None]
    texts = [_story(a) for a in todo]
    for article, text, signature in zip(todo, texts, minhash.signatures(texts, params), strict=True):
        article.sketch = Sketch(exact_key(text), signature)


def index_table(kept: list[Article], params: MinHashParams):
    """The date's dedup-index part: what later runs compare against."""
    from pipeline.schema import DEDUP_INDEX

    sketch_articles(kept, params)
    keys = minhash.band_keys(_signature_matrix(kept, params), params)
    columns = {
        "article_id": [a.article_id for a in kept],
        "exact_key": [a.sketch.exact_key for a in kept],
        "published_at": [a.published_at for a in kept],
        "raw_modified_at": [a.raw_modified_at for a in kept],
        "char_count": [a.char_count for a in kept],
        "band_keys": [row.tolist() for row in keys],
    }
    schema = DEDUP_INDEX.with_metadata({**DEDUP_INDEX.metadata, _PARAMS_KEY: params.key().encode()})
    return storage.columns_to_table(columns, schema)


def load_index(settings: Settings, date: dt.date) -> DedupIndex:
    """Sketches of every other published date (within the retention window, if any); never `date` itself.

    A date whose index part is missing or was made with other MinHash params (an output written
    before the index existed, a change of settings) is sketched again from its articles partition.
    """
    params = settings.minhash_params()
    index = DedupIndex(out=settings.out)
    keys: list[np.ndarray] = []
    for other in storage.partition_dates(settings.out, "articles"):
        if other == date:
            continue
        if settings.dedup_window_days is not None and abs((other - date).days) > settings.dedup_window_days:
            continue
        table = storage.read_partition(settings.out, INDEX, other)
        meta = table.schema.metadata or {}
        if table.num_rows and meta.get(_PARAMS_KEY) == params.key().encode():
            part_keys = storage.list_column_matrix(table.column("band_keys"), params.bands)
            exact_keys = table.column("exact_key").to_pylist()
        else:
            table = storage.read_partition(settings.out, "articles", other, columns=_REBUILD_COLUMNS)
            if not table.num_rows:
                continue
            texts = _story_texts(table)
            part_keys = minhash.band_keys(minhash.signatures(texts, params), params)
            exact_keys = [exact_key(t) for t in texts]
        cols = {name: storage.column_values(table.column(name)) for name in _ORDER_COLUMNS}
        index.article_ids += cols["article_id"]
        index.exact_keys += exact_keys
        index.dates += [other] * table.num_rows
        index.order += [
            keep_order(p, m, c, a)
            for p, m, c, a in zip(
                cols["published_at"], cols["raw_modified_at"], cols["char_count"], cols["article_id"], strict=True
            )
        ]
        keys.append(part_keys)
    if keys:
        index.band_keys = np.concatenate(keys)
    return index


_ORDER_COLUMNS = ["article_id", "published_at", "raw_modified_at", "char_count"]
_REBUILD_COLUMNS = [*_ORDER_COLUMNS, *_STORY_COLUMNS]


class _UnionFind:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def drop_duplicates(
    articles: list[Article], date: dt.date, index: DedupIndex, settings: Settings
) -> tuple[list[Article], list[Duplicate]]:
    """Articles to keep and the exact and near copies dropped, in input order.

    Nodes 0..n-1 are the run's articles, n..n+m-1 the index's published articles.
    """
    params = settings.minhash_params()
    sketch_articles(articles, params)
    n = len(articles)
    hashes = [a.sketch.exact_key for a in articles] + index.exact_keys
    clusters = _UnionFind(n + len(index))

    # Exact copies: one representative per content hash takes part in the near-duplicate search.
    first_of: dict[str, int] = {}
    for node, h in enumerate(hashes):
        rep = first_of.setdefault(h, node)
        if rep != node:
            clusters.union(rep, node)
    reps = np.array(sorted(first_of.values()), dtype=np.int64)

    run_keys = minhash.band_keys(_signature_matrix(articles, params), params)
    keys = np.concatenate([run_keys, index.band_keys]) if len(index) else run_keys
    shingles = _Shingles(articles, index, params, settings.near_threshold)
    pairs = _candidate_pairs(reps, keys[reps], n)
    shingles.load(sorted({node for pair in pairs for node in pair}))
    for a, b in pairs:
        if clusters.find(a) != clusters.find(b) and shingles.jaccard(a, b) >= settings.near_threshold:
            clusters.union(a, b)

    members: dict[int, list[int]] = defaultdict(list)
    for node in range(n + len(index)):
        members[clusters.find(node)].append(node)
    order = [_article_order(a) for a in articles] + index.order
    keeper: dict[int, int] = {}
    for root, nodes in members.items():
        published = [x for x in nodes if x >= n]
        # A published article stays the kept one: other dates' partitions are never rewritten.
        keeper[root] = min(published or nodes, key=lambda x: (order[x], x))

    kept: list[Article] = []
    duplicates: list[Duplicate] = []
    for node, article in enumerate(articles):
        keep = keeper[clusters.find(node)]
        if keep == node:
            kept.append(article)
            continue
        duplicates.append(_duplicate(article, node, keep, date, index, shingles, hashes))
        if keep < n:
            articles[keep].duplicate_count += 1
    return kept, duplicates


def _duplicate(
    article: Article, node: int, keep: int, date: dt.date, index: DedupIndex, shingles: _Shingles, hashes: list[str]
) -> Duplicate:
    n = len(shingles.articles)
    if keep >= n:
        kept_id, kept_date = index.article_ids[keep - n], index.dates[keep - n]
    else:
        kept_id, kept_date = shingles.articles[keep].article_id, date
    where = "in this run" if kept_date == date else f"published on {kept_date.isoformat()}"
    if hashes[node] == hashes[keep]:
        kind, similarity, estimate = "exact", 1.0, None
        reason = f"same story text (title, dateline, body) as article {kept_id} {where}"
    else:
        kind, similarity, estimate = "near", shingles.jaccard(node, keep), shingles.estimate(node, keep)
        chained = "" if similarity >= shingles.threshold else ", joined through a chain of near copies"
        reason = (
            f"near copy of article {kept_id} {where}: shares {similarity:.0%} of its "
            f"word {shingles.params.shingle_words}-grams{chained}"
        )
    return Duplicate(
        doc_id=article.article_id,
        raw_uri=article.raw_uri,
        raw_path=article.raw_path,
        raw_sha256=article.raw_sha256,
        title=article.title,
        content_hash=article.content_hash,
        kept_article_id=kept_id,
        kept_date=kept_date,
        kind=kind,
        similarity=round(similarity, 4),
        reason=reason,
        estimated_similarity=None if estimate is None else round(estimate, 4),
    )


class _Shingles:
    """Shingle sets (sorted, unique) and signatures of the nodes that need them (most never do)."""

    def __init__(self, articles: list[Article], index: DedupIndex, params: MinHashParams, threshold: float):
        self.articles, self.index, self.params, self.threshold = articles, index, params, threshold
        self._sets: dict[int, np.ndarray] = {}
        self._sigs: dict[int, np.ndarray] = {}

    def jaccard(self, a: int, b: int) -> float:
        self.load([a, b])
        return minhash.jaccard(self._sets[a], self._sets[b], assume_unique=True)

    def estimate(self, a: int, b: int) -> float:
        self.load([a, b])
        return minhash.estimate_similarity(self._sigs[a], self._sigs[b])

    def load(self, nodes: list[int], batch: int = 4096) -> None:
        """Compute what `nodes` need, in batches: one text at a time costs ~100x more per text."""
        todo = [x for x in nodes if x not in self._sets]
        for start in range(0, len(todo), batch):
            self._load_batch(todo[start : start + batch])

    def _load_batch(self, todo: list[int]) -> None:
        n = len(self.articles)
        published = [x - n for x in todo if x >= n]
        texts = dict(zip((x for x in todo if x >= n), self.index.texts(published), strict=True))
        texts.update({x: _story(self.articles[x]) for x in todo if x < n})
        flat, offsets = minhash.shingle_hashes([texts[x] for x in todo], self.params.shingle_words)
        for i, x in enumerate(todo):
            self._sets[x] = np.unique(flat[offsets[i] : offsets[i + 1]])
            if x < n:
                self._sigs[x] = self.articles[x].sketch.signature
        others = [x for x in todo if x >= n]
        for x, sig in zip(others, minhash.signatures([texts[x] for x in others], self.params), strict=True):
            self._sigs[x] = sig


def _signature_matrix(articles: list[Article], params: MinHashParams) -> np.ndarray:
    if not articles:
        return np.zeros((0, params.permutations), dtype=np.uint32)
    return np.stack([a.sketch.signature for a in articles])


def _candidate_pairs(nodes: np.ndarray, keys: np.ndarray, n_run: int) -> list[tuple[int, int]]:
    """Pairs of nodes sharing an LSH band key, at least one of them from the run, sorted.

    Vectorized: copies of one story share most of their band keys, so the same pair turns up in
    many buckets (a Python set of them was most of the dedup time on the 10x corpus).
    """
    if not len(nodes):
        return []
    flat_keys = keys.ravel()
    flat_nodes = np.repeat(nodes, keys.shape[1])
    order = np.lexsort((flat_nodes, flat_keys))
    flat_keys, flat_nodes = flat_keys[order], flat_nodes[order]
    starts = np.concatenate(([0], np.flatnonzero(flat_keys[1:] != flat_keys[:-1]) + 1))
    sizes = np.diff(np.append(starts, len(flat_keys)))
    firsts, seconds = [], []
    for size in np.unique(sizes[sizes > 1]).tolist():
        at = starts[sizes == size][:, None]
        if size <= _MAX_BUCKET:
            i, j = np.triu_indices(size, 1)
        else:  # each member with the first and with the next
            i = np.concatenate((np.zeros(size - 1, dtype=np.int64), np.arange(1, size - 1)))
            j = np.concatenate((np.arange(1, size), np.arange(2, size)))
        firsts.append(flat_nodes[(at + i).ravel()])
        seconds.append(flat_nodes[(at + j).ravel()])
    if not firsts:
        return []
    a, b = np.concatenate(firsts), np.concatenate(seconds)
    # Buckets are sorted by node, so a < b: a from the run means at least one side is. Pairs of
    # published articles alone were settled when they were published.
    wanted = (a < n_run) & (a != b)
    span = int(nodes.max()) + 1
    codes = np.unique(a[wanted] * span + b[wanted])
    return list(zip((codes // span).tolist(), (codes % span).tolist(), strict=True))
