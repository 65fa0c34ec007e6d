"""Describe stage: per-article metadata (language, counts, hashes, dates)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

# Compiled (pipeline/_shingles.pyx): one pass over the text, without building its words.
from pipeline.kernels.shingles import count_words, normalize_for_hash

_FILENAME_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})[-_]?(0[1-9]|1[0-2])[-_]?(0[1-9]|[12]\d|3[01])(?!\d)")


def content_hash(body: str) -> str:
    """Exact-duplicate key: 128-bit BLAKE2b of the normalized body."""
    return hash_normalized(normalize_for_hash(body))


def hash_normalized(normalized: bytes) -> str:
    """128-bit BLAKE2b of a text already through `normalize_for_hash`, as hex."""
    return hashlib.blake2b(normalized, digest_size=16).hexdigest()


def doc_id(raw_sha256: str, rel_path: str) -> str:
    """Stable id of one raw input: its bytes and its place under the raw root."""
    return hashlib.blake2b(f"{raw_sha256}\0{rel_path}".encode(), digest_size=8).hexdigest()


def load_language_model() -> None:
    """Load the language model now (before worker processes fork, so they share it)."""
    from pipeline.enrich import language

    language.load_model()


def detect_languages(texts: list[str]) -> list[tuple[str | None, float | None]]:
    """ISO 639-1 code and probability of each text, from py3langid's model (it ships inside the package).

    Batches are much faster than one text at a time (pipeline/language.py says why).
    """
    samples = [text[:600] for text in texts]  # enough for a confident guess; cost grows with length
    known = [i for i, sample in enumerate(samples) if count_words(sample) >= 3]
    found: list[tuple[str | None, float | None]] = [(None, None)] * len(texts)
    if known:
        from pipeline.enrich import language

        for i, (lang, prob) in zip(known, language.load_model().classify([samples[i] for i in known]), strict=True):
            found[i] = (lang, round(prob, 4))
    return found


def detect_language(text: str) -> tuple[str | None, float | None]:
    return detect_languages([text])[0]


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
