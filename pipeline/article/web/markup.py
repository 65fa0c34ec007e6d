"""What the markup is: a web page, a feed, or plain text; and a page that holds no article."""

from __future__ import annotations

import re

import lxml.html

from pipeline.article.web.text import TOKEN


class NotAnArticle(Exception):
    """A page that holds no article; carries the reject reason and a readable detail."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


# What may come before a page's root element: whitespace, a byte-order mark, an XML prolog, a
# doctype, comments (conditional ones too) and scripts.
_PRELUDE = re.compile(
    r"(?:\s+|\ufeff|<\?xml[^>]*>|<!--.*?-->|<!doctype[^>]*>|<(script|noscript|style)\b.*?</\1\s*>)*", re.S | re.I
)
_ROOT = re.compile(r"<(html|head|body|rss|feed|rdf:rdf)\b", re.I)
_FEEDS = {"rss": "an RSS feed", "feed": "an Atom feed", "rdf:rdf": "an RSS 1.0 (RDF) feed"}
_TAGS = re.compile(r"</?(?:p|div|span|body|head|script|br|a|article|h[1-6])\b[^>]*>", re.I)


def markup_kind(text: str) -> str:
    """'html' for a web page, 'feed' for an RSS or Atom feed, 'text' for anything else.

    A page is recognised by its root element whatever precedes it (see _PRELUDE), or, as a fragment
    saved without one, by its tags (8 or more in its first 4 KB).
    """
    if text.lstrip("\ufeff \t\r\n")[:1] == "<":
        head = text[:65536]
        root = _ROOT.match(head, _PRELUDE.match(head).end())
        if root:
            return "feed" if root.group(1).lower() in _FEEDS else "html"
    return "html" if len(_TAGS.findall(text, 0, 4096)) >= 8 else "text"


def feed_detail(text: str) -> str:
    """Why a feed is not an article, readably: what it is, how many entries, what to do instead."""
    head = text[:65536]
    root = _ROOT.match(head, _PRELUDE.match(head).end())
    what = _FEEDS[root.group(1).lower()] if root else "a feed"
    entries = len(re.findall(r"<(?:item|entry)\b", text))
    return f"{what} ({entries} entries), not an article: fetch the articles it lists instead (newsetl run --feed URL)"


TEASER_SHARE = 0.6  # of the text found, in links: a home or section page (fundus articles: at most 0.49)


def check_not_teasers(lines: list[str], links: str) -> None:
    """Raise NotAnArticle for a home or section page: what the extractor found there is mostly the
    text of links to other pages (teaser headlines and menus), not an article's paragraphs.

    A line is link text when it is written in a link, or when every word of it is (a menu's words
    run together on one line)."""
    words = set(TOKEN.findall(links.casefold()))
    linked = [line for line in lines if line in links or set(TOKEN.findall(line.casefold())) <= words]
    share = sum(map(len, linked)) / max(sum(map(len, lines)), 1)
    if share >= TEASER_SHARE:
        raise NotAnArticle(
            "not_an_article",
            f"a home or section page: {share:.0%} of the text found on it is the text of links to other pages "
            f"({len(linked)} of {len(lines)} blocks, teaser headlines or menus), and no article body",
        )


def load_page(page: str | bytes) -> lxml.html.HtmlElement:
    from trafilatura.utils import load_html

    tree = load_html(page)
    if tree is None:
        raise NotAnArticle("html_no_article", "the page could not be parsed as HTML")
    return tree
