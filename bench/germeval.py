"""People, organizations and places in German news, scored against GermEval 2014's human labels.

The test set (`NER-de-test.tsv`) is one tokenized sentence per block, under a `#` line naming its
source URL; the news sentences (every source but Wikipedia) are grouped by URL into articles, their
tokens joined back into text, and each article goes through what the pipeline runs on a cleaned body:
the dateline split and metadata.extract_metadata.

Per article, the distinct names found of a type are compared with the distinct names labelled of it
(the outer column: PER, ORG, LOC; the -deriv and -part forms are not names of the type):
- strict: equal as written, or the labelled name's canonical form by the gazetteer (a place's
  canonical name, an organization's canonical name: "Wien" is found as "Vienna", "EU" as "European
  Union");
- lenient: also when the two share a word (accents and case folded), and for recall a labelled
  country whose ISO code is in `countries`.
A name found that matches a name labelled inside another one (the nested column: "Bayern" in "FC
Bayern München") is not counted as a false positive.

A fixed split keeps the tuning honest: an article is in the dev half when the first byte of the
BLAKE2b hash of its URL is even, else in the check half. Rules are tuned on dev; both are printed.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.article import parse
from pipeline.enrich import gazetteer, metadata

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora" / "germeval2014"
TYPES = ("PER", "ORG", "LOC")
HALVES = ("dev", "check")

# Tokens written without a space before them, or after them, when a sentence is joined back.
_NO_SPACE_BEFORE = frozenset(",.;:!?)]}%…“'")
_NO_SPACE_AFTER = frozenset("([{„")


@dataclass(slots=True)
class LabelledArticle:
    url: str
    paragraphs: list[str] = field(default_factory=list)  # one per sentence
    names: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # type -> labelled names
    nested: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # names labelled inside names

    @property
    def half(self) -> str:
        return "dev" if hashlib.blake2b(self.url.encode(), digest_size=8).digest()[0] % 2 == 0 else "check"


def load_articles(corpus: Path) -> list[LabelledArticle]:
    """The news articles of the test set, in file order."""
    articles: dict[str, LabelledArticle] = {}
    url, rows = "", []
    for line in [*(corpus / "NER-de-test.tsv").read_text(encoding="utf-8").splitlines(), ""]:
        if line.startswith("#\t"):
            url = line.split("\t")[1]
        elif line.strip():
            rows.append(line.split("\t"))
        elif rows:
            if "wikipedia.org" not in url:
                _add_sentence(articles.setdefault(url, LabelledArticle(url)), rows)
            rows = []
    return list(articles.values())


def _add_sentence(article: LabelledArticle, rows: list[list[str]]) -> None:
    tokens = [row[1] for row in rows]
    text, starts = detokenize(tokens)
    article.paragraphs.append(text)
    for column, names in ((2, article.names), (3, article.nested)):
        for kind, first, last in _spans([row[column] for row in rows]):
            if kind in TYPES:
                names[kind].add(text[starts[first] : starts[last] + len(tokens[last])])


def detokenize(tokens: list[str]) -> tuple[str, list[int]]:
    """The sentence as text, and where each token starts in it."""
    text, starts, quote_open = "", [], False
    for i, token in enumerate(tokens):
        glued = i == 0 or token in _NO_SPACE_BEFORE or tokens[i - 1] in _NO_SPACE_AFTER
        if token == '"':
            glued = glued or quote_open
            quote_open = not quote_open
        elif i and tokens[i - 1] == '"' and quote_open:
            glued = True  # just inside an opening quote
        text += "" if glued else " "
        starts.append(len(text))
        text += token
    return text, starts


def _spans(tags: list[str]) -> list[tuple[str, int, int]]:
    """(type, first token, last token) of each B-/I- labelled name."""
    spans: list[list] = []
    for i, tag in enumerate(tags):
        if tag.startswith("B-"):
            spans.append([tag[2:], i, i])
        elif tag.startswith("I-") and spans and spans[-1][0] == tag[2:] and spans[-1][2] == i - 1:
            spans[-1][2] = i
    return [(kind, first, last) for kind, first, last in spans]


def _fold(name: str) -> set[str]:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return set(re.sub(r"[^a-z0-9]+", " ", ascii_name).split())


def _canonical(kind: str, name: str) -> str | None:
    """The gazetteer's canonical name for a labelled place or organization, if it knows one."""
    t = gazetteer.tables()
    key = gazetteer.key_of(name)
    if kind == "ORG":
        return t.organizations.get(key)
    if kind == "LOC":
        place = _place_of(key)
        return place.name if place else None
    return None


def _place_of(key: str) -> gazetteer.Place | None:
    t = gazetteer.tables()
    return gazetteer.places_for("de").get(key) or t.dateline.get(key) or t.exonyms.get(key)


def _matches(found: str, labelled: str, kind: str, lenient: bool) -> bool:
    if found == labelled or _canonical(kind, labelled) == found:
        return True
    return lenient and bool(_fold(found) & _fold(labelled))


@dataclass(slots=True)
class Score:
    """Counts per half, type and mode (strict/lenient), and the lenient mistakes on each half."""

    counts: dict[str, Counter] = field(default_factory=lambda: {h: Counter() for h in HALVES})
    false_positives: dict[str, dict[str, Counter]] = field(
        default_factory=lambda: {h: defaultdict(Counter) for h in HALVES}
    )
    misses: dict[str, dict[str, Counter]] = field(default_factory=lambda: {h: defaultdict(Counter) for h in HALVES})

    def precision(self, half: str, kind: str, mode: str) -> float:
        c = self.counts[half]
        return c[kind, mode, "found_ok"] / max(1, c[kind, mode, "found"])

    def recall(self, half: str, kind: str, mode: str) -> float:
        c = self.counts[half]
        return c[kind, mode, "labelled_ok"] / max(1, c[kind, mode, "labelled"])


def score(articles: list[LabelledArticle]) -> Score:
    result = Score()
    for article in articles:
        paragraphs = list(article.paragraphs)
        dateline, paragraphs[0] = parse.extract_dateline(paragraphs[0])
        words = sum(len(p.split()) for p in paragraphs)
        meta = metadata.extract_metadata("", paragraphs, dateline, agencies=[], published_at=None, word_count=words)
        found = {"PER": set(meta.people), "ORG": set(meta.organizations), "LOC": set(meta.places)}
        counts = result.counts[article.half]
        for kind in TYPES:
            labelled = article.names[kind]
            allowed = labelled | article.nested[kind]
            for mode in ("strict", "lenient"):
                lenient = mode == "lenient"
                for name in found[kind]:
                    ok = any(_matches(name, other, kind, lenient) for other in allowed)
                    counts[kind, mode, "found"] += 1
                    counts[kind, mode, "found_ok"] += ok
                    if lenient and not ok:
                        result.false_positives[article.half][kind][name] += 1
                for name in labelled:
                    ok = any(_matches(other, name, kind, lenient) for other in found[kind])
                    if not ok and lenient and kind == "LOC":
                        place = _place_of(gazetteer.key_of(name))
                        ok = bool(place and place.kind == "country" and place.country in meta.countries)
                    counts[kind, mode, "labelled"] += 1
                    counts[kind, mode, "labelled_ok"] += ok
                    if lenient and not ok:
                        result.misses[article.half][kind][name] += 1
    return result


def report(result: Score, top: int = 12) -> str:
    """The table per half, type and mode, then the commonest mistakes on the dev half."""
    lines = [f"{'half':<6} {'type':<4} {'strict P':>9} {'strict R':>9} {'lenient P':>10} {'lenient R':>10}  over"]
    for half in HALVES:
        c = result.counts[half]
        for kind in TYPES:
            cells = [
                f"{getattr(result, measure)(half, kind, mode):.3f}"
                for mode in ("strict", "lenient")
                for measure in ("precision", "recall")
            ]
            lines.append(
                f"{half:<6} {kind:<4} {cells[0]:>9} {cells[1]:>9} {cells[2]:>10} {cells[3]:>10}  "
                f"{c[kind, 'strict', 'found']} found, {c[kind, 'strict', 'labelled']} labelled"
            )
    for kind in TYPES:
        fps = ", ".join(f"{name} ({n})" for name, n in result.false_positives["dev"][kind].most_common(top))
        misses = ", ".join(f"{name} ({n})" for name, n in result.misses["dev"][kind].most_common(top))
        lines.append(f"dev {kind} false positives: {fps or '-'}")
        lines.append(f"dev {kind} misses: {misses or '-'}")
    return "\n".join(lines)
