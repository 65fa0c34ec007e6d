"""The page's layout: headline, lead, paragraphs and headings in document order, and what it says
about which paragraphs are the lead and which lines are subheadings."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import lxml.html
from lxml import etree

from pipeline.article.web.byline import split_names
from pipeline.article.web.figures import CAPTION_MARK
from pipeline.article.web.text import CJK_CHAR, block_text, element_text, overlap

# "leading" is line spacing (Tailwind's `leading-tight`), not a lead.
_LEAD_MARK = re.compile(
    r"lead(?!ing)|intro|teaser|excerpt|sub-?tit|standfirst|preface|preamble|abstract|summary|synopsis|\bdek\b|dek-",
    re.I,
)
_SUBHEADING_MARK = re.compile(r"subhead|interline|intertit|crosshead|zwischen", re.I)
# A fact box or info box: side matter set apart from the running text (its own title, facts,
# a transcript, "what to know"), not the article's body (fundus gold: never, on 11 publishers).
_BOX_MARK = re.compile(r"fact-?box|faktabo|info-?box", re.I)
_OUTSIDE_TEXT = frozenset({"a", "figure", "figcaption", "nav", "aside", "button", "time", "li", "script", "style"})
_TEXT_TAGS = frozenset({"p", "h2", "div"})
_FIGURE = frozenset({"figure", "figcaption"})
_HEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
_LAYOUT_TAGS = frozenset({"h1", "p", "figcaption", *_HEADINGS})
_BOLD = frozenset({"strong", "b"})
_BOXED = ("p", "li", "div", *_HEADINGS)
_DIGIT = re.compile(r"\d")


@dataclass(slots=True)
class Layout:
    """Where things are on the page, by position in document order."""

    h1: str = ""
    h1_at: int = -1
    paragraphs: dict[str, tuple[int, bool]] = field(default_factory=dict)  # opening -> (position, all bold)
    marked: list[tuple[int, str, str]] = field(default_factory=list)  # lead-marked: (position, class, text)
    texts: list[tuple[int, str]] = field(default_factory=list)  # the first prose blocks after the headline
    headings: list[tuple[int, str]] = field(default_factory=list)  # h2-h6, marked and bold-only short lines
    # figcaption, and elements whose class or itemprop names a caption (itemprop="caption" is schema.org's)
    captions: list[etree._Element] = field(default_factory=list)
    boxed: set[str] = field(default_factory=set)  # openings of the texts inside fact and info boxes


def opening(text: str) -> str:
    return text[:80]


def _prose(text: str) -> bool:
    """Long enough to be a lead: a sentence, not a label (CJK scripts say more per character)."""
    return 1500 >= len(text) >= (15 if CJK_CHAR.search(text[:40]) else 40)


def _heading_like(text: str) -> bool:
    return len(text) <= 200 and not text.endswith((".", "。"))


def _outside_text(el: etree._Element) -> bool:
    return el.tag in _OUTSIDE_TEXT or any(a.tag in _OUTSIDE_TEXT for a in el.iterancestors())


def _of_figure(el: etree._Element) -> bool:
    """A hero image's caption, set between the headline and the body, is the figure's, not a lead:
    in a figure or caption, or a box around one."""
    return any(a.tag in _FIGURE or _class_marks(a.get("class") or "")[0] for a in el.iterancestors()) or any(
        True for _ in el.iterdescendants(*_FIGURE)
    )


def _all_bold(p: etree._Element) -> bool:
    """`<p><strong>...</strong></p>`: set in bold as a whole, as leads and subheadings often are."""
    return len(p) == 1 and p[0].tag in _BOLD and not (p.text or "").strip() and not (p[0].tail or "").strip()


_NO_MARKS = (False, False, False, False)
_ANY_MARK = re.compile("|".join(m.pattern for m in (CAPTION_MARK, _SUBHEADING_MARK, _LEAD_MARK, _BOX_MARK)))


def _class_marks(cls: str) -> tuple[bool, bool, bool, bool]:
    """Whether a class names a caption, a subheading, a lead, a box (most name none: one search says so)."""
    if not _ANY_MARK.search(cls.lower()):  # lowercased: 4x faster than a case-blind search
        return _NO_MARKS
    marks = (CAPTION_MARK, _SUBHEADING_MARK, _LEAD_MARK, _BOX_MARK)
    return tuple(bool(m.search(cls)) for m in marks)  # type: ignore[return-value]


def page_layout(tree: lxml.html.HtmlElement) -> Layout:
    """One pass over the page's body, in document order (most elements are passed over at once)."""
    layout = Layout()
    body = tree.find("body")
    marks: dict[str, tuple[bool, bool, bool, bool]] = {}  # a page repeats its class names
    for i, el in enumerate(body.iter() if body is not None else ()):
        if cls := el.get("class"):
            if (found := marks.get(cls)) is None:
                found = marks[cls] = _class_marks(cls)
            caption, subheading, lead, box = found
            if box:
                layout.boxed.update(opening(t) for e in el.iter(*_BOXED) if (t := element_text(e)))
        else:
            caption = subheading = lead = False
        tag = el.tag
        itemprop = el.get("itemprop")
        if not (caption or subheading or lead or itemprop) and tag not in _LAYOUT_TAGS and tag != "div":
            continue
        if tag == "figcaption" or caption or (itemprop and CAPTION_MARK.match(itemprop)):
            layout.captions.append(el)
        text = None
        if tag == "h1":
            if layout.h1_at < 0 and (text := block_text(el)):
                layout.h1, layout.h1_at = text, i
            continue
        if tag == "p" and (text := block_text(el)):
            bold = _all_bold(el)
            layout.paragraphs.setdefault(opening(text), (i, bold))
            if bold and _heading_like(text):
                layout.headings.append((i, text))
        if lead:  # before the headline too: a page without an h1 still marks its lead
            if _prose(text := text or element_text(el)) and not _outside_text(el):
                layout.marked.append((i, cls, block_text(el)))
        if layout.h1_at < 0:
            continue
        if tag in _HEADINGS or subheading:
            if (text := text or element_text(el)) and _heading_like(text) and not _outside_text(el):
                layout.headings.append((i, block_text(el)))
        if not (lead or caption) and tag in _TEXT_TAGS and len(layout.texts) < 20 and len(el) <= 3:
            if _prose(text := text or element_text(el)) and not _of_figure(el):
                layout.texts.append((i, block_text(el)))
    if layout.boxed:
        layout.headings = [(i, t) for i, t in layout.headings if opening(t) not in layout.boxed]
    return layout


def _furniture(text: str, title: str | None, kicker: str | None, byline: list[str]) -> bool:
    """The headline, its kicker or the byline set as a paragraph, or a short line with a number: a
    time stamp ("Updated 15.59 | Published 14.14"), a byline with a count, a date. A short deck has
    no number."""
    short = len(text) < 1500 and not _prose(text)
    if text.rstrip(" :") == kicker or bool(title and overlap(text, title) >= 0.8):
        return True
    if short and byline and split_names(text) == byline:
        return True
    return short and _DIGIT.search(text) is not None


def drop_furniture(
    paragraphs: list[str], title: str | None, kicker: str | None = None, byline: list[str] = ()
) -> list[str]:
    """The body without the page furniture the extractor kept above its first paragraph (3 at most)."""
    start, byline = 0, list(byline)
    while start < min(3, len(paragraphs) - 1) and _furniture(paragraphs[start], title, kicker, byline):
        start += 1
    return paragraphs[start:]


def split_lead(layout: Layout, description: str, paragraphs: list[str]) -> tuple[list[str], list[str]]:
    """(lead, rest): what the page sets between its headline and its body as the lead, else the
    paragraph the page's description repeats, else the first paragraph."""
    if not paragraphs:
        return [], []
    first_at, first_bold = layout.paragraphs.get(opening(paragraphs[0]), (1 << 30, False))
    between = [(i, c, t) for i, c, t in layout.marked if layout.h1_at < i <= first_at]
    lead: list[str] = []
    if between:
        _, cls, text = between[0]
        if description:
            agree = max(between, key=lambda m: overlap(description, m[2]))
            if overlap(description, agree[2]) >= 0.5:
                _, cls, text = agree
        # Several lead paragraphs share a class.
        lead = [text] + [t for _, c, t in between if c == cls and c and t != text and t not in text]
    elif first_bold and len(paragraphs) > 1:
        lead = paragraphs[:1]
    elif description:
        # The block the description repeats, when the first paragraph repeats it less (that one is
        # then a kicker, a caption, or a box holding the headline and the lead together).
        agree = [(overlap(description, t), t) for i, t in layout.texts if layout.h1_at < i < first_at]
        best, text = max(agree, default=(0.0, ""))
        first = overlap(description, paragraphs[0])
        if best >= 0.5 and (first < 0.6 or best > first + 0.05):
            lead = [text]
    if not lead:
        return paragraphs[:1], paragraphs[1:]
    return lead, [p for p in paragraphs if not any(overlap(p, x) >= 0.8 for x in lead)]


def split_subheadings(layout: Layout, paragraphs: list[str], heads: list[str]) -> tuple[list[str], list[str]]:
    """Body paragraphs and subheadings: the page's headings inside the body, whether the extractor
    kept them as headings, as paragraphs or not at all (document order decides what is inside)."""
    heading_at = {opening(t) for _, t in layout.headings}
    body = [p for i, p in enumerate(paragraphs) if i == 0 or opening(p) not in heading_at]
    found = [*heads, *(p for p in paragraphs[1:] if opening(p) in heading_at)]
    positions = [layout.paragraphs[o][0] for p in body if (o := opening(p)) in layout.paragraphs]
    if positions:
        first, last = min(positions), max(positions)
        known = {opening(t) for t in found}
        found += [t for i, t in layout.headings if first < i < last and opening(t) not in known]
    return body, list(dict.fromkeys(found))
