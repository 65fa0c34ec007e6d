"""Direct quotations and who said them.

A quotation is text between quote marks — curly (“…”), straight ("…"), German („…“) or
guillemets (»…«) — followed or preceded by an attribution with a reporting verb: `“…,” Azerbaijani
President Ilham Aliyev replied`, `"…," said John Smith`, `Pashinyan said: “…”`. A quotation
that directly follows an attributed one ("“…,” Pashinyan said. “And …”") continues it. Pronouns
("he said") take the person named last before the quotation. Quoted text with no attribution
(scare quotes, titles) is not a quotation.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

from pipeline.enrich.wordlists import LANGUAGES
from pipeline.kernels.text_scan import find_quoted

_TITLE_WORDS = frozenset().union(*(words.titles for words in LANGUAGES.values()))


class Quote(NamedTuple):
    text: str
    speaker: str


# English's reporting verbs and German's commonest, and in a text of another language its own
# (wordlists.py): "dijo", "a déclaré".
_BASE_VERBS = frozenset(
    "said says say added adds told replied stated declared explained noted wrote warned insisted argued continued "
    "recalled remarked commented announced acknowledged admitted stressed urged asked sagte sagt erklärte betonte "
    "meinte".split()
)
# A speaker: a name with its title ("Azerbaijani President Ilham Aliyev"), a pronoun, or a role
# ("a company spokesman", "the ministry").
_SPEAKER = (
    r"((?:[A-ZÀ-Þ][\w'’.-]*\s+){0,6}[A-ZÀ-Þ][\w'’-]*|he|she|they|He|She|They|er|sie|il|elle|él|ella|lui|lei|hij|"
    r"zij|ele|ela|"
    r"(?:the|a|an|The|A|An)\s+(?:[a-z][\w-]*\s+){0,3}[a-z][\w-]*)"
)
# An auxiliary before the verb: English, and the perfect of French, Italian, German, Dutch ("a déclaré").
_AUX = r"(?:has\s+|had\s+|also\s+|a\s+|ha\s+|hat\s+|heeft\s+)?"
_BETWEEN_CONTINUED = re.compile(r"[\s.,;:]*\Z")


class _Attribution(NamedTuple):
    """The patterns of one language's attributions."""

    verb_speaker: re.Pattern[str]  # "…," said John Smith
    speaker_verb: re.Pattern[str]  # "…," John Smith said
    before: re.Pattern[str]  # John Smith said: "…"
    verbs: frozenset[str]


@functools.cache
def _attribution(language: str) -> _Attribution:
    # A two-letter verb ("so" in German) is too common a word to gate the search before a quotation.
    own = {verb for verb in LANGUAGES[language].verbs if len(verb) > 2} if language in LANGUAGES else set()
    words = sorted(_BASE_VERBS | own)
    verbs = "(?:" + "|".join(r"told\s+\w+(?:\s+\w+)?" if v == "told" else v for v in words) + ")"
    return _Attribution(
        # German, French and others put the comma after the closing mark: „…“, sagte Merkel.
        re.compile(rf"(?:\s*,)?\s*{_AUX}{verbs}\s+{_SPEAKER}\b"),
        re.compile(rf"(?:\s*,)?\s*{_SPEAKER}\s+{_AUX}{verbs}\b"),
        re.compile(rf"{_SPEAKER}\s+{_AUX}{verbs}\s*[:,]?\s*\Z"),
        frozenset(words),
    )


_PRONOUNS = frozenset("he she they He She They er sie il elle él ella lui lei hij zij ele ela".split())


def find_quotes(text: str, people: list[str], language: str = "en") -> list[Quote]:
    """Attributed direct quotations in `text`; speakers resolved to the full names in `people`;
    attributions by the reporting verbs of English and of `language`."""
    patterns = _attribution(language)
    quotes: list[Quote] = []
    last_end, last_speaker = -1, None
    for start, end in find_quoted(text):
        quoted = text[start + 1 : end - 1].strip()
        if len(quoted.split()) < 3:
            continue  # a scare-quoted word or a short title, not a quotation
        speaker = None
        after = patterns.verb_speaker.match(text, end) or patterns.speaker_verb.match(text, end)
        before = None if after else _attribution_before(text, start, patterns)
        if after or before:
            speaker = (after or before).group(1)
        elif last_speaker and _BETWEEN_CONTINUED.match(text, last_end, start):
            speaker = last_speaker
        if speaker is None:
            continue
        speaker = _resolve(speaker, text[:start], people)
        if speaker is None:
            continue
        quotes.append(Quote(quoted.rstrip(","), speaker))
        last_end, last_speaker = (after.end() if after else end), speaker
    return quotes


def _attribution_before(text: str, end: int, patterns: _Attribution) -> re.Match[str] | None:
    """`patterns.before` in the 160 characters before a quotation, searched only when one of their last
    three words is a reporting verb (which any match needs, as "told reporters:" shows): the search
    itself tries every position of the window and was half of find_quotes' time on Reuters."""
    window = text[max(0, end - 160) : end].rstrip()
    if window.endswith((":", ",")):
        window = window[:-1]
    if patterns.verbs.isdisjoint(window.rsplit(None, 3)[-3:]):
        return None
    return patterns.before.search(text, max(0, end - 160), end)


def _resolve(speaker: str, before: str, people: list[str]) -> str | None:
    """A name with its title stripped and completed from `people`; a pronoun as the person named last."""
    if speaker in _PRONOUNS:
        last = max(((before.rfind(p.split()[-1]), p) for p in people), default=(-1, None))
        return last[1] if last[0] >= 0 else None
    if not speaker[:1].isupper() or speaker.split()[0] in ("The", "A", "An"):
        return speaker  # a role as written: "a company spokesman"
    words = speaker.split()
    for i in range(len(words) - 1, -1, -1):
        if words[i] in _TITLE_WORDS:
            words = words[i + 1 :]
            break
    if not words:
        return None
    for person in people:
        if person.split()[-1] == words[-1]:
            return person
    return " ".join(words)
