"""An article a page holds only in its embedded state, not in its markup.

Sites rendered by a JavaScript framework (Next.js `__NEXT_DATA__` and `self.__next_f.push`, Nuxt's
`__NUXT__`, React Query or Redux state) often serve a shell whose markup holds no article: the text
is a string inside a script, for the browser to render. No framework is named here: every long JSON
string literal of every inline script is a candidate, and the one that holds the most paragraph text
is the article (a plain-text schema.org `articleBody` the extractor reads itself). Read only when
the extractor found too little in the markup: rare, and then a second parse is cheap against losing
the article.
"""

from __future__ import annotations

import json
import re

import lxml.html
from lxml import etree

from pipeline.article.web.text import element_text

# A JSON (or JavaScript) string literal of 200+ characters, escapes included.
_LONG_STRING = re.compile(r'"((?:[^"\\]|\\.){200,})"', re.S)
_PARAGRAPH = re.compile(r"<p[\s>]", re.I)
MIN_TEXT = 500  # characters of paragraph text: less is a teaser or a snippet, not an article


def _decoded(literal: str) -> str:
    try:
        return json.loads(f'"{literal}"')
    except ValueError:
        return ""


def _paragraph_text(fragment: str) -> tuple[int, list[etree._Element]]:
    """How much text the fragment's paragraphs hold, and its elements."""
    try:
        elements = lxml.html.fragments_fromstring(fragment)
    except (etree.ParserError, ValueError):
        return 0, []
    elements = [e for e in elements if isinstance(e, etree._Element)]
    text = sum(len(element_text(p)) for e in elements for p in e.iter("p"))
    return text, elements


def embedded_article(tree: lxml.html.HtmlElement) -> list[etree._Element]:
    """The elements of the longest article the page's scripts hold as an HTML string; [] if none
    holds MIN_TEXT characters of paragraphs."""
    best: tuple[int, list[etree._Element]] = (MIN_TEXT - 1, [])
    for script in tree.iter("script"):
        if script.get("src") or not script.text or len(script.text) < MIN_TEXT:
            continue
        for literal in _LONG_STRING.findall(script.text):
            if _PARAGRAPH.search(text := _decoded(literal)) and (found := _paragraph_text(text))[0] > best[0]:
                best = found
    return best[1]


def with_embedded_article(tree: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """The page with its embedded article set into its body as an `<article>`; None if it has none."""
    elements = embedded_article(tree)
    body = tree.find("body")
    if not elements or body is None:
        return None
    etree.SubElement(body, "article").extend(elements)
    return tree
