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
    return " ".join("".join(el.itertext()).split())


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
