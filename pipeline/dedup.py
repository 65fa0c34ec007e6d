"""Dedup stage: drop copies of articles already kept in this run or in another published date.

Exact duplicates share the hash of their normalized body (case, whitespace and Unicode forms
folded). The first copy in input order is kept; a copy of an article already published under
another date points at that date's article, so across all partitions one copy of each text is
kept. A rerun of a date never matches the date against itself: its own old partition is left out
of the index.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pipeline.models import Article, Duplicate


@dataclass(frozen=True, slots=True)
class Kept:
    article_id: str
    date: dt.date


def drop_exact(
    articles: list[Article], date: dt.date, published: dict[str, Kept]
) -> tuple[list[Article], list[Duplicate]]:
    """Articles to keep and the exact duplicates dropped, given hashes published under other dates."""
    seen: dict[str, Kept] = dict(published)
    by_id: dict[str, Article] = {}
    kept: list[Article] = []
    duplicates: list[Duplicate] = []
    for article in articles:
        hit = seen.get(article.content_hash)
        if hit is None:
            seen[article.content_hash] = Kept(article.article_id, date)
            by_id[article.article_id] = article
            kept.append(article)
            continue
        if hit.article_id in by_id:
            by_id[hit.article_id].duplicate_count += 1
        where = "in this run" if hit.date == date else f"published on {hit.date.isoformat()}"
        duplicates.append(
            Duplicate(
                doc_id=article.article_id,
                raw_uri=article.raw_uri,
                raw_path=article.raw_path,
                raw_sha256=article.raw_sha256,
                title=article.title,
                content_hash=article.content_hash,
                kept_article_id=hit.article_id,
                kept_date=hit.date,
                kind="exact",
                similarity=1.0,
                reason=f"same normalized body as article {hit.article_id} {where}",
            )
        )
    return kept, duplicates
