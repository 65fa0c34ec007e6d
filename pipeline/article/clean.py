"""Clean stage: repair Unicode, strip boilerplate by named rule families, keep what was removed."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from pipeline.article import parse
from pipeline.article.rules import (
    INLINE_AGENCY_CREDIT,
    INLINE_CREDIT,
    INLINE_SIGNOFF,
    INLINE_SIGNOFF_HINT,
    RULES,
    Rule,
    any_of,
    find_agencies,
)
from pipeline.kernels.lines import boilerplate_candidates, cut_tickers

# Invisible or layout-only characters that would make equal texts hash differently.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = re.compile(r"[\u00a0\u2000-\u200a\u202f\u205f\u3000]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_NOT_CONTROL = bytes(b for b in range(256) if not _CONTROL.match(chr(b)))


def _has_control(text: str) -> bool:
    if text.isascii():  # deleting every allowed byte in C is 3.5x faster than the regex search (measured)
        return bool(text.encode("ascii").translate(None, _NOT_CONTROL))
    return _CONTROL.search(text) is not None


def normalize_text(text: str) -> tuple[str, list[str]]:
    """Unicode-clean text (mojibake repaired, NFC, unified newlines) and the fixes applied."""
    fixes: list[str] = []
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        fixes.append("newlines")
    if not text.isascii():
        # ftfy is slow on long texts, so pure-ASCII inputs (most wire copy) skip it.
        # Repaired, never rewritten: quotes stay curly (they carry meaning for quote extraction),
        # full-width CJK letters, digits and punctuation and Latin ligatures stay as written (NFC,
        # not the compatibility folding those fixes would do).
        import ftfy

        fixed = ftfy.fix_text(
            text, uncurl_quotes=False, fix_character_width=False, fix_latin_ligatures=False, normalization="NFC"
        )
        if fixed != unicodedata.normalize("NFC", text):
            fixes.append("mojibake")
        text = _SPACES.sub(" ", fixed.translate(_INVISIBLE))
    if _has_control(text):
        text = _CONTROL.sub("", text)
        fixes.append("control_chars")
    return text, fixes


@dataclass(slots=True)
class Removed:
    """What the boilerplate rules took out of the body, kept as metadata."""

    rules: list[str] = field(default_factory=list)
    source_site: str | None = None
    photo_credits: list[str] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    signoffs: list[str] = field(default_factory=list)

    def add(self, rule: str) -> None:
        if rule not in self.rules:
            self.rules.append(rule)


_TAIL_RULES = [r for r in RULES if r.where == "tail" or r.capture is None]
_ANYWHERE_RULES = [r for r in RULES if r.where == "anywhere"]
_ANY_TAIL_RULE = any_of(_TAIL_RULES)
_ANY_ANYWHERE_RULE = any_of(_ANYWHERE_RULES)


def strip_boilerplate(paragraphs: list[str]) -> tuple[list[str], Removed]:
    """Body paragraphs without trailers, credits, captions and promos, plus what was removed.

    Trailer rules apply from the end of the text backwards (a trailer is only a trailer at the
    tail); credit and promo rules apply anywhere. A short paragraph right before a photo credit
    is that photo's caption.
    """
    removed = Removed()
    paras = list(paragraphs)

    # Tail: peel trailers off the end while they keep matching.
    while paras:
        matched = _ANY_TAIL_RULE.fullmatch(paras[-1].strip())  # the common case, decided in one regex call
        rule, m = _matching_rule(_TAIL_RULES, paras[-1]) if matched else (None, None)
        if rule is None:
            name, m = (
                "wire_signoff",
                INLINE_SIGNOFF.search(paras[-1]) if INLINE_SIGNOFF_HINT.search(paras[-1]) else None,
            )
            if m is None and paras[-1].rstrip().endswith((")", ").")):  # "... sagte er. (APA/dpa, 23.8.2015)"
                name, m = "agency_credit", INLINE_AGENCY_CREDIT.search(paras[-1])
            if m and len(paras[-1]) > len(m.group(0)):
                paras[-1] = paras[-1][: m.start()]
                removed.signoffs.append(m.group("value"))
                removed.add(name)
            break
        _record(removed, rule.name, rule.capture, m)
        paras.pop()

    body: list[str] = []
    done = 0  # paras[:done] are in body or removed
    for i, matched in boilerplate_candidates(paras, _ANY_ANYWHERE_RULE.fullmatch):
        body += paras[done:i]
        done = i + 1
        para = paras[i]
        rule, m = _matching_rule(_ANYWHERE_RULES, para) if matched else (None, None)
        if rule is not None:
            _record(removed, rule.name, rule.capture, m)
            if rule.capture == "photo_credits" and len(body) > 1 and _is_caption(body[-1]):
                removed.captions.append(body.pop())
                removed.add("photo_caption")
            continue
        # An inline credit ends the paragraph with ")" (the kernel lists such paragraphs besides matches).
        inline = INLINE_CREDIT.search(para) if para.rstrip().endswith(")") else None
        if inline and len(para) - len(inline.group(0)) > 0:
            _record(removed, "photo_credit", "photo_credits", inline)
            caption = para[: inline.start()].strip()
            if body and _is_caption(caption):
                removed.captions.append(caption)
                removed.add("photo_caption")
                continue
            para = caption
        body.append(para)
    body += paras[done:]
    return body, removed


_PROMO = next(r for r in RULES if r.name == "trailer_link_promo")


def is_promo(text: str) -> bool:
    """A line that points to other stories ("Read more", "Lesen Sie auch"), not the article's."""
    return _PROMO.match(text) is not None


def _matching_rule(rules: list[Rule], paragraph: str) -> tuple[Rule | None, re.Match[str] | None]:
    for rule in rules:
        m = rule.match(paragraph)
        if m:
            return rule, m
    return None, None


def _record(removed: Removed, name: str, capture: str | None, m: re.Match[str]) -> None:
    removed.add(name)
    value = (m.groupdict().get("value") or "").strip(" .;")
    if not value:
        return
    if capture == "source_site" and removed.source_site is None:
        removed.source_site = value
    elif capture == "photo_credits":
        removed.photo_credits.append(value)
    elif capture == "signoff":
        removed.signoffs.append(value)


def _is_caption(text: str) -> bool:
    """A short paragraph next to a photo credit that does not open with a dateline: a caption. (The
    callers also keep the first paragraph of a body: it is the lead, "LONDON, Jan 5 - ..." and all.)"""
    return 0 < len(text.split()) <= 30 and parse.extract_dateline(text)[0] is None


# Wire copy tags companies with tickers ("British Petroleum Co Plc <BP>") and names ("<Standard Oil Co>").
# Tickers are cut by the kernel (`cut_tickers`: the regex `\s*<([A-Z0-9][A-Z0-9.&-]{0,9})>`, hand-coded).
_TAGGED_NAME = re.compile(r"<([^<>\n]{2,80})>")


def strip_ticker_tags(text: str) -> tuple[str, list[str]]:
    """Text without `<TICKER>` tags (names in angle brackets keep their words) and the tickers."""
    if "<" not in text:
        return text, []
    text, tickers = cut_tickers(text)
    text = _TAGGED_NAME.sub(r"\1", text)
    return text, tickers


def agencies_in(removed: Removed, dateline: str | None) -> list[str]:
    """Agencies credited by photo credits, sign-offs and the dateline, canonicalised."""
    found: list[str] = []
    for text in [*removed.photo_credits, *removed.signoffs, dateline or ""]:
        for name in find_agencies(text):
            if name not in found:
                found.append(name)
    return found
