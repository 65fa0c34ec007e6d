"""Text as a web page holds it: attribute and element text, collapsed; how much two texts agree."""

from __future__ import annotations

import collections
import functools
import html as html_lib
import re

from lxml import etree


def attr_text(value: object) -> str:
    """A JSON-LD or attribute string, unescaped (some sites escape entities twice) and collapsed."""
    if not isinstance(value, str):
        return ""
    return " ".join(html_lib.unescape(value).split())


def element_text(el: etree._Element) -> str:
    """An element's text, collapsed (for its length, or whether it has any: see `block_text`)."""
    return " ".join("".join(el.itertext()).split())


# Elements a browser sets on a line of their own: their text is never run on into the next one's.
_BREAKS = ("br", "p", "div", "li", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "figcaption", "blockquote")
_BREAK_TAGS = frozenset(_BREAKS)


def block_text(el: etree._Element) -> str:
    """An element's text as a reader sees it, for the texts the article is made of: lines a `<br>`
    or a block breaks stay apart ("a<br>b" -> "a b", where `element_text` gives "ab")."""
    if next(el.iterdescendants(*_BREAKS), None) is None:  # most elements: one call in C
        return element_text(el)
    pieces = []
    for event, node in etree.iterwalk(el, events=("start", "end")):
        if node.tag in _BREAK_TAGS:
            pieces.append(" ")
        if event == "start":
            if node.text and isinstance(node.tag, str):
                pieces.append(node.text)
        elif node is not el and node.tail:
            pieces.append(node.tail)
    return " ".join("".join(pieces).split())


CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
TOKEN = re.compile(rf"[{CJK}]|[^\W{CJK}]+")
CJK_CHAR = re.compile(f"[{CJK}]")


@functools.lru_cache(maxsize=4096)  # a page compares the same paragraphs and captions many times
def tokens(text: str) -> collections.Counter:
    """Casefolded words; a CJK character is a word of its own (those scripts do not separate words)."""
    return collections.Counter(TOKEN.findall(text.casefold()))


def overlap(a: str, b: str) -> float:
    """Token F1 of two texts: 1 for the same words, 0 for none in common."""
    if not a or not b or max(len(a), len(b)) > 4 * min(len(a), len(b)):
        return 0.0  # lengths this far apart cannot reach the agreement any caller asks for
    ta, tb = tokens(a), tokens(b)
    common = sum((ta & tb).values())
    return 2 * common / max(sum(ta.values()) + sum(tb.values()), 1)
