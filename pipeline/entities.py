"""People and organizations named in an article, found by the patterns news prose uses.

Without an NER model (see gazetteer.py for why), names are recognised where the writing marks
them: a title or role before a name ("Prime Minister Nikol Pashinyan", "Kremlin chief Vladimir
Putin", "Mr. Smith"), a reporting verb next to a full name ("John Smith said", "said John Smith"),
a corporate or institutional suffix ("Standard Oil Co", "Bank of Japan") and the organization
gazetteer. A surname mentioned alone later ("Pashinyan said") is folded into the full name seen
for it. Limits (measured by bench/metadata_quality.py): a person named only in passing, with no
title, role or reporting verb next to the name, is missed.

One regex pass finds the runs of capitalised words (`find_runs`, shared with the gazetteer's
find_mentions); each run is then classified by dict lookups of its own words and of the words just
before and after it (no per-pattern scans of the text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline import gazetteer

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
_ROLE_ENDINGS = tuple(ROLE_WORDS)  # what the text before a role-named single word ends with
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

# Abbreviated titles keep their point inside the run ("Mr. Brown" is one run, and titled).
_ABBREVIATED_TITLES = ("Mrs", "Mr", "Ms", "Dr", "Sen", "Rep", "Gen", "Gov", "Col", "Capt", "Prof", "Lt")
# A token after its capital: the rest of an abbreviated title, of initials ("U.S.") or of a word.
# Each abbreviation opens with a literal and then checks its capital behind ("rs(?<=Mrs)\."), so that
# `re` rejects the branch on one character: the run scan was ~1.5x faster on Reuters than with the
# look-behinds first.
_TOKEN_TAIL = "|".join(rf"{t[1:]}(?<={t})\." for t in _ABBREVIATED_TITLES) + r"|\.(?:[A-Z]\.)*|[\w'’&-]*"
_TOKEN = rf"[A-Z](?:{_TOKEN_TAIL})"
# A run: capitalised words or initials ("U.S.", "J."), joined by spaces and lower-case name particles.
# The capital comes first so that `re` skips in C to the next candidate; the look-behind after it
# keeps a run from starting inside a word ("McDonald", "ex-Soviet").
_RUN = re.compile(
    rf"[A-Z](?<![\w'’&-][A-Z])(?:{_TOKEN_TAIL})"
    rf"(?:[ \t]+(?:(?:of|for|the|de|van|von|der|da|di|du|bin|al|la|le)[ \t]+)*{_TOKEN})*"
)


@dataclass(slots=True)
class Names:
    people: list[str]
    organizations: list[str]


def find_runs(text: str) -> list[re.Match[str]]:
    """The runs of capitalised words in `text` ("Federal Reserve Board Chairman Paul Volcker", "U.S.")."""
    return list(_RUN.finditer(text))


def find_names(text: str, runs: list[re.Match[str]], known_organizations: list[str]) -> Names:
    """People and organizations named in `text`, whose runs are `runs`, in order of first mention, each once."""
    t = gazetteer.tables()
    people: list[str] = []
    orgs = list(known_organizations)
    for m in runs:
        run = m.group()
        if " " not in run:
            # One word: a name only right after a role written in lower case ("Kremlin chief Putin").
            start = m.start()
            if (
                start < 2
                or text[start - 1] != " "
                or not text[start - 2].islower()
                or not text.endswith(_ROLE_ENDINGS, 0, start - 1)  # in C: most runs stop here
                or run in _NOT_NAME_WORDS
                or _word_before(text, start) not in ROLE_WORDS
            ):
                continue
            name = _name_from([run], 1)
        else:
            words = run.split()
            titled = -1 if TITLE_WORDS.isdisjoint(words) else max(i for i, w in enumerate(words) if w in TITLE_WORDS)
            # "Federal Reserve Board Chairman Paul Volcker": an organization before the title, a person after.
            org = None if ORG_SUFFIXES.isdisjoint(words) else _organization(words[:titled] if titled >= 0 else words)
            if org:
                org = t.organizations.get(gazetteer.key_of(org), org)
                if org not in orgs:
                    orgs.append(org)
            if titled >= 0:
                name = _name_from(words[titled + 1 :], min_words=1)
            elif org:
                continue
            else:
                name = _untitled_person(words, text, m.start(), m.end())
        if name and (key := gazetteer.key_of(name)) not in t.prose and key not in t.demonyms:
            people.append(name)
    return Names(_merge_surnames(people), orgs)


def _organization(words: list[str]) -> str | None:
    """The organization a run names: words up to an institutional suffix, and an "of …" after it."""
    if ORG_SUFFIXES.isdisjoint(words):
        return None
    last = max((i for i, w in enumerate(words) if w.rstrip(".,") in ORG_SUFFIXES), default=-1)
    if last < 0:
        return None
    end = last + 1
    if end + 1 < len(words) and words[end] == "of":
        end = len(words)
    start = 0
    while start < last and (words[start] in _NOT_NAME_WORDS or words[start] in TITLE_WORDS or words[start] in _JOINERS):
        start += 1
    org = " ".join(words[start:end]).rstrip(".,")
    if end - start < 2 and org != "Bundesbank":
        return None  # a suffix alone ("Co", "Group") names nothing
    return org


def _word_before(text: str, start: int) -> str:
    space = text.rfind(" ", max(0, start - 30), start - 1)
    return text[space + 1 : start].strip().rstrip(",")


def _untitled_person(words: list[str], text: str, start: int, end: int) -> str | None:
    """A name of several words marked by a title or role just before it, or a reporting verb next to it."""
    prev = _word_before(text, start)
    if prev in TITLE_WORDS or prev in ROLE_WORDS:
        return _name_from(words, min_words=1)
    after = text[end : end + 20].split(maxsplit=1)
    if prev in REPORTING_VERBS or (after and after[0].strip(".,;:") in REPORTING_VERBS):
        return _name_from(words, min_words=2)
    return None


def _name_from(words: list[str], min_words: int) -> str | None:
    """A personal name from a run's words: no joiners but particles, each word name-shaped."""
    if any(w in _JOINERS and w not in _NAME_PARTICLES for w in words):
        return None
    words = [w[:-2] if w.endswith(("'s", "’s")) else w for w in words]  # possessive
    while words and words[0] in _NOT_NAME_WORDS:
        words.pop(0)
    if not (min_words <= len(words) <= 4):
        return None
    for w in words:
        if w in _NAME_PARTICLES or (len(w) == 2 and w.endswith(".")):
            continue  # "van", "J."
        if not (w[:1].isupper() and w[-1:].islower()):
            return None  # all-caps words and codes are not names
    return " ".join(words)


def _merge_surnames(names: list[str]) -> list[str]:
    """One entry per person: a lone surname joins the full name that ends with it."""
    full_by_last: dict[str, str] = {}
    for name in names:
        last = name.split()[-1]
        if len(name.split()) > len(full_by_last.get(last, "").split()):
            full_by_last[last] = name
    return list(dict.fromkeys(full_by_last[name.split()[-1]] for name in names))
