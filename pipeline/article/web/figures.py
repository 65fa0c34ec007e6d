"""Figures: captions and photo credits, from the page's markup and from its JSON-LD."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from pipeline.article.web.described import names
from pipeline.article.web.text import attr_text, element_text, overlap


@dataclass(frozen=True, slots=True)
class Figure:
    caption: str
    credits: tuple[str, ...] = ()


def ld_figures(article: dict) -> list[Figure]:
    """The article's images as JSON-LD describes them: caption and credit (creditText, copyrightHolder,
    author), those with a caption."""
    images = article.get("image")
    figures = []
    for image in images if isinstance(images, list) else [images]:
        if isinstance(image, dict) and (caption := attr_text(image.get("caption"))):
            credits = next((n for k in ("creditText", "copyrightHolder", "author") if (n := names(image.get(k)))), [])
            figures.append(Figure(caption, tuple(credits)))
    return figures


def merge_figures(page: list[Figure], described: list[Figure]) -> list[Figure]:
    """The page's figures, a credit from JSON-LD added where the page shows none, and the described
    images the page does not show after them."""
    merged = list(page)
    for figure in described:
        at = next((i for i, f in enumerate(merged) if overlap(f.caption, figure.caption) >= 0.8), None)
        if at is None:
            merged.append(figure)
        elif not merged[at].credits and figure.credits:
            merged[at] = Figure(merged[at].caption, figure.credits)
    return merged


# A credit inside a figure is marked by a class, itemprop or data attribute naming it, or by a tag
# made for it; a caption outside `figcaption` by its class, next to an image.
_CREDIT_MARK = re.compile(
    r"credit|copyright|source|photographer|urheber|quelle|fotograf|rights|courtesy|author|creator", re.I
)
_CREDIT_TAGS = frozenset({"cite", "footer", "small"})
CAPTION_MARK = re.compile(r"caption|legend|bildunterschrift|image-?desc", re.I)
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
        full = element_text(el)
        if figure is None or not full or len(full) > 1000 or _in_byline(figure):
            continue
        if sum(len(element_text(a)) for a in el.iter("a")) > len(full) / 2:
            continue  # a teaser's linked headline, not a caption
        taken.add(el)
        marked = []
        for part in figure.iter():
            if isinstance(part.tag, str) and part is not el and _marked_credit(part):
                text = element_text(part)
                if text and len(text.split()) <= _CREDIT_WORDS and not any(text in c for c in marked):
                    marked.append(text)
        for img in figure.iter("img"):
            marked += [t for k, v in img.attrib.items() if _CREDIT_MARK.search(k) and (t := attr_text(v))]
        caption = full
        for credit in marked:
            caption = caption.replace(credit, " ")
        caption, written = split_credit(" ".join(caption.split()).strip(" |"))
        credits = [_LABEL.sub("", c).strip(" ()") for c in marked + written]
        if (caption or credits) and caption not in seen:
            seen.add(caption)
            figures.append(Figure(caption, tuple(dict.fromkeys(c for c in credits if c))))
    return figures
