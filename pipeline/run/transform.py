"""The per-document transform: raw bytes → decoded text → parsed, cleaned, described `Article`
(or a `Reject` with its reason). Pure functions of one input and the settings.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from pipeline.article import clean, parse
from pipeline.article.web.markup import NotAnArticle, feed_detail, markup_kind
from pipeline.article.web.page import extract_article
from pipeline.dedup import duplicates as dedup
from pipeline.enrich import describe, metadata
from pipeline.ingest import decode, records
from pipeline.ingest.decode import RejectInput
from pipeline.models import Article, Metadata, Outcome, RawDoc, Reject
from pipeline.settings import Settings


@dataclass(slots=True)
class _Structure:
    """A document's parts before the dateline, tickers and metadata, from plain text or a web page."""

    heading: parse.Heading
    paragraphs: list[str]  # the lead first
    subheadings: list[str]
    boiler: clean.Removed  # captions and credits: the page's figures', then what the rules took out
    removed: list[str]
    sidecar: dict[str, str]
    title_only: bool  # nothing under the title, before the boilerplate rules
    lead_count: int = 1  # paragraphs that make the lead


_METADATA_FIELDS = [f.name for f in dataclasses.fields(Metadata)]


def build_article(
    text: str, encoding: str, doc: RawDoc, sha: str, settings: Settings, sidecar: dict[str, str] | None = None
) -> Article:
    """Parse, clean and describe one decoded document. Raises RejectInput when unusable.

    `sidecar` is what travelled with the text (default: the listing's; a record's fields for a
    record). Language is left unset unless the sidecar gives it: `describe_batch` detects it for
    many articles at once (much faster).
    """
    sidecar = doc.sidecar if sidecar is None else sidecar
    kind = markup_kind(text)
    if kind == "feed":
        raise RejectInput("feed", feed_detail(text))
    parts = _structure_of_page(text, doc, sidecar) if kind == "html" else _structure_of_text(text, doc, sidecar)
    heading, paragraphs, subheadings, boiler = parts.heading, parts.paragraphs, parts.subheadings, parts.boiler
    removed, sidecar = parts.removed, parts.sidecar
    dateline = None
    if paragraphs:
        dateline, paragraphs[0] = parse.extract_dateline(paragraphs[0])
    tickers: list[str] = []
    for i, para in enumerate(paragraphs):
        if "<" in para:  # most paragraphs have no tags: spare them the call
            paragraphs[i], found = clean.strip_ticker_tags(para)
            tickers += [t for t in found if t not in tickers]
    _, title_tickers = clean.strip_ticker_tags(heading.title)
    if title_tickers:
        tickers = [*title_tickers, *(t for t in tickers if t not in title_tickers)]
    paragraphs = [stripped for p in paragraphs if (stripped := p.strip())]

    body = "\n\n".join(paragraphs)
    words = describe.count_words(body)
    if words < settings.min_words:
        what = "only a title" if heading.title and parts.title_only else "no article text"
        raise RejectInput(
            "no_body", f"{what} left after cleaning ({words} words; removed: {', '.join(removed) or 'nothing'})"
        )

    content_hash, exact_key = dedup.article_keys(heading.title, dateline, body)
    meta = metadata.extract_metadata(
        heading.title,
        paragraphs,
        dateline,
        agencies=clean.agencies_in(boiler, dateline),
        published_at=describe.published_from(doc.rel_path, sidecar),
        word_count=words,
    )
    return Article(
        article_id=describe.doc_id(sha, doc.rel_path),
        title=heading.title or None,  # no title line and no evidence of one (parse.title_by_evidence)
        kicker=heading.kicker,
        headline=heading.headline,
        lead="\n\n".join(paragraphs[: parts.lead_count]),
        body=body,
        subheadings=subheadings,
        captions=boiler.captions,
        photo_credits=boiler.photo_credits,
        source_site=boiler.source_site or sidecar.get("site_name"),
        dateline=dateline,
        tickers=tickers,
        language=_language(sidecar.get("language")),
        language_score=None,
        word_count=words,
        char_count=len(body),
        paragraph_count=len(paragraphs),
        content_hash=content_hash,
        raw_sha256=sha,
        raw_uri=doc.uri,
        raw_path=doc.rel_path,
        raw_size=doc.size,
        raw_encoding=encoding,
        raw_modified_at=doc.modified_at,
        source_url=sidecar.get("source_url") or sidecar.get("url"),
        removed=removed,
        author=sidecar.get("author"),
        site_name=sidecar.get("site_name"),
        canonical_url=sidecar.get("canonical_url"),
        feed_url=sidecar.get("feed_url"),
        fetched_at=describe.parse_timestamp(sidecar.get("fetched_at")),
        **{name: getattr(meta, name) for name in _METADATA_FIELDS},
        warc_record_id=sidecar.get("warc_record_id"),
        warc_target_uri=sidecar.get("warc_target_uri"),
        warc_date=describe.parse_timestamp(sidecar.get("warc_date")),
        exact_key=exact_key,
    )


def _structure_of_text(text: str, doc: RawDoc, sidecar: dict[str, str]) -> _Structure:
    """Plain text: title line, kicker and headline, paragraphs, boilerplate and subheadings by rule."""
    text, removed = clean.normalize_text(text)
    title, rest = parse.split_title(text)
    # A first line too wide for a title is a paragraph, and a line read as an article (--text-as lines)
    # is an article run on in one line: no title line, all of it is body.
    if doc.format == "lines" or not parse.is_title_line(title):
        title, rest = sidecar.get("title") or parse.title_by_evidence(text, doc.rel_path), text.strip("\n")
    text = rest
    wrapped = parse.looks_hard_wrapped(text)
    heading, rest = parse.split_heading(title, parse.split_paragraphs(text, wrapped))
    removed += heading.removed
    paragraphs, boiler = clean.strip_boilerplate(rest)
    removed += boiler.rules
    # Wire copy has no subheadings; its short lines are table rows and list items.
    paragraphs, subheadings = ([*paragraphs], []) if wrapped else parse.split_subheadings(paragraphs)
    if subheadings:
        removed.append("subheading")
    return _Structure(heading, paragraphs, subheadings, boiler, removed, sidecar, title_only=not rest)


def _structure_of_page(markup: str, doc: RawDoc, sidecar: dict[str, str]) -> _Structure:
    """A web page: the structure it marks up (extract_article), Unicode repaired afterwards,
    on the extracted text only; the boilerplate rules still apply to its paragraphs."""
    sidecar = dict(sidecar)  # completed below from the page (the listing's stays as it is)
    try:
        url = sidecar.get("source_url") or sidecar.get("url")
        saved_at = describe.parse_timestamp(sidecar.get("fetched_at")) or doc.modified_at
        page = extract_article(markup, url=url, saved_at=saved_at)
    except NotAnArticle as exc:
        raise RejectInput(exc.reason, exc.detail) from None
    captions = [f.caption for f in page.figures if f.caption]
    credits = [c for f in page.figures for c in f.credits]
    fields = [page.title or sidecar.get("title") or "", page.site_name or "", "; ".join(page.authors)]
    fields += [page.kicker or "", page.headline or ""]
    texts = [*fields, *page.lead, *page.paragraphs, *page.subheadings, *captions, *credits]
    # One repair call for the page: every text is one line (the extractor collapses whitespace).
    repaired, removed = clean.normalize_text("\n".join(texts))
    texts = repaired.split("\n")
    title, site_name, authors, kicker, headline = texts[: len(fields)]
    at = len(fields) + len(page.lead) + len(page.paragraphs)
    paragraphs, boiler = clean.strip_boilerplate(texts[len(fields) : at])
    # A "read also" label set as a heading points to other stories (the boilerplate rules' promo).
    subheadings = [s for s in texts[at : at + len(page.subheadings)] if not clean.is_promo(s)]
    if len(subheadings) < len(page.subheadings):
        boiler.add("trailer_link_promo")
    at += len(page.subheadings)
    boiler.captions[:0] = texts[at : at + len(captions)]
    boiler.photo_credits[:0] = texts[at + len(captions) :]
    removed = ["html_markup", *removed, *boiler.rules]
    if subheadings:
        removed.append("subheading")
    for key, value in (
        ("published_at", page.published),
        ("source_url", page.url),
        ("site_name", site_name),
        ("author", authors),
        ("canonical_url", page.url),
    ):
        if value and key not in sidecar:
            sidecar[key] = value
    title_only = not (page.lead or page.paragraphs)
    heading = parse.Heading(title=title, kicker=kicker or None, headline=headline or None)
    return _Structure(heading, paragraphs, subheadings, boiler, removed, sidecar, title_only, len(page.lead) or 1)


def _language(code: str | None) -> str | None:
    """A record's language as an ISO 639 code ("en" of "en-US"); None (the detector decides) otherwise."""
    base = (code or "").strip().lower().replace("_", "-").split("-", 1)[0]
    return base if base.isascii() and base.isalpha() and len(base) in (2, 3) else None


def process_doc(doc: RawDoc, settings: Settings) -> Outcome:
    """One raw input to exactly one outcome: an Article or a Reject. Never raises."""
    return _process_chunk([doc], settings)[0]


def describe_batch(articles: list[Article], settings: Settings) -> None:
    """The per-article work that is faster in batches: language, and the dedup sketch."""
    # detect_languages reads the first 600 characters: the body is cut first rather than copied whole.
    todo = [a for a in articles if a.language is None]  # (a record may have given its language)
    languages = describe.detect_languages([f"{a.title or ''}\n{a.body[:600]}" for a in todo])
    for article, (language, score) in zip(todo, languages, strict=True):
        article.language, article.language_score = language, score
    dedup.sketch_articles(articles, settings.minhash_params())


def _build_outcome(doc: RawDoc, settings: Settings) -> Outcome | list[Outcome]:
    """One input's outcome, or a text file's that is plainly records (`records.sniff`): its records'."""
    sha: str | None = None
    stage = "read"
    try:
        data = decode.load_bytes(doc, settings.max_bytes)
        sha = decode.sha256_hex(data)
        sidecar = None
        if doc.format:
            text, encoding, sidecar = records.record_text(doc, data, settings.fields)
        else:
            text, encoding = decode.decode_bytes(data, doc.sidecar.get("content_type"))
            sniff = settings.text_as == "auto" and markup_kind(text) == "text"
            found = records.sniff(text) if sniff else None
            if found:  # a text file that is plainly records: each record is an input of its own
                return [_build_outcome(record, settings) for record in records.records_of_file(doc, data, found)]
        stage = "parse"
        return build_article(text, encoding, doc, sha, settings, sidecar)
    except RejectInput as exc:
        return _reject(doc, sha, exc.reason, exc.detail, stage)
    except Exception as exc:  # one bad input must never take the whole run down
        return _reject(doc, sha, "internal_error", f"{type(exc).__name__}: {exc}", stage)


def _reject(doc: RawDoc, sha: str | None, reason: str, detail: str, stage: str) -> Reject:
    return Reject(
        doc_id=describe.doc_id(sha or "", doc.rel_path),
        raw_uri=doc.uri,
        raw_path=doc.rel_path,
        raw_sha256=sha,
        raw_size=doc.size or 0,  # (None: a file listed without a stat that could not be read)
        reason=reason,
        detail=detail,
        stage=stage,
    )


def _process_chunk(docs: list[RawDoc], settings: Settings) -> list[Outcome]:
    """Outcomes of some raw inputs, in order: the unit of work of one worker process."""
    outcomes: list[Outcome] = []
    for doc in docs:
        outcome = _build_outcome(doc, settings)
        if isinstance(outcome, list):
            outcomes += outcome
        else:
            outcomes.append(outcome)
    describe_batch([o for o in outcomes if isinstance(o, Article)], settings)
    return outcomes
