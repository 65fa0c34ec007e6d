"""Describe stage: per-article metadata (language, counts, hashes, dates)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata

_WORD = re.compile(r"\w+")
# Over ASCII, `\w` is [A-Za-z0-9_]: mapping those bytes to "a" and every other byte to a space
# leaves the words space-separated, and bytes.split counts them in C (3.5x faster than findall).
_ASCII_WORDS = bytes(0x61 if b < 128 and re.fullmatch(r"\w", chr(b)) else 0x20 for b in range(256))
_FILENAME_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})[-_]?(0[1-9]|1[0-2])[-_]?(0[1-9]|[12]\d|3[01])(?!\d)")


def normalize_for_hash(text: str) -> str:
    """Body text with Unicode compatibility forms, case and whitespace folded."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return " ".join(text.casefold().split())  # str.split() breaks on exactly the whitespace \s matches


def content_hash(body: str) -> str:
    """Exact-duplicate key: 128-bit BLAKE2b of the normalized body."""
    return hashlib.blake2b(normalize_for_hash(body).encode("utf-8"), digest_size=16).hexdigest()


def doc_id(raw_sha256: str, rel_path: str) -> str:
    """Stable id of one raw input: its bytes and its place under the raw root."""
    return hashlib.blake2b(f"{raw_sha256}\0{rel_path}".encode(), digest_size=8).hexdigest()


def count_words(text: str) -> int:
    if text.isascii():
        return len(text.encode("ascii").translate(_ASCII_WORDS).split())
    return len(_WORD.findall(text))


_langid = None


def _language_identifier():
    """py3langid's identifier, walking its automaton over a batch of texts with numpy.

    py3langid walks its byte automaton one byte at a time in Python: measured, 40 % of a
    document's processing time. Here one numpy step advances the automaton by one byte in every
    text of a batch at once (the same transitions, so the same features). Features are then
    counted in first-seen order, as py3langid's Counter does, so the Naive-Bayes sum and the
    score are bit-for-bit py3langid's (tests/test_describe.py compares them).
    """
    import numpy as np
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    class BatchIdentifier(LanguageIdentifier):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._moves = np.frombuffer(self.tk_nextmove, dtype=f"u{self.tk_nextmove.itemsize}")
            self._rows = np.asarray(self._rowbase, dtype=np.int64)
            self._outputs = np.asarray(self.tk_output, dtype=np.int64)
            # float16 rows would be widened on every call anyway (the matmul is float32): widen once.
            self._table = self.nb_ptc.astype(np.float32)
            # Scratch per feature for counting without sorting; always reset after use.
            self._first = np.full(len(self._table), np.iinfo(np.int64).max, dtype=np.int64)
            self._counts = np.zeros(len(self._table), dtype=np.int64)
            self._walked: dict[bytes, np.ndarray] = {}

        def classify_batch(self, texts: list[str]) -> list[tuple[str, float]]:
            encoded = [self._encode(text) for text in texts]
            self._walked = dict(zip(encoded, self._walk(encoded), strict=True))
            try:
                return [self.classify(text) for text in encoded]  # classify() finds each walk ready
            finally:
                self._walked = {}

        def _walk(self, texts: list[bytes]) -> list[np.ndarray]:
            """Feature ids emitted along each text, in order (one automaton step per byte position).

            Texts are walked longest first, so the texts still running at a position are a prefix
            of the batch: a step only touches those (not the padding of shorter texts, which was
            most of the work, each step being random reads in a 40 MB table).
            """
            lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
            order = np.argsort(-lengths, kind="stable")
            lengths = lengths[order]
            longest = int(lengths.max(initial=0))
            data = np.zeros((longest, len(texts)), dtype=np.uint8)  # position-major: each step reads a row
            data.T[np.arange(longest) < lengths[:, None]] = np.frombuffer(
                b"".join([texts[i] for i in order.tolist()]), dtype=np.uint8
            )
            running = len(texts) - np.searchsorted(lengths[::-1], np.arange(longest), side="right")
            states = np.zeros(len(texts), dtype=np.int64)
            visited = np.empty((longest, len(texts)), dtype=np.int64)
            for position, k in enumerate(running.tolist()):
                states = self._moves[self._rows[states[:k]] + data[position, :k]]
                visited[position, :k] = states
            walks: list[np.ndarray] = [np.empty(0, dtype=np.int64)] * len(texts)
            for column, (i, n) in enumerate(zip(order.tolist(), lengths.tolist(), strict=True)):
                walks[i] = self._outputs[visited[:n, column]]
            return walks

        def _raw_score(self, text: bytes):
            emitted = self._walked.get(text)
            features = emitted if emitted is not None else self._walk([text])[0]
            features = features[features >= 0]
            if not len(features):
                return super()._raw_score(b"")
            positions = np.arange(len(features))
            np.minimum.at(self._first, features, positions)
            np.add.at(self._counts, features, 1)
            ids = features[self._first[features] == positions]  # each feature once, first-seen order
            counts = self._counts[ids]
            self._first[ids] = np.iinfo(np.int64).max
            self._counts[ids] = 0
            return np.log1p(counts.astype(np.float32)) @ self._table[ids] + self.nb_pc

    return BatchIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def load_language_model() -> None:
    """Load the language model now (before worker processes fork, so they share it)."""
    global _langid
    if _langid is None:
        _langid = _language_identifier()


def detect_languages(texts: list[str]) -> list[tuple[str | None, float | None]]:
    """ISO 639-1 code and probability of each text, from py3langid (its model ships inside the package).

    Batches are much faster than one text at a time (the automaton walks all texts together).
    """
    samples = [text[:600] for text in texts]  # enough for a confident guess; cost grows with length
    known = [i for i, sample in enumerate(samples) if count_words(sample) >= 3]
    found: list[tuple[str | None, float | None]] = [(None, None)] * len(texts)
    if known:
        load_language_model()
        for i, (lang, prob) in zip(known, _langid.classify_batch([samples[i] for i in known]), strict=True):
            found[i] = (str(lang), round(float(prob), 4))
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
