"""Duplicate-detection quality on Reuters-21578, scored against duplicate_pairs_computed.tsv.

The reference pairs were computed on the raw documents; newsetl compares the *story text* after
cleaning (title, dateline and body, without ticker tags, wire sign-offs and other boilerplate).
How the scores account for that:
- A pair with a side that is rejected (a title-only BRIEF: `no_body`, nothing left to compare) is
  left out of both scores and counted apart: a reject is neither kept nor a duplicate.
- Predicted pairs: every two documents in one cluster (a kept article and the copies pointing at
  it). Near scores compare them with the reference pairs at word-5-gram Jaccard >= 0.8.
- Exact scores: the reference's exact pairs are `exact_bytes` and `exact_normalized`; one is found
  when both sides land in one cluster (two exact copies of each other that are both near copies of
  a third, kept article are `near` rows pointing at it: still found). Precision is over the pairs
  newsetl labels exact (a kept article and its `exact` copies): such a pair the reference does not
  call exact counts as correct only when the two raw files are equal once ticker tags, the final
  `Reuter` sign-off line, case and whitespace are removed (checked here, independently of the
  pipeline's rules); the strict score is printed too.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

NEAR_BAR = 0.8
EXACT_RELATIONS = ("exact_bytes", "exact_normalized")


@dataclass(frozen=True)
class Score:
    name: str
    precision: float
    recall: float
    predicted: int
    reference: int
    floor_precision: float
    floor_recall: float

    @property
    def passed(self) -> bool:
        return self.precision >= self.floor_precision and self.recall >= self.floor_recall


@dataclass(frozen=True)
class Quality:
    scores: list[Score]
    skipped_reject_pairs: Counter
    missed: list[tuple[str, str, float]]
    extra: list[tuple[str, str, float | None]]


def read_reference(tsv: Path) -> dict[tuple[str, str], tuple[str, float]]:
    pairs = {}
    with tsv.open(newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            a, b = sorted((row["doc_a"].removeprefix("docs/"), row["doc_b"].removeprefix("docs/")))
            pairs[(a, b)] = (row["relation"], float(row["word5gram_jaccard"]))
    return pairs


def predicted_pairs(out: Path) -> tuple[set[tuple[str, str]], set[tuple[str, str]], set[str]]:
    """(all pairs in one cluster, pairs in one exact group, rejected paths) from a run's datasets."""
    articles = pq.read_table(out / "articles", columns=["article_id", "raw_path"]).to_pylist()
    duplicates = pq.read_table(out / "duplicates", columns=["raw_path", "kept_article_id", "kind"]).to_pylist()
    rejects = set(pq.read_table(out / "rejects", columns=["raw_path"]).column("raw_path").to_pylist())
    path_of = {a["article_id"]: a["raw_path"] for a in articles}
    clusters: dict[str, list[str]] = defaultdict(list)
    exact: dict[str, list[str]] = defaultdict(list)
    for a in articles:
        clusters[a["raw_path"]].append(a["raw_path"])
        exact[a["raw_path"]].append(a["raw_path"])
    for d in duplicates:
        kept = path_of.get(d["kept_article_id"], d["kept_article_id"])
        clusters[kept].append(d["raw_path"])
        if d["kind"] == "exact":
            exact[kept].append(d["raw_path"])
    return _pairs(clusters.values()), _pairs(exact.values()), rejects


def _pairs(groups) -> set[tuple[str, str]]:
    return {pair for members in groups for pair in itertools.combinations(sorted(members), 2)}


_TICKER = re.compile(r"<[^<>\n]{1,80}>")
_SIGNOFF = re.compile(r"\n\s*reuter\b[^\n]*\s*$", re.IGNORECASE)


def same_without_wire_marks(docs: Path, a: str, b: str) -> bool:
    """The two raw files are equal once ticker tags, the sign-off line, case and spacing are gone."""

    def core(name: str) -> str:
        text = (docs / name).read_text(encoding="utf-8", errors="replace")
        text = _SIGNOFF.sub("", _TICKER.sub(" ", text))
        return " ".join(text.casefold().split())

    return core(a) == core(b)


def score(out: Path, corpus: Path) -> Quality:
    reference = read_reference(corpus / "duplicate_pairs_computed.tsv")
    clustered, exact, rejects = predicted_pairs(out)
    skipped: Counter = Counter()
    truth = {}
    for pair, (relation, jaccard) in reference.items():
        if pair[0] in rejects or pair[1] in rejects:
            skipped[relation] += 1
        else:
            truth[pair] = (relation, jaccard)
    near_truth = {p for p, (_, j) in truth.items() if j >= NEAR_BAR}
    exact_truth = {p for p, (rel, _) in truth.items() if rel in EXACT_RELATIONS}
    exact_ok = {p for p in exact if p in exact_truth or same_without_wire_marks(corpus / "docs", *p)}
    scores = [
        _score("near (Jaccard >= 0.8)", clustered, near_truth, 0.98, 0.97),
        _score("exact", exact, exact_truth, 1.0, 1.0, correct=exact_ok, found=clustered),
        _score("exact, strict (reference labels only)", exact, exact_truth, 0.0, 0.0, found=clustered),
    ]
    missed = sorted((a, b, truth[(a, b)][1]) for a, b in near_truth - clustered)
    extra = sorted((a, b, truth.get((a, b), (None, None))[1]) for a, b in clustered - near_truth)
    return Quality(scores, skipped, missed, extra)


def _score(name, predicted, reference, floor_p, floor_r, correct=None, found=None) -> Score:
    hits = correct if correct is not None else predicted & reference
    precision = len(hits) / len(predicted) if predicted else 1.0
    recall = len((predicted if found is None else found) & reference) / len(reference) if reference else 1.0
    return Score(name, precision, recall, len(predicted), len(reference), floor_p, floor_r)
