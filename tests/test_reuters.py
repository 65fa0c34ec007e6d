"""The real Reuters-21578 corpus (needs ../shared/corpora; skipped, saying why, when absent).

One run over all 21,578 stories: no wire sign-off survives in a body, and every exact duplicate
pair among stories that have a body is found.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from pipeline.run.partition import run_partition
from pipeline.settings import Settings
from tests.conftest import needs_reuters, read_dataset

pytestmark = [pytest.mark.corpus, pytest.mark.slow]


@pytest.fixture(scope="module")
def reuters_run(tmp_path_factory):
    corpus = needs_reuters()
    out = tmp_path_factory.mktemp("reuters_out")
    summary = run_partition(Settings(raw=str(corpus / "docs"), out=str(out), workers=2), dt.date(1987, 3, 1))
    return corpus, out, summary


def test_every_story_lands_exactly_once(reuters_run):
    _, out, summary = reuters_run
    assert summary.n_raw == 21578
    assert summary.n_articles + summary.n_duplicates + summary.n_rejects == 21578
    rejects = read_dataset(out, "rejects")
    assert set(rejects.reason) <= {"empty", "no_body"}
    assert rejects[rejects.reason == "empty"].raw_path.tolist() == ["12793.txt"]


def test_no_reuter_signoff_is_left_in_any_body(reuters_run):
    _, out, _ = reuters_run
    bodies = read_dataset(out, "articles").body
    assert not bodies.str.contains(r"(?:^|\s)REUTER\b|\bReuter\s*$", regex=True).any()
    assert not bodies.str.contains("&#3;", regex=False).any()


def test_every_exact_duplicate_pair_with_a_body_is_found(reuters_run):
    corpus, out, _ = reuters_run
    articles, dups, rejects = (read_dataset(out, n) for n in ("articles", "duplicates", "rejects"))
    group = dict(zip(articles.raw_path, articles.article_id, strict=True))
    group.update(zip(dups.raw_path, dups.kept_article_id, strict=True))
    rejected = set(rejects.raw_path)
    checked = 0
    for line in (corpus / "duplicate_pairs_computed.tsv").read_text().splitlines()[1:]:
        a, b, relation, _ = line.split("\t")
        if relation not in ("exact_bytes", "exact_normalized"):
            continue
        a, b = a.removeprefix("docs/"), b.removeprefix("docs/")
        if a in rejected and b in rejected:  # title-only briefs: both rejected as no_body
            continue
        assert group.get(a) is not None and group.get(a) == group.get(b), (a, b, relation)
        checked += 1
    assert checked >= 250


def test_titles_and_datelines_match_the_labels(reuters_run):
    corpus, out, _ = reuters_run
    labels = {f"{m['newid']:05d}.txt": m for m in map(json.loads, (corpus / "metadata.jsonl").read_text().splitlines())}
    articles = read_dataset(out, "articles")
    labelled = [
        (t, labels[p]["title"]) for p, t in zip(articles.raw_path, articles.title, strict=True) if labels[p]["title"]
    ]
    title_rate = sum(a == b for a, b in labelled) / len(labelled)
    dated = [
        (d, labels[p]["dateline"])
        for p, d in zip(articles.raw_path, articles.dateline, strict=True)
        if labels[p]["dateline"]
    ]
    dateline_rate = sum((a or "") == b.strip() for a, b in dated) / len(dated)
    assert title_rate >= 0.99
    assert dateline_rate >= 0.97
