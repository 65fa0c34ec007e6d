"""People and organizations named in an article, found by the patterns news prose uses.

Without an NER model (see gazetteer.py for why), names are recognised where the writing marks
them: a title or role before a name ("Prime Minister Nikol Pashinyan", "Kremlin chief Vladimir
Putin", "Außenminister Sergej Lawrow", "le ministre Jean Dupont"), a given name before a surname
("Angela Merkel", from a list of first names), a reporting verb next to a name ("John Smith
said", "sagte Merkel"), a corporate or institutional suffix or prefix ("Standard Oil Co", "Bank of
Japan", "VfB Stuttgart"), an acronym where the language writes organizations so ("SPD") and the
organization gazetteer. A surname mentioned alone later ("Pashinyan said") is folded into the full
name seen for it. The words that mark names are per language (wordlists.py). Limits (measured by
bench/metadata_quality.py): a person named only by a surname, with no title, role or reporting verb
next to it, is missed.

The runs of capitalised words (`find_runs`, shared with the gazetteer's find_mentions) are found
by a C scan of the text, and each run is classified by dict lookups of its own words and of the
words just before and after it (no per-pattern scans of the text): both in the compiled kernel
pipeline/_names.pyx, over the word tables handed in from here.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from pipeline.enrich import gazetteer, wordlists
from pipeline.enrich.organizations import ORGANIZATION_PREFIXES
from pipeline.kernels import names as _names

ORG_SUFFIXES = frozenset(
    "Inc Corp Corporation Co Company Ltd Limited Plc PLC AG SA NV GmbH Group Bank Ministry Party Council "
    "Commission Agency Association Exchange University Federation Union Committee Board Department Fund "
    "Institute Authority Organization Organisation Foundation Court Parliament Assembly Airlines Airways "
    "Holdings Industries Bancorp Bancshares Trust Securities Partners Reserve Bundesbank "
    "Post Times Journal Herald Tribune Gazette Telegraph "
    "Partei Verband Universität Stiftung Institut Kirche Gruppe Konzern Verein Zeitung Rundschau KG eV e.V.".split()
)
# Titles abbreviated with a point, which stays in the run ("Mr. Brown" is one run, and titled).
ABBREVIATED_TITLES = ("Mrs.", "Mr.", "Ms.", "Dr.", "Sen.", "Rep.", "Gen.", "Gov.", "Col.", "Capt.", "Prof.", "Lt.")
# Lower-case words that join the capitalised words of a run ("Bank of Japan", "Ludwig van Beethoven").
JOINERS = ("of", "for", "the", "de", "van", "von", "der", "da", "di", "du", "bin", "al", "la", "le", "del", "della")
_NAME_PARTICLES = frozenset("de van von der da di du bin al la le del della".split())


@dataclass(slots=True)
class Names:
    people: list[str]
    organizations: list[str]


def find_runs(text: str) -> _names.Runs:
    """The runs of capitalised words in `text` (the kernel's RunFinder says which)."""
    return _run_finder().find(text)


@functools.cache
def _run_finder() -> _names.RunFinder:
    return _names.RunFinder(ABBREVIATED_TITLES, JOINERS)


def find_names(text: str, runs: _names.Runs, known_organizations: list[str], language: str = "en") -> Names:
    """People and organizations named in `text`, whose runs are `runs`, in order of first mention,
    each once, by the words that mark names in `language` (wordlists.guess_language)."""
    return Names(
        *_name_finder().find(text, runs, known_organizations, _vocabulary(language), gazetteer.places_for(language))
    )


@functools.cache
def _vocabulary(language: str) -> _names.Vocabulary:
    w = wordlists.LANGUAGES.get(language, wordlists.ENGLISH)
    return _names.Vocabulary(
        w.titles | frozenset(ABBREVIATED_TITLES),
        w.title_endings,
        w.roles,
        w.verbs,
        w.not_names,
        w.determiners,
        w.org_endings,
        wordlists.NOT_ORGANIZATION_ACRONYMS,
        w.acronyms_are_organizations,
        w.lone_name_after_verb,
        w.subject_verbs,
        gazetteer.tables().common_given_names.get(language, frozenset()) if w.lone_given_names else frozenset(),
    )


@functools.cache
def _name_finder() -> _names.NameFinder:
    t = gazetteer.tables()
    return _names.NameFinder(
        ORG_SUFFIXES,
        frozenset(JOINERS),
        _NAME_PARTICLES,
        t.given_names,
        ORGANIZATION_PREFIXES,
        wordlists.NOT_PERSON_WORDS,
        t.organizations,
        t.demonyms,
        gazetteer.key_of,
    )
