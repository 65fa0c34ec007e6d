"""Parse stage: recover an article's structure from plain text.

Plain-text dumps lose their markup but keep its shadow: a title line, the title repeated as a
kicker/headline pair, paragraphs separated by blank lines (or, on the wire, hard-wrapped at ~65
characters with indented first lines), short subheadings between paragraphs, and a dateline that
opens the lead.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# Compiled line scanning (see the kernel's docstring for why); re-exported as this module's API.
from pipeline.kernels.lines import looks_hard_wrapped, split_paragraphs, split_title

__all__ = [
    "DATELINE",
    "DatelineParts",
    "Heading",
    "extract_dateline",
    "looks_hard_wrapped",
    "split_dateline",
    "split_heading",
    "split_paragraphs",
    "split_subheadings",
    "split_title",
    "is_title_line",
    "title_by_evidence",
    "TITLE_MAX_WIDTH",
]

_WORD = re.compile(r"\w+")

# A title line is at most this wide, in columns (a CJK character takes two). The longest first line
# of the 21,578 Reuters stories and the 63 Wikinews samples is 137 columns; the widest of the 258
# fundus gold titles (20 languages, CJK included) 175. A wider first line is a paragraph: the text has
# no title line, and all of it is body.
TITLE_MAX_WIDTH = 300


def is_title_line(line: str) -> bool:
    """The line is narrow enough to be a title (TITLE_MAX_WIDTH)."""
    if len(line) * 2 <= TITLE_MAX_WIDTH:  # most titles: no character needs looking at
        return True
    return len(line) + sum(unicodedata.east_asian_width(c) in "WF" for c in line) <= TITLE_MAX_WIDTH


_TERMINAL = tuple('.!?:;,"”’)»…')


@dataclass(slots=True)
class Heading:
    title: str
    kicker: str | None = None
    headline: str | None = None
    removed: list[str] = field(default_factory=list)


def _tokens(text: str) -> set[str]:
    return {w.casefold() for w in _WORD.findall(text)}


def _similar(ta: set[str], tb: set[str], threshold: float = 0.75) -> bool:
    """Jaccard similarity of two token sets reaches `threshold`."""
    if not ta or not tb:
        return False
    return len(ta & tb) / len(ta | tb) >= threshold


def _is_short_line(text: str, max_words: int = 20) -> bool:
    # split(None, n) stops after n words: a long paragraph is not split whole to find it is long.
    return not text.endswith((".", "!", "?")) and len(text.split(None, max_words)) <= max_words


def split_heading(title: str, paragraphs: list[str]) -> tuple[Heading, list[str]]:
    """Kicker and headline that repeat the title at the top of the paragraphs; returns the rest."""
    heading = Heading(title=title)
    rest = paragraphs
    # Every test below needs a short first paragraph (20 words pass the 30-word test too).
    if not rest or not _is_short_line(rest[0], 30):
        return heading, rest
    # Each text is tokenised once; "first second" has the union of their tokens (a space joins no words).
    title_words, first = _tokens(title), _tokens(rest[0])
    if len(rest) >= 2 and _is_short_line(rest[0]) and _is_short_line(rest[1]):
        second = _tokens(rest[1])
        # "Before silent Putin" + "Armenia and Azerbaijan approach each other" repeat the title.
        if _similar(first | second, title_words) and not _similar(first, title_words):
            heading.kicker, heading.headline = rest[0], rest[1]
            heading.removed.append("kicker_headline")
            return heading, rest[2:]
        # A kicker over the title repeated as the headline.
        if _similar(second, title_words, 0.9) and not _similar(first, title_words, 0.5):
            heading.kicker, heading.headline = rest[0], rest[1]
            heading.removed.append("kicker_headline")
            return heading, rest[2:]
    if _similar(first, title_words, 0.9):
        heading.headline = rest[0] if rest[0] != title else None
        heading.removed.append("repeated_title")
        return heading, rest[1:]
    return heading, rest


def split_subheadings(paragraphs: list[str]) -> tuple[list[str], list[str]]:
    """Body paragraphs and the subheadings between them.

    A subheading is a short line without closing punctuation that sits between two prose
    paragraphs; the prose test keeps the rows of wire-service tables ("Shr 1.20 dlrs vs 1.10") in
    the body.
    """
    body: list[str] = []
    subheadings: list[str] = []
    for i, para in enumerate(paragraphs):
        prev = paragraphs[i - 1] if i > 0 else ""
        nxt = paragraphs[i + 1] if i + 1 < len(paragraphs) else ""
        if (
            i > 0
            and nxt
            and len(para) <= 80
            and len(para.split()) <= 10
            and para[:1].isupper()
            and not para.endswith(_TERMINAL)
            and sum(ch.isdigit() for ch in para) <= 4
            and prev.endswith(_TERMINAL)
            and len(nxt.split()) >= 15
        ):
            subheadings.append(para)
        else:
            body.append(para)
    return body, subheadings


# Datelines open the lead: "CLEVELAND, Feb 26 -", "WASHINGTON (Reuters) -", "(CNN) --",
# "Wien –", "BERLIN, 3. März (dpa) -", "Santiago de Chile – ", "LONDON: ". The place is
# capitalised; a mixed-case place needs a date, an agency, a typographic dash or a spaced hyphen
# before a capital ("Wien - Der"), so that ordinary sentences ("Smith - who ...") are left alone;
# a colon only follows a place in capitals ("Merkel: Wir ..." opens a quotation).
# Month names in any case: wire desks typed "FEB 26", "FEb 26", "march 2".
_MONTH_EN = r"(?i:Jan|Feb|Mar|Apr|May|June?|July?|Aug|Sept?|Oct|Nov|Dec)[a-zA-Z]*\.?\s+\d{1,2}"
_MONTH_DAY = rf"(?:{_MONTH_EN}|\d{{1,2}}\.?\s+[A-ZÄÖÜ][a-zäöüé]+\.?(?:\s+\d{{4}})?)"
_PLACE_WORD = r"[A-ZÀ-Þ][\w.'’&-]*"
_PLACE_PARTICLE = r"(?:de|del|da|do|di|la|am|an der|im|sur)"  # "Santiago de Chile", "Frankfurt am Main"
_DATELINE_PARTS = (
    rf"(?:(?P<place>{_PLACE_WORD}(?:[ /](?:{_PLACE_PARTICLE} )?{_PLACE_WORD}){{0,4}})\s?"
    rf"(?:,\s*(?P<region>{_PLACE_WORD}(?: {_PLACE_WORD})?)(?=,|\s+[-–—(A-Z]))?)?"
    rf"(?:,?\s*(?P<date>{_MONTH_DAY}))?"
    rf"(?:\s*\((?P<agency>[^()]{{2,40}})\))?"
    rf"\s*(?P<dash>--?|–|—|:)"
)
DATELINE = re.compile(rf"^(?P<dateline>{_DATELINE_PARTS})\s+(?=\S)")
_DATELINE_ALONE = re.compile(rf"{_DATELINE_PARTS}\Z")


@dataclass(frozen=True, slots=True)
class DatelineParts:
    place: str | None  # "CLEVELAND", "Wien"
    region: str | None  # "Calif." in "SAN JOSE, Calif., Feb 26 -"
    date: str | None  # "Feb 26", "3. März" as written
    agency: str | None  # "Reuters" in "WASHINGTON (Reuters) -"


def split_dateline(dateline: str) -> DatelineParts:
    """The parts of a dateline that `extract_dateline` cut from a lead."""
    m = _DATELINE_ALONE.match(dateline)
    if not m:
        return DatelineParts(None, None, None, None)
    return DatelineParts(m.group("place"), m.group("region"), m.group("date"), m.group("agency"))


def extract_dateline(lead: str) -> tuple[str | None, str]:
    """The dateline that opens the lead (if any) and the lead without it."""
    m = DATELINE.match(lead)
    if not m:
        return None, lead
    place, date, agency, dash = m.group("place"), m.group("date"), m.group("agency"), m.group("dash")
    if not (place or agency):
        return None, lead
    place_is_caps = bool(place) and place.upper() == place and sum(map(str.isalpha, place)) >= 2
    spaced_hyphen = (
        dash == "-" and lead[m.start("dash") - 1 : m.start("dash")] == " " and lead[m.end() : m.end() + 1].isupper()
    )
    if not (place_is_caps or date or agency or dash in ("–", "—") or spaced_hyphen):
        return None, lead
    if dash == ":" and not place_is_caps:
        return None, lead
    if place and len(place.split()) > 3 and not place_is_caps:
        return None, lead
    return m.group("dateline").strip(), lead[m.end() :]


# A file name's words: a leading date or number and the extension are not part of the title.
_NAME_PREFIX = re.compile(r"^(?:\d{4}-\d{2}-\d{2}|\d+)[_ -]+")
_FOLD = str.maketrans({"ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "ł": "l", "đ": "d"})


def _folded(word: str) -> str:
    """A word as a file-name slug writes it: no accents, lower case (München -> munchen)."""
    decomposed = unicodedata.normalize("NFKD", word.casefold().translate(_FOLD))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def title_by_evidence(text: str, rel_path: str) -> str:
    """The title of a text without a title line, or "" (no evidence, no title).

    The one rule: a file named after its headline (`2019-05-16_actor-doris-day-dies-at-97.txt`, as
    exports and Wikinews name them) whose text opens with the same words, in order, at least three
    of them: those opening words, as the text writes them, are the title. Umlauts and accents may
    be spelt out in the name ("muenchen") or dropped ("munchen").
    """
    name = rel_path.rpartition("/")[2].partition("#")[0]
    name = _NAME_PREFIX.sub("", name.split(".", 1)[0] if not name.startswith(".") else name)
    slug = [w for w in re.split(r"[\W_]+", name.casefold()) if w]
    if len(slug) < 3 or all(w.isdigit() for w in slug):
        return ""
    words = list(_WORD.finditer(text, 0, 2000))
    if len(words) <= len(slug):
        return ""
    for found, expected in zip(words, slug, strict=False):
        word = _folded(found.group())
        if expected not in (word, _spelt_out(found.group())):
            return ""
    return text[: words[len(slug) - 1].end()].strip()


def _spelt_out(word: str) -> str:
    """Umlauts as German file names spell them out: ä -> ae (Müller -> mueller)."""
    return _folded(word.casefold().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue"))
