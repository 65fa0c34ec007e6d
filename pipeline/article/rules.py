"""Boilerplate rule families: data, not scattered ifs.

Each rule names a *family* of lines that are not article text (aggregator trailers, wire
sign-offs, photo credits, promos). A rule matches one whole paragraph; `capture` names the
metadata field that keeps what the rule removed, so nothing cleaned away is lost. Adding a new
source's trailer is one entry here plus its examples, which the tests replay.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Literal

Where = Literal["tail", "anywhere"]
Capture = Literal["source_site", "photo_credits", "signoff", None]


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    pattern: re.Pattern[str]
    where: Where
    capture: Capture
    examples: tuple[str, ...]

    def match(self, paragraph: str) -> re.Match[str] | None:
        return self.pattern.fullmatch(paragraph.strip())


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


# Words that introduce a photo credit, in the languages our sources use.
_PHOTO = r"(?:photo(?:graph)?s?|pictures?|pics?|images?|fotos?|bild(?:er)?|credits?|photo\s+credit)"

# A closing credit in parentheses, as German-speaking, French, Spanish, Italian, Dutch and Portuguese
# newsrooms write them: agencies and author initials joined by "/", then a date: "(APA/dpa,
# 23.8.2015)", "(red, 16.5.2016)", "(sda)", "(ats/afp)", "(EFE)", "(mhe/APA)".
_CREDIT_AGENCY = (
    r"(?:apa|dpa|afp|ap|reuters|sda|ats|keystone-sda|keystone-ats|kna|epd|ddp|efe|europa press|ansa|agi|"
    r"adnkronos|anp|belga|lusa|red|ots|(?-i:[a-zäöü]{2,4}))"
)
_CREDIT = (
    rf"\(\s*(?P<value>{_CREDIT_AGENCY}(?:\s*/\s*{_CREDIT_AGENCY})*"
    r"(?:\s*,\s*\d{1,2}\.\s?\d{1,2}\.\s?(?:\d{4}|\d{2}))?)\s*\)\.?"
)

RULES: tuple[Rule, ...] = (
    Rule(
        name="trailer_source_site",
        # Aggregators append where they took the story from: "source site-34", "Source: example.com".
        pattern=_rx(r"(?:source|quelle|fuente|via)\s*[:\-–]?\s*(?P<value>site-\d+|[\w.-]+\.[a-z]{2,}(?:/\S*)?)"),
        where="tail",
        capture="source_site",
        examples=("source site-34", "Source: site-7", "Quelle: tagesschau.de", "via example.com"),
    ),
    Rule(
        name="trailer_link_promo",
        pattern=_rx(
            r"(?:source link|read (?:more|the (?:full|original) (?:story|article))(?:\s+(?:here|at|on)\b.*)?"
            r"|read more\s*[:>»].*|continue reading.*|click here to read.*|weiterlesen.*|mehr zum thema.*"
            # "Read also" labels over related stories, in the languages of the press.
            r"|(?:see also|also read|related (?:articles|stories|content)|lesen sie auch|auch interessant"
            r"|(?:mehr )?ähnliche (?:nachrichten|artikel)|lire aussi|à lire aussi|lea también|leer más|leggi anche"
            r"|les også|læs også|läs (?:även|också)|lees ook|czytaj (?:też|także)|čtěte také)(?:\s*[:>»].*)?"
            r"|(?:this (?:article|story) )?(?:was )?originally (?:published|appeared) (?:on|at|in) .+"
            r"|share this (?:article|story).*|follow us on .+|advertisement|anzeige|sponsored content)"
        ),
        where="anywhere",
        capture=None,
        examples=(
            "Source link",
            "Read more",
            "Read more: Markets slide as oil jumps",
            "Lesen Sie auch",
            "Les også: Tone Damli ofret musikkarrieren for barna",
            "Ähnliche Nachrichten",
            "Continue reading",
            "This article originally appeared on example.com",
            "Advertisement",
            "Follow us on Twitter",
        ),
    ),
    Rule(
        name="wire_signoff",
        # Wire services close a story with their name alone on a line: " Reuter", "REUTER", "AP".
        # Wire archives add transmission debris after it ("REUTER...^M", "REUTER N"): part of the family.
        pattern=_rx(
            r"[-–(\s]*(?P<value>reuters?|ap|afp|dpa|upi|apa|ansa|efe|xinhua|tass|kyodo)[)\s.]*(?:\^M|\s[A-Z]{1,4})?[\s.]*"
        ),
        where="tail",
        capture="signoff",
        examples=(" Reuter", "REUTER", "Reuters", "(AP)", "dpa", "- AFP", "REUTER...^M", "REUTER N"),
    ),
    Rule(
        name="trailer_copyright",
        pattern=_rx(r"(?:©|\(c\)|copyright)\s*(?:\d{4}\s*)?(?P<value>[^.]{2,60}?)\.?(?:\s*all rights reserved\.?)?"),
        where="tail",
        capture="signoff",
        examples=("(c) 2020 Reuters", "Copyright 2019 The Associated Press. All rights reserved.", "© AFP"),
    ),
    Rule(
        name="reporting_credit",
        # Modern wire credits: "(Reporting by Jane Doe; Editing by John Roe)".
        pattern=_rx(r"\(?\s*(?:reporting|additional reporting|writing|editing|compiled) by [^)]{2,200}\)?"),
        where="tail",
        capture=None,
        examples=("(Reporting by Jane Doe; Editing by John Roe)", "Writing by Ann Lee"),
    ),
    Rule(
        name="photo_credit",
        # "(Photo: via REUTERS)", "(Photo = Reuters)", "Photo: AFP", "Foto: dpa", "Image: Getty Images".
        pattern=_rx(
            rf"\(?\s*{_PHOTO}\s*(?:[:=]|by\b|courtesy(?: of)?\b)\s*(?:via\s+)?(?P<value>[^()]{{1,80}}?)\s*\)?\.?"
        ),
        where="anywhere",
        capture="photo_credits",
        examples=(
            "(Photo: via REUTERS)",
            "(Photo = Reuters)",
            "Photo: AFP",
            "Foto: dpa",
            "Image: Getty Images",
            "Photo by John Doe/AP",
        ),
    ),
    Rule(
        name="photo_credit_agency_slash",
        # Agency/photographer bylines under pictures: "REUTERS/Kevin Lamarque", "AP Photo/Evan Vucci".
        pattern=re.compile(
            r"\(?\s*(?P<value>(?:REUTERS|AP(?: Photo)?|AFP|EPA|DPA|GETTY(?: IMAGES)?|XINHUA|ANADOLU)"
            r"\s*/\s*[\w.' -]{2,60}?)\s*\)?\.?"
        ),
        where="anywhere",
        capture="photo_credits",
        examples=("REUTERS/Kevin Lamarque", "AP Photo/Evan Vucci", "(AFP/Getty Images)"),
    ),
    Rule(
        name="agency_credit",
        pattern=_rx(_CREDIT),
        where="tail",
        capture="signoff",
        examples=(
            "(APA/dpa, 23.8.2015)",
            "(red, 16.5.2016)",
            "(sda)",
            "(ats/afp)",
            "(EFE)",
            "(Europa Press)",
            "(ANSA)",
        ),
    ),
)

# The same credit closing the last paragraph: "... sagte er. (APA/dpa, 23.8.2015)".
INLINE_AGENCY_CREDIT = _rx(rf"(?<=[.!?\"“”»«])\s*{_CREDIT}\s*$")

# A credit glued to the end of a caption paragraph: "... at a large table. (Photo: via REUTERS)".
INLINE_CREDIT = _rx(rf"\s*\(\s*{_PHOTO}\s*(?:[:=]|by\b)\s*(?:via\s+)?(?P<value>[^()]{{1,80}}?)\s*\)\s*$")

# A wire sign-off glued to the last line of a story: "... said the company. Reuter", "... REUTER...^M".
INLINE_SIGNOFF = re.compile(r"\s+(?P<value>Reuters?|REUTERS?)(?:\.{3})?(?:\^M)?\s*$")
# Every match of INLINE_SIGNOFF holds a match of INLINE_SIGNOFF_HINT (keep them in step): the hint's
# search (0.2 µs, re skips to each "R") spares most last paragraphs the search (2 µs on Reuters) that
# starts at every whitespace.
INLINE_SIGNOFF_HINT = re.compile("Reuter|REUTER")

# Wire services and photo agencies, by every spelling we meet, mapped to one canonical name.
AGENCIES: dict[str, str] = {
    "reuter": "Reuters",
    "reuters": "Reuters",
    "ap": "AP",
    "ap photo": "AP",
    "associated press": "AP",
    "the associated press": "AP",
    "afp": "AFP",
    "agence france-presse": "AFP",
    "agence france presse": "AFP",
    "dpa": "dpa",
    "deutsche presse-agentur": "dpa",
    "upi": "UPI",
    "united press international": "UPI",
    "apa": "APA",
    "ansa": "ANSA",
    "efe": "EFE",
    "xinhua": "Xinhua",
    "tass": "TASS",
    "itar-tass": "TASS",
    "ria novosti": "RIA Novosti",
    "interfax": "Interfax",
    "kyodo": "Kyodo",
    "yonhap": "Yonhap",
    "bloomberg": "Bloomberg",
    "getty": "Getty Images",
    "getty images": "Getty Images",
    "epa": "EPA",
    "anadolu": "Anadolu",
    "anadolu agency": "Anadolu",
    "pti": "PTI",
    "kna": "KNA",
    "sda": "SDA",
    "ats": "SDA",  # Agence Télégraphique Suisse: the Swiss agency's French name
    "keystone-sda": "SDA",
    "keystone-ats": "SDA",
    "epd": "epd",
    "ddp": "ddp",
    "europa press": "Europa Press",
    "anp": "ANP",
    "belga": "Belga",
    "lusa": "Lusa",
    "agi": "AGI",
    "adnkronos": "Adnkronos",
    "keystone": "Keystone",
    "cnn": "CNN",
    "bbc": "BBC",
}

# Agencies that sign in lower case, as German-speaking newsrooms write them: "(APA/dpa)", "(sda)".
LOWER_CASE_AGENCIES = frozenset("dpa sda ats epd kna ddp apa afp".split())

# The lookahead on the names' first letters lets most positions fail in one test instead of one per
# name (the search tries every position): find_agencies 3.5 -> 2.2 µs/doc on Reuters, same matches.
_AGENCY_RX = re.compile(
    r"(?<![\w-])(?=[" + re.escape("".join(sorted({k[0] for k in AGENCIES}))) + "])"
    r"(" + "|".join(sorted((re.escape(k) for k in AGENCIES), key=len, reverse=True)) + r")(?![\w-])",
    re.IGNORECASE,
)


def find_agencies(text: str) -> list[str]:
    """Canonical agency names mentioned in a credit, sign-off or dateline, in order, once each."""
    return list(_agencies_named(text))


# The same sign-offs ("Reuter") and datelines recur story after story: each is read once.
@functools.lru_cache(maxsize=1 << 12)
def _agencies_named(text: str) -> tuple[str, ...]:
    found: list[str] = []
    for m in _AGENCY_RX.finditer(text):
        # The regex matches case-insensitively, so a match may lower-case to no name at all
        # ("\u017fda": the long s matches "s" but stays itself): it names no agency.
        name = AGENCIES.get(m.group(1).lower())
        if name is None:
            continue
        # Short acronyms only count when written in capitals ("AP", not the word "ap"), but for the
        # agencies that write their own name in lower case ("dpa", "sda").
        if len(m.group(1)) <= 3 and not m.group(1).isupper() and m.group(1).lower() not in LOWER_CASE_AGENCIES:
            continue
        if name not in found:
            found.append(name)
    return tuple(found)


def any_of(rules: list[Rule] | tuple[Rule, ...]) -> re.Pattern[str]:
    """One pattern that fully matches a paragraph exactly when one of `rules` does.

    Most paragraphs match no rule: one alternation decides that in C instead of one call per rule.
    Each rule keeps its own flags; its named groups become plain groups (names must be unique).
    """
    parts = []
    for rule in rules:
        source = rule.pattern.pattern.replace("(?P<value>", "(?:")
        parts.append(f"(?i:{source})" if rule.pattern.flags & re.IGNORECASE else f"(?:{source})")
    return re.compile("|".join(parts))
