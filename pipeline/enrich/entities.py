"""People and organizations named in an article, found by the patterns news prose uses.

Without an NER model (see gazetteer.py for why), names are recognised where the writing marks
them: a title or role before a name ("Prime Minister Nikol Pashinyan", "Kremlin chief Vladimir
Putin", "Mr. Smith"), a reporting verb next to a full name ("John Smith said", "said John Smith"),
a corporate or institutional suffix ("Standard Oil Co", "Bank of Japan") and the organization
gazetteer. A surname mentioned alone later ("Pashinyan said") is folded into the full name seen
for it. Limits (measured by bench/metadata_quality.py): a person named only in passing, with no
title, role or reporting verb next to the name, is missed.

The runs of capitalised words (`find_runs`, shared with the gazetteer's find_mentions) are found
by a C scan of the text, and each run is classified by dict lookups of its own words and of the
words just before and after it (no per-pattern scans of the text): both in the compiled kernel
pipeline/_names.pyx, over the word tables below.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from pipeline.enrich import gazetteer
from pipeline.kernels import names as _names

# Titles inside a capitalised run: the name follows the last one ("U.S. Treasury Secretary James Baker").
TITLE_WORDS = frozenset(
    "President President-elect Minister Secretary Chancellor Exchequer Governor Senator Sen. Sen Rep. Rep "
    "Representative Chairman Chairwoman Chief Executive Spokesman Spokeswoman Mr. Mr Mrs. Mrs Ms. Ms Dr. Dr "
    "King Queen Prince Princess Pope General Gen. Gen Judge Justice Mayor Ambassador Director Premier Leader "
    "Commissioner Commander Colonel Col. Captain Capt. Professor Prof. Bishop Cardinal Sheikh Emir Sultan "
    "Speaker Treasurer Bundeskanzler Kanzler Kanzlerin Präsident Präsidentin Ministerpräsident Ministerin "
    "Lord Lady Sir".split()
)
# Roles written in lower case just before a name ("Kremlin chief Vladimir Putin", "analyst Jane Roe").
ROLE_WORDS = frozenset(
    "chief chairman chairwoman president spokesman spokeswoman spokesperson director analyst economist "
    "minister secretary governor leader premier ambassador commissioner executive founder head trader "
    "strategist dealer official counsel lawyer attorney".split()
)
REPORTING_VERBS = frozenset(
    "said says told added replied stated declared explained noted warned insisted argued sagte erklärte".split()
)
ORG_SUFFIXES = frozenset(
    "Inc Corp Corporation Co Company Ltd Limited Plc PLC AG SA NV GmbH Group Bank Ministry Party Council "
    "Commission Agency Association Exchange University Federation Union Committee Board Department Fund "
    "Institute Authority Organization Organisation Foundation Court Parliament Assembly Airlines Airways "
    "Holdings Industries Bancorp Bancshares Trust Securities Partners Reserve Bundesbank "
    "Post Times Journal Herald Tribune Gazette Telegraph".split()
)
# Capitalised words that open a sentence or follow a title without being part of a name.
_NOT_NAME_WORDS = frozenset(
    "The This That These Those A An In At On For But And Or If As By To Of It He She They We I You His Her "
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July "
    "August September October November December Today Yesterday Tomorrow Der Die Das Ein Eine Later Earlier "
    "Meanwhile However Also Then Now When While After Before Since Although Though Yet So Still Instead "
    "Finally Separately Last Next Both Some Many Most Other Such All Each Several Under Over Despite Among "
    "From With Without Within Officials Analysts Traders Sources Asked Speaking Earlier".split()
)
_JOINERS = frozenset("of for the de van von der da di du bin al la le".split())
_NAME_PARTICLES = frozenset("de van von der da di du bin al la le".split())


@dataclass(slots=True)
class Names:
    people: list[str]
    organizations: list[str]


find_runs = _names.find_runs


def find_names(text: str, runs: _names.Runs, known_organizations: list[str]) -> Names:
    """People and organizations named in `text`, whose runs are `runs`, in order of first mention, each once."""
    return Names(*_name_finder().find(text, runs, known_organizations))


@functools.cache
def _name_finder() -> _names.NameFinder:
    t = gazetteer.tables()
    return _names.NameFinder(
        TITLE_WORDS,
        ROLE_WORDS,
        REPORTING_VERBS,
        ORG_SUFFIXES,
        _NOT_NAME_WORDS,
        _JOINERS,
        _NAME_PARTICLES,
        t.organizations,
        t.prose,
        t.demonyms,
        gazetteer.key_of,
    )
