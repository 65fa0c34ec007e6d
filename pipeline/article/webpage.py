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
import functools
import html as html_lib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import lxml.html
from lxml import etree

SIGNALS = frozenset({"xml", "jsonld", "meta", "figures", "semantics"})


class NotAnArticle(Exception):
    """A page that holds no article; carries the reject reason and a readable detail."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Figure:
    caption: str
    credits: tuple[str, ...] = ()


@dataclass(slots=True)
class WebArticle:
    title: str | None
    lead: list[str]  # the lead paragraph(s), not repeated in `paragraphs`
    paragraphs: list[str]  # the body after the lead, in page order, subheadings and captions excluded
    subheadings: list[str]
    figures: list[Figure]
    authors: list[str]
    published: str | None  # ISO 8601 as the page gives it
    site_name: str | None
    url: str | None  # the page's own (canonical link, og:url), not the one it was fetched from


def _text(value: object) -> str:
    """A JSON-LD or attribute string, unescaped (some sites escape entities twice) and collapsed."""
    if not isinstance(value, str):
        return ""
    return " ".join(html_lib.unescape(value).split())


def _element_text(el: etree._Element) -> str:
    return " ".join("".join(el.itertext()).split())


# --- what the markup is ---------------------------------------------------------------------------

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


# --- agreement between two texts ------------------------------------------------------------------

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+")
_CJK_CHAR = re.compile(f"[{_CJK}]")


@functools.lru_cache(maxsize=4096)  # a page compares the same paragraphs and captions many times
def _tokens(text: str) -> collections.Counter:
    """Casefolded words; a CJK character is a word of its own (those scripts do not separate words)."""
    return collections.Counter(_TOKEN.findall(text.casefold()))


def _overlap(a: str, b: str) -> float:
    """Token F1 of two texts: 1 for the same words, 0 for none in common."""
    if not a or not b or max(len(a), len(b)) > 4 * min(len(a), len(b)):
        return 0.0  # lengths this far apart cannot reach the agreement any caller asks for
    ta, tb = _tokens(a), _tokens(b)
    common = sum((ta & tb).values())
    return 2 * common / max(sum(ta.values()) + sum(tb.values()), 1)


# --- schema.org JSON-LD ---------------------------------------------------------------------------

_ARTICLE_TYPE = re.compile(r"(?:Article|BlogPosting|Report)$")


def _ld_objects(data: object) -> Iterator[dict]:
    if isinstance(data, list):
        for item in data:
            yield from _ld_objects(item)
    elif isinstance(data, dict):
        yield data
        for key in ("@graph", "mainEntity"):
            if isinstance(data.get(key), (dict, list)):
                yield from _ld_objects(data[key])


def _types(obj: dict) -> list[str]:
    types = obj.get("@type")
    return [t for t in (types if isinstance(types, list) else [types]) if isinstance(t, str)]


def json_ld(tree: lxml.html.HtmlElement) -> tuple[dict, set[str]]:
    """The page's first schema.org Article-like object (NewsArticle, ReportageNewsArticle, ...) or {},
    and every type the page's JSON-LD declares."""
    found: dict = {}
    types: set[str] = set()
    for script in tree.iterfind(".//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text or "", strict=False)
        except ValueError:
            continue
        for obj in _ld_objects(data):
            declared = _types(obj)
            types.update(declared)
            if not found and any(_ARTICLE_TYPE.search(t) for t in declared):
                found = obj
    return found, types


def _names(value: object) -> list[str]:
    """Names in a JSON-LD author value: a string, a Person or Organization, or a list of them."""
    if isinstance(value, str):
        return [t] if (t := _text(value)) and not t.startswith("http") else []
    if isinstance(value, dict):
        return _names(value.get("name"))
    if isinstance(value, list):
        return [name for item in value for name in _names(item)]
    return []


def ld_figures(article: dict) -> list[Figure]:
    """The article's images as JSON-LD describes them: caption and credit (creditText, copyrightHolder,
    author), those with a caption."""
    images = article.get("image")
    figures = []
    for image in images if isinstance(images, list) else [images]:
        if isinstance(image, dict) and (caption := _text(image.get("caption"))):
            credits = next((n for k in ("creditText", "copyrightHolder", "author") if (n := _names(image.get(k)))), [])
            figures.append(Figure(caption, tuple(credits)))
    return figures


def merge_figures(page: list[Figure], described: list[Figure]) -> list[Figure]:
    """The page's figures, a credit from JSON-LD added where the page shows none, and the described
    images the page does not show after them."""
    merged = list(page)
    for figure in described:
        at = next((i for i, f in enumerate(merged) if _overlap(f.caption, figure.caption) >= 0.8), None)
        if at is None:
            merged.append(figure)
        elif not merged[at].credits and figure.credits:
            merged[at] = Figure(merged[at].caption, figure.credits)
    return merged


# --- meta tags ------------------------------------------------------------------------------------


def meta_tags(tree: lxml.html.HtmlElement) -> dict[str, str]:
    """`<meta>` content by property, name or itemprop (lowercased); the first occurrence wins."""
    found: dict[str, str] = {}
    for el in tree.iter("meta"):
        key = el.get("property") or el.get("name") or el.get("itemprop")
        value = el.get("content")
        if key and value and (key := key.lower()) not in found:
            found[key] = _text(value)
    return found


# --- figures: captions and photo credits ----------------------------------------------------------

# A credit inside a figure is marked by a class, itemprop or data attribute naming it, or by a tag
# made for it; a caption outside `figcaption` by its class, next to an image.
_CREDIT_MARK = re.compile(
    r"credit|copyright|source|photographer|urheber|quelle|fotograf|rights|courtesy|author|creator", re.I
)
_CREDIT_TAGS = frozenset({"cite", "footer", "small"})
_CAPTION_MARK = re.compile(r"caption|legend|bildunterschrift|image-?desc", re.I)
# A credit: a short name or agency, not a sentence (a video player's notice is no credit).
_CREDIT_WORDS = 15
_AGENCY_IN_PARENS = re.compile(r"\s*\((?P<credit>[A-Z][A-Z/&. -]{0,30}[A-Z])\)$")
_BYLINE_BOX = re.compile(r"author|byline|avatar|profile", re.I)
_MEDIA = ("img", "picture", "video")
# A credit written into the caption text: a label and the name after it at the end ("Photo: X",
# "Foto: X", "(Bild: X)", "© X"), a last part after " | ", or a Japanese credit after "＝" (the
# press convention there: 写真説明＝共同).
_CREDIT_LABEL = (
    r"copyright|photos?|photograph|pictures?|images?|credit|source|foto(?:s|grafie)?|"
    r"bild(?:er)?|quelle|kuva|zdroj|fuente|fonte|crédit|crédito|fotó|写真|사진|圖|图"
)
_TRAILING_CREDIT = re.compile(
    rf"(?:^|[\s(\[|])(?:©|\(c\)|(?:{_CREDIT_LABEL})\s*[:：]|photo(?:graph)?s? by)\s*"
    r"(?P<credit>[^()\[\]]{2,120}?)[)\]]?\s*$",
    re.I,
)
_PIPE_CREDIT = re.compile(r"\s+\|\s+(?P<credit>[^|]{2,80})$")
_JA_CREDIT = re.compile(r"＝(?P<credit>[^＝\d０-９]{1,15})$")
_LABEL = re.compile(rf"^(?:{_CREDIT_LABEL})\s*[:：]\s*|^©\s*", re.I)


def _marked_credit(el: etree._Element) -> bool:
    if el.tag in _CREDIT_TAGS:
        return True
    marks = " ".join(v for k, v in el.attrib.items() if k in ("class", "itemprop") or k.startswith("data-"))
    return bool(_CREDIT_MARK.search(marks))


def split_credit(caption: str) -> tuple[str, list[str]]:
    """A caption without the credit written at its end, and that credit."""
    for pattern in (_TRAILING_CREDIT, _PIPE_CREDIT, _JA_CREDIT, _AGENCY_IN_PARENS):
        m = pattern.search(caption)
        if m and m.start() > 0:
            return caption[: m.start()].strip(" |(–-"), [m.group("credit").strip()]
    m = _TRAILING_CREDIT.match(caption)
    return (caption, []) if m is None else ("", [m.group("credit").strip()])


def _figure_of(caption: etree._Element) -> etree._Element | None:
    """The figure a caption belongs to: the nearest `<figure>`, else the nearest block with an image."""
    for depth, parent in enumerate(caption.iterancestors()):
        if parent.tag == "figure":
            return parent
        if depth >= 3:
            break
        if next(parent.iterdescendants(*_MEDIA), None) is not None:
            return parent
    return caption.getparent() if caption.tag == "figcaption" else None


def _in_byline(figure: etree._Element) -> bool:
    """An author's portrait: its caption is a byline, not a news photo's."""
    for depth, el in enumerate(figure.iterancestors()):
        if depth > 3:
            return False
        if _BYLINE_BOX.search(el.get("class") or ""):
            return True
    return False


def page_figures(captions: list[etree._Element]) -> list[Figure]:
    """Captions and credits of the page's figures, from its caption elements in page order
    (Layout.captions), each caption once."""
    figures: list[Figure] = []
    seen: set[str] = set()
    taken: set[etree._Element] = set()
    for el in captions:
        if taken and any(a in taken for a in el.iterancestors()):
            continue
        figure = _figure_of(el)
        full = _element_text(el)
        if figure is None or not full or len(full) > 1000 or _in_byline(figure):
            continue
        if sum(len(_element_text(a)) for a in el.iter("a")) > len(full) / 2:
            continue  # a teaser's linked headline, not a caption
        taken.add(el)
        marked = []
        for part in figure.iter():
            if isinstance(part.tag, str) and part is not el and _marked_credit(part):
                text = _element_text(part)
                if text and len(text.split()) <= _CREDIT_WORDS and not any(text in c for c in marked):
                    marked.append(text)
        for img in figure.iter("img"):
            marked += [t for k, v in img.attrib.items() if _CREDIT_MARK.search(k) and (t := _text(v))]
        caption = full
        for credit in marked:
            caption = caption.replace(credit, " ")
        caption, written = split_credit(" ".join(caption.split()).strip(" |"))
        credits = [_LABEL.sub("", c).strip(" ()") for c in marked + written]
        if (caption or credits) and caption not in seen:
            seen.add(caption)
            figures.append(Figure(caption, tuple(dict.fromkeys(c for c in credits if c))))
    return figures


# --- the page's layout: headline, lead, paragraphs and headings in document order -----------------

_LEAD_MARK = re.compile(
    r"lead|intro|teaser|excerpt|sub-?tit|standfirst|preface|preamble|abstract|summary|synopsis|\bdek\b|dek-", re.I
)
_SUBHEADING_MARK = re.compile(r"subhead|interline|intertit|crosshead|zwischen", re.I)
_OUTSIDE_TEXT = frozenset({"a", "figure", "figcaption", "nav", "aside", "button", "time", "li", "script", "style"})
_TEXT_TAGS = frozenset({"p", "h2", "div"})
_HEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
_LAYOUT_TAGS = frozenset({"h1", "p", "figcaption", *_HEADINGS})
_BOLD = frozenset({"strong", "b"})


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


def _opening(text: str) -> str:
    return text[:80]


def _prose(text: str) -> bool:
    """Long enough to be a lead: a sentence, not a label (CJK scripts say more per character)."""
    return 1500 >= len(text) >= (15 if _CJK_CHAR.search(text[:40]) else 40)


def _heading_like(text: str) -> bool:
    return len(text) <= 200 and not text.endswith((".", "。"))


def _outside_text(el: etree._Element) -> bool:
    return el.tag in _OUTSIDE_TEXT or any(a.tag in _OUTSIDE_TEXT for a in el.iterancestors())


def _all_bold(p: etree._Element) -> bool:
    """`<p><strong>...</strong></p>`: set in bold as a whole, as leads and subheadings often are."""
    return len(p) == 1 and p[0].tag in _BOLD and not (p.text or "").strip() and not (p[0].tail or "").strip()


_NO_MARKS = (False, False, False)
_ANY_MARK = re.compile("|".join(m.pattern for m in (_CAPTION_MARK, _SUBHEADING_MARK, _LEAD_MARK)))


def _class_marks(cls: str) -> tuple[bool, bool, bool]:
    """Whether a class names a caption, a subheading, a lead (most name none: one search says so)."""
    if not _ANY_MARK.search(cls.lower()):  # lowercased: 4x faster than a case-blind search
        return _NO_MARKS
    return bool(_CAPTION_MARK.search(cls)), bool(_SUBHEADING_MARK.search(cls)), bool(_LEAD_MARK.search(cls))


def page_layout(tree: lxml.html.HtmlElement) -> Layout:
    """One pass over the page's body, in document order (most elements are passed over at once)."""
    layout = Layout()
    body = tree.find("body")
    marks: dict[str, tuple[bool, bool, bool]] = {}  # a page repeats its class names
    for i, el in enumerate(body.iter() if body is not None else ()):
        if cls := el.get("class"):
            if (found := marks.get(cls)) is None:
                found = marks[cls] = _class_marks(cls)
            caption, subheading, lead = found
        else:
            caption = subheading = lead = False
        tag = el.tag
        itemprop = el.get("itemprop")
        if not (caption or subheading or lead or itemprop) and tag not in _LAYOUT_TAGS and tag != "div":
            continue
        if tag == "figcaption" or caption or (itemprop and _CAPTION_MARK.match(itemprop)):
            layout.captions.append(el)
        text = None
        if tag == "h1":
            if layout.h1_at < 0 and (text := _element_text(el)):
                layout.h1, layout.h1_at = text, i
            continue
        if tag == "p" and (text := _element_text(el)):
            bold = _all_bold(el)
            layout.paragraphs.setdefault(_opening(text), (i, bold))
            if bold and _heading_like(text):
                layout.headings.append((i, text))
        if layout.h1_at < 0:
            continue
        if tag in _HEADINGS or subheading:
            if (text := text or _element_text(el)) and _heading_like(text) and not _outside_text(el):
                layout.headings.append((i, text))
        if lead:
            if _prose(text := text or _element_text(el)) and not _outside_text(el):
                layout.marked.append((i, cls, text))
        elif tag in _TEXT_TAGS and len(layout.texts) < 20 and len(el) <= 3:
            if _prose(text := text or _element_text(el)):
                layout.texts.append((i, text))
    return layout


def _lead(layout: Layout, description: str, paragraphs: list[str]) -> tuple[list[str], list[str]]:
    """(lead, rest): what the page sets between its headline and its body as the lead, else the
    paragraph the page's description repeats, else the first paragraph."""
    if not paragraphs:
        return [], []
    first_at, first_bold = layout.paragraphs.get(_opening(paragraphs[0]), (1 << 30, False))
    between = [(i, c, t) for i, c, t in layout.marked if layout.h1_at < i <= first_at]
    lead: list[str] = []
    if between:
        _, cls, text = between[0]
        if description:
            agree = max(between, key=lambda m: _overlap(description, m[2]))
            if _overlap(description, agree[2]) >= 0.5:
                _, cls, text = agree
        # Several lead paragraphs share a class.
        lead = [text] + [t for _, c, t in between if c == cls and c and t != text and t not in text]
    elif first_bold and len(paragraphs) > 1:
        lead = paragraphs[:1]
    elif description and _overlap(description, paragraphs[0]) < 0.6:
        shown = [t for i, t in layout.texts if layout.h1_at < i < first_at and _overlap(description, t) >= 0.5]
        lead = shown[:1]
    if not lead:
        return paragraphs[:1], paragraphs[1:]
    return lead, [p for p in paragraphs if not any(_overlap(p, x) >= 0.8 for x in lead)]


def _subheadings(layout: Layout, paragraphs: list[str], heads: list[str]) -> tuple[list[str], list[str]]:
    """Body paragraphs and subheadings: the page's headings inside the body, whether the extractor
    kept them as headings, as paragraphs or not at all (document order decides what is inside)."""
    heading_at = {_opening(t) for _, t in layout.headings}
    body = [p for i, p in enumerate(paragraphs) if i == 0 or _opening(p) not in heading_at]
    found = [*heads, *(p for p in paragraphs[1:] if _opening(p) in heading_at)]
    positions = [layout.paragraphs[o][0] for p in body if (o := _opening(p)) in layout.paragraphs]
    if positions:
        first, last = min(positions), max(positions)
        known = {_opening(t) for t in found}
        found += [t for i, t in layout.headings if first < i < last and _opening(t) not in known]
    return body, list(dict.fromkeys(found))


# --- the title ------------------------------------------------------------------------------------

_TITLE_SEPARATOR = re.compile(r"\s+[|–—·•:\-]{1,2}\s+")
_DATE_PART = re.compile(r"^[\d./\- ]+$")


def _site_names(ld: dict, meta: dict[str, str], url: str | None) -> list[str]:
    names = [meta.get("og:site_name", ""), meta.get("application-name", "")]
    if isinstance(publisher := ld.get("publisher"), dict):
        names.append(_text(publisher.get("name")))
    if host := re.sub(r"^https?://(?:www\.)?", "", url or meta.get("og:url", "")).split("/")[0]:
        names.append(host.rsplit(".", 1)[0])
    return [key for n in names if len(key := n.casefold().replace(" ", "")) >= 2]


def _is_site_part(part: str, site_names: list[str]) -> bool:
    key = part.casefold().replace(" ", "")
    return bool(_DATE_PART.match(part)) or any(key and (key in s or s in key) for s in site_names)


def title_without_site(title: str, site_names: list[str]) -> str:
    """A title without the site name or date that `<title>` and og:title add at either end."""
    parts = _TITLE_SEPARATOR.split(title)
    while len(parts) > 1 and _is_site_part(parts[-1], site_names):
        title = title[: title.rfind(parts.pop())].rstrip(" |–—·•:-")
    while len(parts) > 1 and _is_site_part(parts[0], site_names):
        title = title[title.find(parts[0]) + len(parts.pop(0)) :].lstrip(" |–—·•:-")
    return title


def choose_title(candidates: list[str]) -> str | None:
    """The candidate the others agree with most (the first on a tie): one odd source loses."""
    candidates = [c for c in candidates if c]
    if not candidates:
        return None
    support = [sum(_overlap(c, o) for o in candidates) for c in candidates]
    return candidates[support.index(max(support))]


# --- the article ----------------------------------------------------------------------------------


def _blocks(body: etree._Element | None) -> Iterator[tuple[str, str]]:
    """(kind, text) of the extractor's XML: 'head' for a heading, 'p' for paragraphs and list items."""
    for el in body if body is not None else ():
        if el.tag == "list":
            for item in el.iter("item"):
                if text := _element_text(item):
                    yield "p", text
        elif text := _element_text(el):
            yield ("head" if el.tag == "head" else "p"), text


def _published(ld: dict, meta: dict[str, str], fallback: str | None) -> str | None:
    """The page's own publication time (JSON-LD, then article:published_time), else the extractor's date."""
    for value in (_text(ld.get("datePublished")), meta.get("article:published_time", "")):
        if re.match(r"\d{4}-\d\d-\d\d", value):
            return value
    return fallback


TEASER_SHARE = 0.6  # of the text found, in links: a home or section page (fundus articles: at most 0.49)


def _check_not_teasers(lines: list[str], links: str) -> None:
    """Raise NotAnArticle for a home or section page: what the extractor found there is mostly the
    text of links to other pages (teaser headlines and menus), not an article's paragraphs.

    A line is link text when it is written in a link, or when every word of it is (a menu's words
    run together on one line)."""
    words = set(_TOKEN.findall(links.casefold()))
    linked = [line for line in lines if line in links or set(_TOKEN.findall(line.casefold())) <= words]
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


def extract_article(page: str | bytes, url: str | None = None, signals: frozenset[str] = SIGNALS) -> WebArticle:
    """The article on a web page (markup as text or bytes). Raises NotAnArticle when it holds none."""
    import trafilatura

    tree = load_page(page)
    ld, _ = json_ld(tree) if "jsonld" in signals else ({}, set())
    meta = meta_tags(tree) if "meta" in signals else {}
    layout = page_layout(tree) if signals & {"figures", "semantics"} else Layout()
    figures = page_figures(layout.captions) if "figures" in signals else []
    if "semantics" not in signals:
        layout = Layout()
    if "jsonld" in signals:
        figures = merge_figures(figures, ld_figures(ld))
    links = "\n".join(_element_text(a) for a in tree.iter("a"))
    # The extractor prunes the tree it is given: the signals above are read first.
    doc = trafilatura.bare_extraction(
        tree, with_metadata=True, include_comments=False, include_tables=False, include_images=False
    )
    if doc is None or not (doc.text or "").strip():
        raise NotAnArticle("html_no_article", "an HTML page in which no article text was found")
    if "xml" in signals:
        blocks = list(_blocks(doc.body))
    else:
        blocks = [("p", p) for line in doc.text.split("\n") if (p := " ".join(line.split()))]
    _check_not_teasers([t for line in doc.text.split("\n") if (t := " ".join(line.split()))], links)
    site_names = _site_names(ld, meta, url or doc.url)
    titles = (_text(ld.get("headline")), layout.h1, meta.get("og:title", ""), _text(doc.title))
    title = choose_title([title_without_site(t, site_names) for t in titles])
    # The extractor keeps some captions as paragraphs: they are the figures', not the body's.
    captions = [f"{f.caption} {' '.join(f.credits)}".strip() for f in figures]
    paragraphs = [t for kind, t in blocks if kind == "p" and not any(_overlap(t, c) >= 0.8 for c in captions)]
    # A heading before the first paragraph is the page's (a kicker, a deck); after the last, a box's.
    kinds = [kind for kind, _ in blocks]
    first, last = (kinds.index("p"), len(kinds) - kinds[::-1].index("p")) if "p" in kinds else (0, 0)
    heads = [t for kind, t in blocks[first:last] if kind == "head"]
    description = _text(ld.get("description")) or meta.get("og:description") or meta.get("description", "")
    lead, paragraphs = _lead(layout, description, paragraphs)
    paragraphs, subheadings = _subheadings(layout, paragraphs, heads)
    authors = _names(ld.get("author")) or [a.strip() for a in (doc.author or "").split(";") if a.strip()]
    return WebArticle(
        title=title,
        lead=lead,
        paragraphs=paragraphs,
        subheadings=[s for s in subheadings if not any(_overlap(s, x) >= 0.8 for x in lead)],
        figures=figures,
        authors=list(dict.fromkeys(authors)),
        published=_published(ld, meta, doc.date),
        site_name=meta.get("og:site_name") or doc.sitename,
        url=doc.url,
    )
