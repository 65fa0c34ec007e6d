"""An article's structure out of a web page: title, lead, paragraphs, subheadings, figures, bylines.

One method for every site, from the signals pages carry for readers and search engines alike:
- the extractor's structured output (trafilatura's XML keeps headings apart from paragraphs);
- schema.org JSON-LD (NewsArticle: headline, description, author, datePublished);
- Open Graph and meta tags (og:title, og:description, article:published_time, og:site_name);
- HTML semantics: `figure`/`figcaption` and the credit marked inside it, the headline `h1`, a lead
  the page sets between the headline and the body, headings `h2`-`h6` between body paragraphs.
Which signals are used is a parameter, so that the bench can say what each adds (docs/html.md).

Text is taken as the page writes it: whitespace is collapsed, no character is changed (Unicode
repair is the clean stage's, on the extracted text only).
"""

from __future__ import annotations

import collections
import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import lxml.html
from lxml import etree

from pipeline.article.web.byline import (
    bold_byline,
    byline_names,
    choose_authors,
    labelled_byline,
    meta_authors,
    names_a_person,
    searched_authors,
    split_names,
)
from pipeline.article.web.described import (
    json_ld,
    meta_tags,
    names,
    own_url,
    page_date,
    published_time,
    site_name,
    title_date,
)
from pipeline.article.web.embedded import MIN_TEXT, with_embedded_article
from pipeline.article.web.figures import Figure, ld_figures, merge_figures, page_figures
from pipeline.article.web.layout import Layout, drop_furniture, opening, page_layout, split_lead, split_subheadings
from pipeline.article.web.markup import NotAnArticle, check_not_teasers, load_page
from pipeline.article.web.stories import drop_other_stories
from pipeline.article.web.text import attr_text, block_text, element_text, overlap
from pipeline.article.web.title import (
    choose_title,
    headline_element,
    kicker_and_headline,
    page_titles,
    section_names,
    shown_text,
    site_names,
    title_without_site,
)

SIGNALS = frozenset({"xml", "jsonld", "meta", "figures", "semantics"})


@dataclass(slots=True)
class WebArticle:
    title: str | None
    kicker: str | None  # the short line the page sets over its headline
    headline: str | None  # the headline under that kicker, without it
    lead: list[str]  # the lead paragraph(s), not repeated in `paragraphs`
    paragraphs: list[str]  # the body after the lead, in page order, subheadings and captions excluded
    subheadings: list[str]
    figures: list[Figure]
    authors: list[str]
    published: str | None  # ISO 8601 as the page gives it
    site_name: str | None
    url: str | None  # the page's own (canonical link, og:url), not the one it was fetched from


def xml_blocks(body: Iterable[etree._Element] | None) -> Iterator[tuple[str, str]]:
    """(kind, text) of the extractor's XML: 'head' for a heading, 'p' for paragraphs and list items;
    a `div` it kept is read block by block (`_div_blocks`)."""
    for el in body if body is not None else ():
        if el.tag == "list":
            for item in el.iter("item"):
                if text := block_text(item):
                    yield "p", text
        elif el.tag == "div":
            yield from _div_blocks(el)
        elif text := block_text(el):
            yield ("head" if el.tag == "head" else "p"), text


def _div_blocks(div: etree._Element) -> Iterator[tuple[str, str]]:
    """The blocks of a `div` in the extractor's XML. Text loose in it joins the paragraphs on either
    side: the extractor cut a paragraph there (`<p>NEW DELHI: </p>Pakistan<p>'s army ...</p>`)."""
    run, glued = "", False  # the paragraph read so far; whether loose text asks the next to join it
    for child, loose in _children_and_loose_text(div):
        if child is None:
            if loose and loose.strip():
                run, glued = run + loose, True
        elif child.tag == "p":
            if run.strip() and not glued:
                yield "p", " ".join(run.split())
                run = ""
            run, glued = run + "".join(child.itertext()), False
        else:
            if run.strip():
                yield "p", " ".join(run.split())
            run, glued = "", False
            yield from xml_blocks([child])
    if run.strip():
        yield "p", " ".join(run.split())


def _children_and_loose_text(div: etree._Element) -> Iterator[tuple[etree._Element | None, str | None]]:
    """A div's children in order, (child, None), with the text loose around them, (None, text)."""
    yield None, div.text
    for child in div:
        yield child, None
        yield None, child.tail


def extract_article(
    page: str | bytes, url: str | None = None, signals: frozenset[str] = SIGNALS, saved_at: dt.datetime | None = None
) -> WebArticle:
    """The article on a web page (markup as text or bytes). Raises NotAnArticle when it holds none.
    `saved_at`: when the page was fetched or its file written (no date after it is the page's)."""
    return _extract_article(load_page(page), page, url, signals, saved_at)


def _extract_article(
    tree: lxml.html.HtmlElement,
    page: str | bytes | None,
    url: str | None,
    signals: frozenset[str],
    saved_at: dt.datetime | None,
) -> WebArticle:
    """`page` is the markup to read again for an article held in the page's scripts, when the
    markup holds too little (None: this tree is that second reading)."""
    import trafilatura  # (only runs with pages import it)

    ld, _ = json_ld(tree) if "jsonld" in signals else ({}, set())
    meta = meta_tags(tree) if "meta" in signals else {}
    titles = page_titles(tree, ld, meta)
    if "semantics" in signals:
        drop_other_stories(tree, titles)
    layout = page_layout(tree) if signals & {"figures", "semantics"} else Layout()
    figures = page_figures(layout.captions, tree) if "figures" in signals else []
    if "semantics" not in signals:
        layout = Layout()
    if "jsonld" in signals:
        figures = merge_figures(figures, ld_figures(ld))
    heading = headline_element(tree) if "semantics" in signals else None
    headline = shown_text(heading) if heading is not None else ""
    kicker, kicked = kicker_and_headline(heading, titles) or (None, None)
    sites = site_names(ld, meta, url)
    ld_authors = names(ld.get("author"))
    # Byline markup is read only when JSON-LD names no one (most pages do; the markup costs a search).
    byline: list[str] = []
    if "semantics" in signals and not names_a_person(ld_authors, sites):
        byline = byline_names(tree)
        if not names_a_person(byline, sites):
            # Bylines no markup names: after a label naming the role, or a paragraph of names in bold.
            byline = labelled_byline(tree) or bold_byline(tree) or byline
    page_url = own_url(tree, meta)
    # The page's own publication time, else a date the title ends with, else htmldate's search of the
    # whole page (it also takes dates the page shows for other articles: the last resort).
    published = (
        published_time(ld, meta, tree if "semantics" in signals else None)
        or title_date(titles[1:])  # og:title, `<title>`
        or page_date(tree, page_url or url, saved_at)
    )
    links = "\n".join(element_text(a) for a in tree.iter("a"))
    # Only the extractor's text: title, authors, date and site come from the signals read here (its
    # own metadata search was ~30 % of its time, and scored no better: docs/html.md, Speed).
    doc = trafilatura.bare_extraction(
        tree, with_metadata=False, include_comments=False, include_tables=False, include_images=False
    )
    found = (doc.text or "").strip() if doc is not None else ""
    if page is not None and len(found) < MIN_TEXT:
        # The extractor pruned the tree: the page is parsed again (rare: 1 of the 258 fundus pages).
        if (full := with_embedded_article(load_page(page))) is not None:
            return _extract_article(full, None, url, signals, saved_at)
    if not found:
        raise NotAnArticle("html_no_article", "an HTML page in which no article text was found")
    if "xml" in signals:
        blocks = list(xml_blocks(doc.body))
    else:
        blocks = [("p", p) for line in doc.text.split("\n") if (p := " ".join(line.split()))]
    if layout.boxed:
        blocks = [(kind, t) for kind, t in blocks if opening(t) not in layout.boxed]
    check_not_teasers([t for line in doc.text.split("\n") if (t := " ".join(line.split()))], links)
    sections = section_names(ld, meta)
    title = choose_title([title_without_site(t, sites, sections) for t in titles], headline)
    # The extractor keeps some captions as paragraphs: they are the figures', not the body's.
    captions = [f"{f.caption} {' '.join(f.credits)}".strip() for f in figures]
    captions += [c for f in figures for c in f.credits]  # a credit alone, under its image
    paragraphs = [t for kind, t in blocks if kind == "p" and not any(overlap(t, c) >= 0.8 for c in captions)]
    # A block written three times or more is a placeholder (a blocked embed's consent notice); twice
    # may be the article's own (a quote repeated), and stays.
    counts = collections.Counter(paragraphs)
    paragraphs = [t for t in paragraphs if counts[t] < 3]
    # A heading before the first paragraph is the page's (a kicker, a deck); after the last, a box's.
    kinds = [kind for kind, _ in blocks]
    first, last = (kinds.index("p"), len(kinds) - kinds[::-1].index("p")) if "p" in kinds else (0, 0)
    heads = [t for kind, t in blocks[first:last] if kind == "head"]
    # Some CMSs describe the article by its hero image's caption: the image's words, not a lead's.
    descriptions = (attr_text(ld.get("description")), meta.get("og:description", ""), meta.get("description", ""))
    description = next((d for d in descriptions if d and not any(overlap(d, c) >= 0.8 for c in captions)), "")
    lead, paragraphs = split_lead(layout, description, drop_furniture(paragraphs, title, kicker, byline))
    paragraphs, subheadings = split_subheadings(layout, paragraphs, heads)
    found_authors = meta_authors(tree) if "meta" in signals else ""
    if "semantics" in signals and not found_authors and not ld_authors:
        # Neither JSON-LD nor `<meta>` names anyone: the extractor's wider (and dearer) markup search.
        found_authors = searched_authors(tree)
    authors = choose_authors(ld_authors, byline, found_authors, sites)
    return WebArticle(
        title=title,
        kicker=kicker,
        headline=kicked,
        lead=lead,
        paragraphs=paragraphs,
        # Neither the lead nor the byline set in bold between paragraphs is a subheading.
        subheadings=[
            s
            for s in subheadings
            if not any(overlap(s, x) >= 0.8 for x in lead) and not (byline and split_names(s) == byline)
        ],
        figures=figures,
        authors=authors,
        published=published or None,
        site_name=site_name(ld, meta),
        url=page_url,
    )
