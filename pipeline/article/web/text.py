"""Text as a web page holds it: attribute and element text, collapsed; how much two texts agree."""

from __future__ import annotations

import collections
import functools
import html as html_lib
import re
from collections.abc import Iterator

from lxml import etree


def attr_text(value: object) -> str:
    """A JSON-LD or attribute string, unescaped (some sites escape entities twice) and collapsed."""
    if not isinstance(value, str):
        return ""
    return " ".join(html_lib.unescape(value).split())


# Elements a browser sets on a line of their own: their text is never run on into the next one's.
_BREAKS = ("br", "p", "div", "li", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "figcaption", "blockquote")


def element_text(el: etree._Element) -> str:
    """An element's text, collapsed; lines a `<br>` or a block breaks stay apart ("a<br>b" -> "a b")."""
    if next(el.iterdescendants(*_BREAKS), None) is None:  # most elements: one call in C
        return " ".join("".join(el.itertext()).split())
    return " ".join("".join(_spaced(el)).split())


def _spaced(el: etree._Element) -> Iterator[str]:
    if el.text and isinstance(el.tag, str):
        yield el.text
    for child in el:
        if child.tag in _BREAKS:
            yield " "
        if isinstance(child.tag, str):
            yield from _spaced(child)
        if child.tag in _BREAKS:
            yield " "
        if child.tail:
            yield child.tail


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
