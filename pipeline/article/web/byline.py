"""Who wrote the article: people named in JSON-LD, in the page's `<meta>` tags, in its byline markup;
the publication itself only when no person is named."""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

from pipeline.article.web.text import CJK_CHAR, attr_text, element_text
from pipeline.article.web.title import name_key

# Words that introduce a byline rather than name someone in it, in the languages of the news we
# read ("By Jane Doe", "Von Max Muster", "Autorin/Autor ..."); one entry per language family.
_LABEL = re.compile(
    r"^(?:(?:(?:written\s+)?by|from|von|par|por|di|door|av|af|autor(?:in)?(?:/autor(?:in)?)?|author|texte?|reporter)\b"
    r"|[^\W\d]+:)[:\s]*",  # or any one word before a colon: "Redaktion:", "Texto:"
    re.I,
)
# What joins names in a byline: punctuation, and "and" in the languages above.
_JOIN = re.compile(r"\s*(?:[,;/&、]|\s(?:and|und|et|y|e|og|och|en)\s)\s*", re.I)
_HANDLE = re.compile(r"\s*\([^)]{1,12}\)\.?$")  # an editor's short sign after the name: "Jane Doe (jd)"
# The role the Korean and Japanese press write after a reporter's name: "신현주 기자", "山田太郎記者".
_ROLE_AFTER = re.compile(r"\s*(?:(?:선임|수석|객원)?기자|특파원|記者|特派員)$")
_PROSE = 100  # characters: a paragraph of the article's text, not a label or a byline
_MARKED = etree.XPath(
    "//body//*[@rel='author' or @itemprop='author' or contains(@class, 'author') or contains(@class, 'Author')"
    " or contains(@class, 'byline') or contains(@class, 'Byline')]"
)
_NOT_TEXT = frozenset({"link", "meta", "script", "style"})


# `<meta>` names and properties that carry the author (Dublin Core, Open Graph, Parse.ly, Sailthru and
# the plain `author`), as trafilatura reads them.
_META_AUTHOR = frozenset(
    {
        "author",
        "article:author",
        "authors",
        "byl",
        "citation_author",
        "creator",
        "dc.creator",
        "dc:creator",
        "dcterms.creator",
        "parsely-author",
        "sailthru.author",
    }
)


def meta_authors(tree: lxml.html.HtmlElement) -> str:
    """The authors the page's `<meta>` tags in its head name, "; "-joined ("" when none): every such tag, as a
    page may give one per author. A value without a space is a profile's slug, an id or an address
    as often as a name, and is left out (as trafilatura does), unless in a script without spaces."""
    found = []
    for el in tree.iterfind("head/meta"):  # (in the body, microdata's: a figure's author is its photographer)
        key = (el.get("name") or el.get("property") or el.get("itemprop") or "").lower()
        value = attr_text(el.get("content"))
        if key in _META_AUTHOR and (" " in value or CJK_CHAR.search(value)) and "://" not in value:
            found.append(value)
    return "; ".join(dict.fromkeys(found))


def searched_authors(tree: lxml.html.HtmlElement) -> str:
    """trafilatura's search of the page's markup for its authors ("" when none): it knows more
    sites' byline markup than `byline_names`, and costs more (it copies the whole tree), so it is
    asked only when nothing else names a person."""
    from trafilatura.metadata import extract_author  # (only runs with pages import it)

    return extract_author(tree) or ""


def split_names(byline: str) -> list[str]:
    """The names in a byline, without its label and the editors' signs: "By A, B and C" -> [A, B, C]."""
    names = []
    for part in _JOIN.split(_LABEL.sub("", " ".join(byline.split()), count=1)):
        name = _ROLE_AFTER.sub("", _HANDLE.sub("", _LABEL.sub("", part, count=1))).strip(" .:-–|")
        if 2 <= len(name) <= 50 and len(name.split()) <= 5 and not any(c.isdigit() for c in name):
            names.append(name)
    return names


def byline_names(tree: lxml.html.HtmlElement) -> list[str]:
    """The names in the page's byline markup (rel/itemprop="author", a class naming an author or a
    byline): the first such element naming someone, and those beside it (several authors). Inside
    the `article` element when one holds any (bylines elsewhere are other pages' teasers), before
    the text's first paragraph, never in a figure (a byline there is a photographer's)."""
    marked = [el for el in _MARKED(tree) if el.tag not in _NOT_TEXT]
    holders = {a for el in marked for a in el.iterancestors()}  # a marked element holding another
    leaves, in_article = [], []
    for el in marked:
        if el in holders:
            continue
        around = {a.tag for a in el.iterancestors()}
        if not around & {"figure", "figcaption"} and (names := split_names(element_text(el))):
            (in_article if "article" in around else leaves).append((el, names))
    leaves = in_article or leaves
    # A byline heads the text; names after its first paragraph are a box's (editors, sources).
    first = {el for el, _ in leaves}
    before = set()
    for el in tree.iter("p", *{el.tag for el in first}):
        if el in first:
            before.add(el)
        elif el.tag == "p" and el not in holders and len(element_text(el)) >= _PROSE:
            break
    leaves = [(el, names) for el, names in leaves if el in before]
    if not leaves:
        return []
    head = leaves[0][0]
    group = head.getparent().getparent() if head.getparent() is not None else head
    beside = [n for el, names in leaves if any(a is group for a in el.iterancestors()) for n in names]
    return list(dict.fromkeys(beside or leaves[0][1]))


# A label that names the author's role on its own, the names set after it ("<li><strong>Autorin/Autor
# </strong> Roman Goncharenko</li>", "<dt>Author</dt><dd>Jo Smith</dd>"), in the languages we read.
_ROLE = re.compile(
    r"^(?:autor(?:in|en|innen|es|as|a)?(?:\s*/\s*autor(?:in)?)?|authors?|auteure?s?|autore|autori|"
    r"forfattere?|författare|kirjoittaja|szerző|yazar|text|texte|texto|tekst)\s*:?$",
    re.I,
)
_ROLE_TAGS = ("strong", "b", "dt", "th", "span", "em", "label")


def labelled_byline(tree: lxml.html.HtmlElement) -> list[str]:
    """The names after the first label that names the author's role alone, outside figures (a
    photographer's credit): the rest of the label's block, or the definition after a `<dt>`."""
    body = tree.find("body")
    for label in body.iter(*_ROLE_TAGS) if body is not None else ():
        if len(label) or not _ROLE.match(role := (label.text or "").strip()):
            continue
        if any(a.tag in ("figure", "figcaption") for a in label.iterancestors()):
            continue
        if label.tag in ("dt", "th"):
            block = label.getnext()
            text = element_text(block) if block is not None else ""
        elif (block := label.getparent()) is not None and (text := element_text(block)).startswith(role):
            text = text[len(role) :]
        else:
            continue
        if names := split_names(text.lstrip(" :")):
            return names
    return []


def bold_byline(tree: lxml.html.HtmlElement) -> list[str]:
    """The names a paragraph set wholly in bold gives before the article's first paragraph of text
    ("<p><strong>Jo Smith/Ann Lee</strong></p>"), when each is a name: two to four capitalised words."""
    for p in tree.iter("p"):
        text = element_text(p)
        if len(text) >= _PROSE:
            return []
        bold = len(p) == 1 and p[0].tag in ("strong", "b") and not (p.text or "").strip()
        if bold and not (p[0].tail or "").strip() and (names := split_names(text)):
            if all(2 <= len(n.split()) <= 4 and all(w[:1].isupper() for w in n.split()) for n in names):
                return names
    return []


def is_organisation(name: str, site_names: list[str]) -> bool:
    """Whether a name is the publication's own: one of its site names, holding one ("SPIEGEL
    Online"), or spelt out by one ("Deutsche Welle" on dw.com, whose initials are its name)."""
    key = name_key(name)
    initials = "".join(name_key(w)[:1] for w in name.split()) if len(name.split()) >= 2 else ""
    return any(
        key == s or (len(s) >= 4 and s in key) or (len(key) >= 4 and key in s) or initials == s for s in site_names
    )


def _is_person(name: str, site_names: list[str]) -> bool:
    """A person's name: two words or more, or written in a script without spaces (松岡大地); not the
    publication's. A single word is an editor's sign ("amw") or an agency as often as a name."""
    return (len(name.split()) >= 2 or bool(CJK_CHAR.search(name))) and not is_organisation(name, site_names)


def names_a_person(names: list[str], site_names: list[str]) -> bool:
    return any(_is_person(n, site_names) for n in names)


def choose_authors(ld: list[str], byline: list[str], extracted: str, site_names: list[str]) -> list[str]:
    """The first of JSON-LD's authors, the `extracted` ones ("; "-joined: the `<meta>` tags', then
    trafilatura's search) and the page's byline markup that names a person, all of JSON-LD's names
    kept (a co-author's agency too); else what JSON-LD or `extracted` name (the publication, an
    agency, editors' signs)."""
    extracted_names = [n for part in extracted.split(";") for n in split_names(part)]
    for names, all_kept in ((ld, True), (extracted_names, False), (byline, False)):
        if names_a_person(names, site_names):
            kept = names if all_kept else [n for n in names if not is_organisation(n, site_names)]
            if names is byline:  # markup also marks brands and labels: its people only
                kept = [n for n in names if _is_person(n, site_names)]
            return list(dict.fromkeys(_HANDLE.sub("", n) for n in kept))
    return list(dict.fromkeys(ld or [a.strip() for a in extracted.split(";") if a.strip()]))
