"""Describe stage: per-article metadata (language, counts, hashes, dates)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata

_WS = re.compile(r"\s+")
_WORD = re.compile(r"\w+")
_FILENAME_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})[-_]?(0[1-9]|1[0-2])[-_]?(0[1-9]|[12]\d|3[01])(?!\d)")


def normalize_for_hash(text: str) -> str:
    """Body text with Unicode compatibility forms, case and whitespace folded."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return _WS.sub(" ", text.casefold()).strip()


def content_hash(body: str) -> str:
    """Exact-duplicate key: 128-bit BLAKE2b of the normalized body."""
    return hashlib.blake2b(normalize_for_hash(body).encode("utf-8"), digest_size=16).hexdigest()


def doc_id(raw_sha256: str, rel_path: str) -> str:
    """Stable id of one raw input: its bytes and its place under the raw root."""
    return hashlib.blake2b(f"{raw_sha256}\0{rel_path}".encode(), digest_size=8).hexdigest()


def count_words(text: str) -> int:
    return len(_WORD.findall(text))


_langid = None


def detect_language(text: str) -> tuple[str | None, float | None]:
    """ISO 639-1 code and probability, from py3langid (its model ships inside the package)."""
    global _langid
    sample = text[:600]  # enough for a confident guess; cost grows with length
    if count_words(sample) < 3:
        return None, None
    if _langid is None:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        _langid = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    lang, prob = _langid.classify(sample)
    return str(lang), round(float(prob), 4)


def parse_timestamp(value: str | None) -> dt.datetime | None:
    """An ISO 8601 sidecar value as an aware datetime (naive means UTC); None when absent or unparsable."""
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def published_from(rel_path: str, sidecar: dict[str, str]) -> dt.datetime | None:
    """Publication time from the sidecar metadata, else a date in the file name (2019-04-16_...)."""
    parsed = parse_timestamp(sidecar.get("published_at") or sidecar.get("published") or sidecar.get("date"))
    if parsed is not None:
        return parsed
    m = _FILENAME_DATE.search(rel_path.rsplit("/", 1)[-1])
    if m:
        try:
            return dt.datetime(int(m[1]), int(m[2]), int(m[3]), tzinfo=dt.UTC)
        except ValueError:
            return None
    return None
