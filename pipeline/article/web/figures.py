"""Figures: captions and photo credits, from the page's markup and from its JSON-LD."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from pipeline.article.web.credits import BARE_LABEL, CAPTION_LABEL, LABELLED, clean_credit, split_credit
from pipeline.article.web.described import names
from pipeline.article.web.text import attr_text, block_text, element_text, overlap


@dataclass(frozen=True, slots=True)
class Figure:
    caption: str
    credits: tuple[str, ...] = ()


_LD_CREDITS = ("creditText", "copyrightHolder", "author", "copyrightNotice")


def ld_figures(article: dict) -> list[Figure]:
    """The article's images as JSON-LD describes them: caption and credit (creditText, copyrightHolder,
    author, copyrightNotice, else the credit written at the caption's end), those with a caption."""
    images = article.get("image")
    figures = []
    for image in images if isinstance(images, list) else [images]:
        if isinstance(image, dict) and (caption := attr_text(image.get("caption"))):
            credits = next((n for k in _LD_CREDITS if (n := names(image.get(k)))), [])
            caption, written = split_credit(caption, weak=not credits)
            credits = credits or [clean_credit(c) for c in written]
            figures.append(Figure(caption, tuple(credits)))
    return figures


def merge_figures(page: list[Figure], described: list[Figure]) -> list[Figure]:
    """The page's figures, a credit from JSON-LD added where the page shows none, and the described
    images the page does not show after them."""
    merged = list(page)
    for figure in described:
        if not figure.caption and any(set(figure.credits) <= set(f.credits) for f in merged):
            continue  # a caption that is only a credit, which the page shows
        at = next((i for i, f in enumerate(merged) if overlap(f.caption, figure.caption) >= 0.8), None)
        if at is None:
            merged.append(figure)
        elif not merged[at].credits and figure.credits:
            merged[at] = Figure(merged[at].caption, figure.credits)
    return merged


# A credit inside a figure is marked by a class, itemprop or data attribute naming it, or by a tag
# made for it; a caption outside `figcaption` by its class, next to an image.
_CREDIT_MARK = re.compile(
    r"credit|copyright|source|photographer|urheber|quelle|fotograf|rights|courtesy|author|creator|distributor",
    re.I,
)
# An attribute holding a credit names one plainly ("source", "author" also name URLs and ids).
# `data-credit-text-color` names a style, not a credit: the name ends with what it holds.
_CREDIT_ATTRIBUTE = re.compile(r"(?:credit|copyright|photographer|urheber|fotograf)s?$", re.I)
_FLAGS = frozenset({"true", "false", "yes", "no", "none", "null", "undefined"})
_CREDIT_TAGS = frozenset({"cite", "footer", "small"})
CAPTION_MARK = re.compile(r"caption|legend|bildunterschrift|im(?:a?ge?)?-?desc", re.I)
# A credit: a short name or agency, not a sentence (a video player's notice is no credit).
_CREDIT_WORDS = 15
_BYLINE_BOX = re.compile(r"author|byline|avatar|profile", re.I)
# A byline under an author's portrait: "Von Jo Smith, Redakteurin 05.11.2025, 18:00 Uhr", "By Jo Smith".
_BYLINE = re.compile(r"^(?:by|von|par|door|av|af|di|por|od)\s+\w+\s+\w+\S*(?:\s+\S+){0,8}(?<![.!?])$", re.I)
_MEDIA = ("img", "picture", "video")
# Web components that show an image (`<brick-image>`, `<storefront-image>`): a custom element's
# name holds a hyphen, and an image component's names what it shows.
_MEDIA_COMPONENT = re.compile(r"-.*(?:image|img|picture|photo|media)|(?:image|img|picture|photo|media).*-")
_FIGURE_EXTRA = 300  # characters a figure holds beside its caption: a credit, buttons, a counter
_LINE_TAGS = frozenset({"p", "span", "div", "small"})
_TEASER_TAGS = frozenset({"a", "aside", "nav", "footer"})
_TEASER_MARK = re.compile(r"teaser|related|promo|recommend", re.I)
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_BOX_TEXT = 600  # characters of text beside an image: a caption and a credit, a teaser; more is a section


def _marked_credit(el: etree._Element) -> bool:
    """Whether an element's class, itemprop or data attributes name a credit."""
    marks = " ".join(v for k, v in el.attrib.items() if k in ("class", "itemprop") or k.startswith("data-"))
    return bool(_CREDIT_MARK.search(marks))


def _has_media(el: etree._Element) -> bool:
    if next(el.iterdescendants(*_MEDIA), None) is not None:
        return True
    return any(isinstance(d.tag, str) and "-" in d.tag and _MEDIA_COMPONENT.search(d.tag) for d in el.iterdescendants())


def _figure_of(caption: etree._Element, text: str) -> etree._Element | None:
    """The figure a caption belongs to: the nearest `<figure>`, else the nearest block with an image
    that holds little more than the caption (a block holding more is a page section: a byline box,
    a teaser list)."""
    for depth, parent in enumerate(caption.iterancestors()):
        if parent.tag == "figure":
            return parent
        if depth >= 3:
            break
        if _has_media(parent):
            return parent if len(element_text(parent)) <= len(text) + _FIGURE_EXTRA else None
    return caption.getparent() if caption.tag == "figcaption" else None


def _in_byline(figure: etree._Element) -> bool:
    """An author's portrait: its caption is a byline, not a news photo's."""
    for depth, el in enumerate(figure.iterancestors()):
        if depth > 3:
            return False
        if _BYLINE_BOX.search(el.get("class") or ""):
            return True
    return False


def _figure_credits(figure: etree._Element, caption: etree._Element, full: str) -> list[str]:
    """The credits a figure marks: the innermost elements marked as credits, elements whose text
    starts with a credit's label ("Foto: X"), and image attributes naming a credit."""
    found: dict[etree._Element, str] = {}
    for part in figure.iter():
        if not isinstance(part.tag, str) or part is caption or part.tag in _MEDIA:
            continue
        text = element_text(part)
        if not text or len(text.split()) > _CREDIT_WORDS or BARE_LABEL.match(text):
            continue  # a sentence, or the label of the credit around it
        text = block_text(part)
        labelled = LABELLED.match(text) is not None
        # A `<small>` holding the whole caption sets it in small type: it is no credit.
        if labelled or _marked_credit(part) or (part.tag in _CREDIT_TAGS and text != full):
            for outer in part.iterancestors():
                found.pop(outer, None)
            found[part] = text
    marked = []
    for text in found.values():
        if not any(text in c or c in text for c in marked):
            marked.append(text)
    for el in figure.iter():  # `<img data-credit="X">`, `<div data-modal-image-credit="X">`
        for key, value in el.attrib.items():
            if _CREDIT_ATTRIBUTE.search(key) and _credit_value(text := attr_text(value)) and text not in marked:
                marked.append(text)
    return marked


def _credit_value(text: str) -> bool:
    """An attribute's value that can be a credit: a few words, not a URL, a flag or a colour."""
    words = text.split()
    return 0 < len(words) <= _CREDIT_WORDS and "://" not in text and text.lower() not in _FLAGS and text[:1] != "#"


def _next_credit(caption: etree._Element) -> list[str]:
    """A credit set right after a caption that no figure holds: the next element, at the caption's
    level or up to two levels above it, when it is marked or labelled as a credit."""
    el = caption
    for _ in range(3):
        after = el.getnext()
        while after is not None and not isinstance(after.tag, str):
            after = after.getnext()
        if after is not None:
            text = block_text(after)
            credit = after.tag in _CREDIT_TAGS or _marked_credit(after) or LABELLED.match(text)
            credit = credit or any(_marked_credit(d) for d in after.iterdescendants() if isinstance(d.tag, str))
            return [text] if credit and text and len(text.split()) <= _CREDIT_WORDS else []
        el = el.getparent()
        if el is None:
            break
    return []


_NOT_BUTTONS = etree.XPath(".//text()[not(ancestor::button)]")


def _text_box(img: etree._Element) -> tuple[etree._Element, etree._Element, str] | None:
    """The nearest block around an image that holds text besides its buttons' labels ("zoom",
    "show the description"), the child of it the image is in, and that text."""
    child = img
    for box in img.iterancestors():
        if box.tag in ("body", "p"):
            return None
        if element_text(box) and (text := " ".join("".join(_NOT_BUTTONS(box)).split())):
            return box, child, text
        child = box
    return None


def _teaser(img: etree._Element) -> bool:
    """An image in a teaser: a block around it, up to a section's size, that is named a teaser or
    holds a linked headline or text that is mostly links."""
    for depth, box in enumerate(img.iterancestors()):
        if depth > 5 or box.tag == "body":
            return False
        if _TEASER_MARK.search(box.get("class") or ""):
            return True
        text = element_text(box)
        if len(text) > _BOX_TEXT:
            return False
        if text and any(h.find(".//a") is not None for h in box.iter(*_HEADINGS)):
            return True
        if text and sum(len(element_text(a)) for a in box.iter("a")) > len(text) / 2:
            return True
    return False


def _box_figure(img: etree._Element, box: etree._Element, child: etree._Element) -> tuple[str, list[str]] | None:
    """An image with text set beside it but no caption markup, in a block holding a little text:
    lines that are a labelled credit ("Photo: X") and the caption, or a line repeating the image's
    alt text (the caption) with a credit after it."""
    lines = [t for c in box if c is not child and isinstance(c.tag, str) and (t := block_text(c))]
    credits = [t for t in lines if LABELLED.match(t) and len(t.split()) <= _CREDIT_WORDS]
    if credits:
        return " ".join(t for t in lines if t not in credits), credits
    alt = attr_text(img.get("alt"))
    for c in box:  # a caption is set as text, not as a heading
        if len(alt) >= 20 and c.tag in _LINE_TAGS and (line := block_text(c)).startswith(alt):
            rest = line[len(alt) :].strip()
            return alt, [rest] if rest and len(rest.split()) <= _CREDIT_WORDS else []
    return None


def _alt_figure(img: etree._Element) -> tuple[str, list[str]] | None:
    """An image whose alt text is its caption with the credit written after it (the page shows
    neither): a credit at the end of an alt text says it was copied from the caption."""
    for name in ("alt", "title"):
        caption, credits = split_credit(attr_text(img.get(name)), weak=False)
        if credits:
            return caption, credits
    return None


def page_figures(captions: list[etree._Element], tree: etree._Element | None = None) -> list[Figure]:
    """Captions and credits of the page's figures, from its caption elements in page order
    (Layout.captions), each caption once; then the images of the page (`tree`) that no caption
    element describes, from the text beside them or their alt text."""
    figures: list[Figure] = []
    seen: dict[str, int] = {}
    taken: set[etree._Element] = set()
    holders: set[etree._Element] = set()

    def add(caption: str, credits: list[str]) -> None:
        credits = list(dict.fromkeys(c for c in map(clean_credit, credits) if c))
        if caption in seen:
            at = seen[caption]
            if credits and not figures[at].credits:  # the same caption again, with its credit
                figures[at] = Figure(caption, tuple(credits))
        elif caption or credits:
            seen[caption] = len(figures)
            figures.append(Figure(caption, tuple(credits)))

    for el in captions:
        if taken and any(a in taken for a in el.iterancestors()):
            continue
        full = block_text(el)
        if not full or len(full) > 1000:
            continue
        figure = _figure_of(el, full)
        if figure is None:
            caption = CAPTION_LABEL.sub("", full)
            if caption in seen and (credits := _next_credit(el)):
                add(caption, credits)
            continue
        if _in_byline(figure) or sum(len(element_text(a)) for a in el.iter("a")) > len(full) / 2:
            continue  # an author's portrait; a teaser's linked headline
        taken.add(el)
        holders.add(figure)
        marked = _figure_credits(figure, el, full)
        caption = full
        for credit in marked:
            caption = caption.replace(credit, " ")
        caption = CAPTION_LABEL.sub("", " ".join(caption.split()).strip(" |/"))
        caption, written = split_credit(caption, weak=not marked)
        if _BYLINE.match(caption):
            continue  # an author's portrait, told by its caption
        add(caption, marked + written)
    body = tree.find("body") if tree is not None else None
    for img in body.iter("img") if body is not None else ():
        if any(a in holders or a.tag in _TEASER_TAGS for a in img.iterancestors()):
            continue  # a caption's image, or a teaser's (linked, set aside)
        if (found := _text_box(img)) is None:
            continue
        box, child, text = found
        boxed = _box_figure(img, box, child) if len(text) <= _BOX_TEXT else None
        described = None if boxed else _alt_figure(img)
        if not (boxed or described) or _teaser(img):
            continue
        if boxed:
            holders.add(box)
            caption, written = split_credit(boxed[0], weak=not boxed[1])
            add(caption, boxed[1] + written)
        else:
            add(*described)
    return figures
