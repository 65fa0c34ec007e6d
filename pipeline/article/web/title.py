"""The title: the headline the page's sources agree on, without the site name `<title>` adds."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

import lxml.html
from lxml import etree

from pipeline.article.web.text import CJK, attr_text, element_text, overlap

# " | ", " - ", ...; CJK titles also join their parts without spaces: a full-width bar, Korean's
# "ㅣ" (a vowel letter, never a word alone) or a hyphen before a CJK character ("...\"-정치ㅣ한국일보").
# A part is dropped only when it names the site or section, so a split too many drops nothing.
_TITLE_SEPARATOR = re.compile(rf"\s+[|–—·•:\-]{{1,2}}\s+|\s*[｜ㅣ]\s*|(?<=\S)-(?=[{CJK}])")
_SEPARATOR_CHARS = " |–—·•:-｜ㅣ"
_DATE_PART = re.compile(r"^[\d./\- ]+$")
# Where an h1 names the page for navigation (a breadcrumb trail, a menu) rather than heading the article.
_NAVIGATION = frozenset({"nav", "li", "menu"})
_NAVIGATION_MARK = re.compile(r"breadcrumb", re.I)


# Domain names spell a name in ASCII: German letters as two (Börsen -> boersen), accents dropped.
_ASCII = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def name_key(name: str) -> str:
    """A name as a domain would spell it, to compare a site's names: "Börsen-Zeitung" -> "boersenzeitung"."""
    folded = unicodedata.normalize("NFKD", name.casefold().translate(_ASCII))
    return "".join(c for c in folded if c.isalnum())


def site_names(ld: dict, meta: dict[str, str], url: str | None) -> list[str]:
    names = [meta.get("og:site_name", ""), meta.get("application-name", "")]
    if isinstance(publisher := ld.get("publisher"), dict):
        names.append(attr_text(publisher.get("name")))
    if host := re.sub(r"^https?://(?:www\.)?", "", url or meta.get("og:url", "")).split("/")[0]:
        names.append(host.rsplit(".", 1)[0])
    return [key for n in names if len(key := name_key(n)) >= 2]


def page_titles(tree: lxml.html.HtmlElement, ld: dict, meta: dict[str, str]) -> list[str]:
    """The titles a page gives itself, in the order `choose_title` trusts them: JSON-LD's headline,
    og:title, the `<title>` element ("" for each it lacks)."""
    head = element_text(el) if (el := tree.find("head/title")) is not None else ""
    return [attr_text(ld.get("headline")), meta.get("og:title", ""), head]


def section_names(ld: dict, meta: dict[str, str]) -> list[str]:
    """The page's section ("Politics"), which `<title>` may add before the site name."""
    found = ld.get("articleSection")
    names = [meta.get("article:section", ""), *(found if isinstance(found, list) else [found])]
    return [key for n in names if len(key := name_key(attr_text(n))) >= 2]


def _is_site_part(part: str, site_names: list[str], sections: list[str]) -> bool:
    key = name_key(part)
    return bool(_DATE_PART.match(part)) or any(key and (key in s or s in key) for s in site_names) or key in sections


def title_without_site(title: str, site_names: list[str], sections: list[str] = ()) -> str:
    """A title without the site name, section or date that `<title>` and og:title add at either end."""
    parts = _TITLE_SEPARATOR.split(title)
    while len(parts) > 1 and _is_site_part(parts[-1], site_names, sections):
        title = title[: title.rfind(parts.pop())].rstrip(_SEPARATOR_CHARS)
    while len(parts) > 1 and _is_site_part(parts[0], site_names, sections):
        title = title[title.find(parts[0]) + len(parts.pop(0)) :].lstrip(_SEPARATOR_CHARS)
    return title


def _in_navigation(el: lxml.html.HtmlElement) -> bool:
    return any(
        a.tag in _NAVIGATION or a.get("role") == "navigation" or _NAVIGATION_MARK.search(a.get("class") or "")
        for a in el.iterancestors()
    )


def visible_headline(tree: lxml.html.HtmlElement) -> str:
    """The text of the headline a reader sees over the article (`headline_element`)."""
    return shown_text(el) if (el := headline_element(tree)) is not None else ""


_SHOWN = etree.XPath(".//text()[not(ancestor::style or ancestor::script)]")
_NOT_SHOWN = frozenset({"style", "script", "noscript", "template"})


def shown_text(el: lxml.html.HtmlElement, joiner: str = "") -> str:
    """An element's text without the style sheets and scripts some headlines carry inline."""
    return " ".join(joiner.join(_SHOWN(el)).split())


def headline_element(tree: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """The headline a reader sees over the article: the `article` element's h1, else its first h2
    before its first paragraph (some pages give h1 to a breadcrumb trail or to the site's logo);
    else the same in a `header` (pages without an `article`); else the first h1 outside the navigation."""
    for scope in ("article", "header"):
        for container in tree.iter(scope):
            if (found := _first_heading(container.iter("h1"))) is not None:
                return found
            for el in container.iter("h2", "p"):
                if el.tag == "p" and element_text(el):
                    break
                if el.tag == "h2" and element_text(el) and not _in_navigation(el):
                    return el
    return _first_heading(tree.iter("h1"))


def _first_heading(headings: Iterator[lxml.html.HtmlElement]) -> lxml.html.HtmlElement | None:
    return next((h for h in headings if element_text(h) and not _in_navigation(h)), None)


# A kicker (German "Dachzeile", an overline, an eyebrow) is the short line a page sets over its
# headline: the topic ("Premier League") or a teaser ("Bubi-Bomber wieder da"). Outside the headline
# element a page names it by class; inside, it is the headline's first part, set apart.
_KICKER_MARK = re.compile(r"kicker|overline|topline|dachzeile|eyebrow|roofline|spitzmarke|pretitle|supertitle", re.I)
_KICKER_WORDS = 8
_KICKER_ENDS = " :|–—-"


def kicker_and_headline(heading: lxml.html.HtmlElement | None, titles: list[str]) -> tuple[str, str] | None:
    """(kicker, headline) when the page sets a kicker over its headline element: as the element's
    first child, before the rest of the headline (`<h1><span>Premier League</span><span>Liverpool
    lose at Everton</span></h1>`), or as a marked element right before it; else None. A first child
    neither marked nor followed by a separator is a kicker when one of the page's `titles` writes it
    as one ("Premier League: ..."), not when the headline is only broken into lines."""
    if heading is None or not (text := shown_text(heading)):
        return None
    parts = [c for c in heading if isinstance(c.tag, str) and c.tag not in _NOT_SHOWN and shown_text(c)]
    if parts and not (heading.text or "").strip() and text.startswith(first := shown_text(parts[0])):
        kicker, headline = first.rstrip(_KICKER_ENDS), text[len(first) :].lstrip(_KICKER_ENDS)
        between = first[len(kicker) :] + text[len(first) : len(text) - len(headline)]
        set_apart = (
            _KICKER_MARK.search(parts[0].get("class") or "")
            or between.strip()  # a separator, shown or for screen readers
            or any(re.match(re.escape(kicker) + r"\s*[:|/–—-]", t) for t in titles)
        )
        if set_apart and _is_kicker(kicker) and len(headline.split()) >= 2 and len(kicker) < len(headline):
            return kicker, headline
    if (before := _element_before(heading)) is not None and _KICKER_MARK.search(before.get("class") or ""):
        if len([a for a in before.iter("a") if shown_text(a)]) > 1:
            return None  # a trail of sections ("Politics / Europe"), not a kicker
        # A kicker of several parts ("Politics", "Europe") sets them apart by its markup, not by spaces.
        if _is_kicker(kicker := shown_text(before, " ").rstrip(_KICKER_ENDS)):
            return kicker, text
    return None


def _is_kicker(text: str) -> bool:
    return bool(text) and len(text.split()) <= _KICKER_WORDS and not text.endswith((".", "!", "?"))


def _element_before(el: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """The element with text set right before `el`: a preceding sibling of it or of one of its two
    nearest ancestors (a headline is often wrapped on its own)."""
    for _ in range(3):
        for before in el.itersiblings(preceding=True):
            if isinstance(before.tag, str) and before.tag not in _NOT_SHOWN and element_text(before):
                return before
        if (el := el.getparent()) is None or el.tag in ("article", "header", "body"):
            return None
    return None


def choose_title(candidates: list[str], visible: str = "", confirming: int = 2) -> str | None:
    """The candidate closest to the headline a reader sees, when one of the first `confirming` (the
    article's own metadata, not the document's `<title>`) agrees with it: search engines are often
    given a title of their own, and the visible headline may run a kicker into it. Else the
    candidate the others agree with most (the first on a tie): one odd source loses."""
    agree = [overlap(visible, c) for c in candidates[:confirming]]
    if agree and max(agree) >= 0.5:
        return candidates[agree.index(max(agree))]
    pool = [c for c in (*candidates, visible) if c]
    if not pool:
        return None
    support = [sum(overlap(c, o) for o in pool) for c in pool]
    return pool[support.index(max(support))]
