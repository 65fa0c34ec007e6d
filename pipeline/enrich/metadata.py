"""Metadata analysts filter on: dateline place and date, agencies, quotes, people, organizations,
places and countries, sentence count, reading time, years mentioned.

One narrow entry point, `extract_metadata`, called by run.transform.build_article on the cleaned text. Every
extractor is a precompiled regex pass, a compiled scan (pipeline/_text_scan.pyx) or a dict lookup (no
per-entity loops over the text), so the whole step costs a small share of the pipeline (measured by
bench/metadata_quality.py).
"""

from __future__ import annotations

import datetime as dt
import functools
import re

from pipeline.article import parse
from pipeline.article.rules import AGENCIES, find_agencies
from pipeline.enrich import entities, gazetteer, quotes, wordlists
from pipeline.kernels.names import salient_countries
from pipeline.kernels.text_scan import WordSet, count_sentences, find_years
from pipeline.models import Metadata

WORDS_PER_MINUTE = 238  # average silent reading speed of adult English non-fiction (Brysbaert 2019)

_MONTHS = {
    **{m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)},
    **{m: i for i, m in enumerate("jän feb mär apr mai jun jul aug sep okt nov dez".split(), 1)},
}
_DATE_EN = re.compile(r"(?P<month>[A-Za-zäÄ]{3,})\.?\s+(?P<day>\d{1,2})(?:,?\s+(?P<year>\d{4}))?")
_DATE_DE = re.compile(r"(?P<day>\d{1,2})\.?\s+(?P<month>[A-Za-zäÄ]{3,})\.?(?:\s+(?P<year>\d{4}))?")


# Agency names as written in prose ("Reuters", "REUTERS", "dpa", "Agence France-Presse"): the
# capitalised spellings and "dpa", case-sensitive, each with the agencies it names.
_AGENCY_SPELLINGS = {v: find_agencies(v) for k in AGENCIES for v in (k.title(), k.upper(), "dpa")}
_AGENCY_NAMES = WordSet(_AGENCY_SPELLINGS)


# The context that makes a mention a credit: "according to the Reuters news agency", "Loud the
# Reuters news agency" (machine-translated "laut"), "told Reuters", "AFP reported", "(APA, 18.3.2016)".
_CREDIT_BEFORE = re.compile(
    r"(?:according to|told|quoted by|reported by|cited by|via|[Ll]oud|[Ll]aut|berichtete|\()"
    r"\s*(?:the\s+|die\s+|der\s+)?\Z"
)
_CREDIT_AFTER = re.compile(
    r"\s+(?:news\s+agency|agency|newswire|wire\s+service|reported|reports|quoted|said|Nachrichtenagentur)\b"
    r"|\s*(?:[,/]\s*[^()]{1,40})?\)"
)


def load_tables() -> None:
    """Load the gazetteer now (e.g. before forking workers) rather than on the first article."""
    gazetteer.tables()


def extract_metadata(
    title: str,
    paragraphs: list[str],
    dateline: str | None,
    agencies: list[str],
    published_at: dt.datetime | None,
    word_count: int,
) -> Metadata:
    """Metadata of one cleaned article. `agencies` are those already credited by the clean stage."""
    body = "\n\n".join(paragraphs)
    text = f"{title}\n\n{body}"

    place = dateline_country = dateline_date = None
    if dateline:
        place, dateline_country, date = read_dateline(dateline)
        if date:
            dateline_date, explicit_year = parse_dateline_date(date, published_at)
            if published_at is None and explicit_year and dateline_date:
                published_at = dt.datetime.combine(dateline_date, dt.time(), tzinfo=dt.UTC)

    credited = list(agencies)
    credited_in_body = find_agency_credits(body)
    for name in credited_in_body:
        if name not in credited:
            credited.append(name)

    language = wordlists.guess_language(text)
    runs = entities.find_runs(text)
    mentions = gazetteer.find_mentions(text, runs, language)
    names = entities.find_names(text, runs, mentions.organizations, language)
    _drop_places_in_names(text, mentions, names.people, names.organizations)
    places = _unique(([place] if place else []) + [p.name for p in mentions.places])
    # Built once, complete: the defaults' empty lists would be made only to be replaced.
    return Metadata(
        place,
        dateline_date,
        published_at,
        credited,
        quotes.find_quotes(body, names.people, language),
        names.people,
        _unique(names.organizations + credited_in_body),  # an agency credited in the text is named in it
        places,
        salient_countries(dateline_country, mentions.country_hits, len(title) + 2 + len(paragraphs[0])),
        count_sentences(body, len(paragraphs)),
        round(word_count / WORDS_PER_MINUTE, 2),
        find_years(text),
    )


# Wire datelines repeat ("NEW YORK, March 2", "TOKYO, June 1"): each distinct one is read once, and
# each distinct place once (Reuters has ~7,700 datelines, but far fewer places).
@functools.lru_cache(maxsize=1 << 12)
def read_dateline(dateline: str) -> tuple[str | None, str | None, str | None]:
    """(place as the gazetteer names it, its country code, the date as written) of a dateline."""
    parts = parse.split_dateline(dateline)
    if not parts.place:
        return None, None, parts.date
    return (*_read_place(parts.place, parts.region), parts.date)


@functools.lru_cache(maxsize=1 << 12)
def _read_place(place: str, region: str | None) -> tuple[str, str | None]:
    """(place as the gazetteer names it, its country code) of a dateline's place and region."""
    found = gazetteer.lookup_dateline_place(place, region)
    if found:
        return found.name, found.country
    return (place.title() if place.isupper() else place), None


def parse_dateline_date(text: str, published_at: dt.datetime | None) -> tuple[dt.date | None, bool]:
    """The date a dateline gives ("Feb 26", "3. März 2016") and whether it stated its year.

    A dateline without a year takes the year of the publication time when one is known; with
    neither, the date is unknown (null) rather than guessed.
    """
    month, day, stated_year = _date_fields(text)
    year = stated_year if stated_year is not None else (published_at.year if published_at else None)
    if month is None or year is None:
        return None, False
    try:
        return dt.date(year, month, day), stated_year is not None
    except ValueError:
        return None, False


@functools.lru_cache(maxsize=1 << 12)
def _date_fields(text: str) -> tuple[int | None, int, int | None]:
    """(month, day, year or None) as a dateline's date writes them; month None when it is no date."""
    m = _DATE_EN.fullmatch(text) or _DATE_DE.fullmatch(text)
    if not m:
        return None, 0, None
    year = int(m.group("year")) if m.group("year") else None
    return _MONTHS.get(m.group("month").lower()[:3]), int(m.group("day")), year


def find_agency_credits(text: str) -> list[str]:
    """Agencies credited in running text, canonical names in order, once each."""
    found: list[str] = []
    for start, end in _AGENCY_NAMES.find_spans(text):
        if start and text[start - 1].isalnum():
            continue  # inside a word
        if _CREDIT_BEFORE.search(text, max(0, start - 24), start) or _CREDIT_AFTER.match(text, end):
            for name in _AGENCY_SPELLINGS[text[start:end]]:
                if name not in found:
                    found.append(name)
    return found


def _drop_places_in_names(text: str, mentions: gazetteer.Mentions, people: list[str], organizations: list[str]) -> None:
    """Places that are words of a person's or organization's name where they stand ("Charles
    Kennedy", "Real Madrid", "VfB Stuttgart") leave the places, unless named elsewhere too. A
    person's name also takes its country hit away; an organization's keeps it ("Bank of Japan",
    "Real Madrid" say which country the story concerns)."""
    names = people + organizations
    name_words = {word for name in names for word in name.split()}
    inside = [
        (start, end, place)
        for start, end, place in mentions.place_spans
        if text[start:end].split()[0] in name_words and _inside_a_name(text, start, end, names)
    ]
    if not inside:
        return
    starts = {start for start, _, _ in inside}
    named_elsewhere = {place for start, _, place in mentions.place_spans if start not in starts}
    mentions.places = [p for p in mentions.places if p in named_elsewhere or all(p != q for _, _, q in inside)]
    in_people = {start for start, end, _ in inside if _inside_a_name(text, start, end, people)}
    if in_people:
        mentions.country_hits = [(at, code) for at, code in mentions.country_hits if at not in in_people]


def _inside_a_name(text: str, start: int, end: int, names: list[str]) -> bool:
    for name in names:
        found = text.find(name, max(0, end - len(name)), start + len(name))
        if found != -1 and found <= start and end <= found + len(name) and name != text[start:end]:
            return True
    return False


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
