"""Language identification: py3langid's model and answers, computed a batch of texts at a time.

py3langid walks a byte automaton one byte at a time in Python and scores one text per call:
measured, 40 % of a document's processing time. Here:
- a compiled kernel (pipeline/kernels/language.pyx) walks the automaton over every text of a batch (the
  same transitions, so the same features), counts each text's features in first-seen order, as
  py3langid's Counter does, and gathers their rows of the score table;
- numpy scores each text by the same float32 vector-matrix product, so the Naive-Bayes sums are
  bit-for-bit py3langid's (tests/test_describe.py and tests/test_language.py compare them); the
  element-wise steps and the normalisation to probabilities run once per batch;
- the model is read from py3langid's LZMA-compressed file once, then kept as plain .npy arrays
  in the user cache and memory-mapped: loading went from ~0.6 s to a few ms per process, and
  worker processes share its pages.
"""

from __future__ import annotations

import functools
import itertools
import math
import os
import shutil
import unicodedata
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import numpy as np

from pipeline.io.cache import cache_path
from pipeline.kernels.language import FeatureCounts

_ARRAYS = ("moves", "rows", "outputs", "table", "prior", "classes")


@dataclass(frozen=True, slots=True)
class LanguageModel:
    """py3langid's model as flat arrays."""

    moves: np.ndarray  # the automaton's distinct transition rows, 256 entries each, flat (uint32)
    rows: np.ndarray  # state → offset of its transition row in `moves` (int64)
    outputs: np.ndarray  # state → feature id emitted on entering it, or -1 (int64)
    table: np.ndarray  # feature x class log-probabilities (float32: the product is float32)
    prior: np.ndarray  # class log-priors (float32)
    classes: np.ndarray  # class labels (str); a label may appear twice (script aliases)

    def classify(self, texts: list[str]) -> list[tuple[str, float]]:
        """py3langid's `classify` (normalized probabilities) of each text."""
        if not texts:
            return []
        encoded = [_encode(text) for text in texts]
        scores = self._raw_scores(encoded)
        # py3langid's _decide, on the whole batch: the same float32 operations row by row.
        scores *= np.array([1.0 / math.sqrt(len(text) or 1) for text in encoded], dtype=np.float32)[:, None]
        np.exp(scores - scores.max(axis=1, keepdims=True), out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        for first, alias in _alias_pairs(tuple(self.classes.tolist())):
            scores[:, first] += scores[:, alias]
            scores[:, alias] = 0.0
        best = scores.argmax(axis=1)
        return list(zip(self.classes[best].tolist(), scores[np.arange(len(texts)), best].tolist(), strict=True))

    def _raw_scores(self, texts: list[bytes]) -> np.ndarray:
        """py3langid's Naive-Bayes score of each text: log1p(count) of each feature, in first-seen order, times its row.

        The product is numpy's, one text at a time as py3langid computes it (its float32 sums
        depend on the order BLAS adds them in). log1p and the prior's addition act element by
        element, so they run once per batch with the same results.
        """
        features = FeatureCounts(texts, self.moves, self.rows, self.outputs, self.table)
        weights = np.log1p(features.counts)
        scores = np.zeros((len(texts), len(self.classes)), dtype=np.float32)
        for i, (start, end) in enumerate(itertools.pairwise(features.offsets.tolist())):
            if start < end:
                np.matmul(weights[start:end], features.table_rows(i), out=scores[i])
        scores[np.diff(features.offsets) > 0] += self.prior  # a featureless text scores 0, as in py3langid
        return scores


def _encode(text: str) -> bytes:
    """The bytes py3langid scores: an all-capitals text lower-cased, NFC, UTF-8."""
    if text.isupper():
        text = text.lower()
    return unicodedata.normalize("NFC", text).encode("utf-8", errors="surrogatepass")


@functools.cache
def _alias_pairs(classes: tuple[str, ...]) -> list[tuple[int, int]]:
    """(first, alias) columns of labels that appear twice: py3langid adds the alias's probability to the first."""
    first: dict[str, int] = {}
    pairs = []
    for i, label in enumerate(classes):
        if label in first:
            pairs.append((first[label], i))
        else:
            first[label] = i
    return pairs


@functools.cache
def load_model() -> LanguageModel:
    """The model, once per process: memory-mapped from the user cache, built there on first use.

    The cache (`$XDG_CACHE_HOME/newsetl`, default `~/.cache/newsetl`) is keyed by py3langid's
    version and this module's source, written atomically, and only an optimisation: when it
    cannot be written the model is built in memory.
    """
    folder = _cache_dir()
    try:
        # np.asarray: plain arrays over the mapping (np.memmap's subclass hooks cost on every operation)
        return LanguageModel(**{name: np.asarray(np.load(folder / f"{name}.npy", mmap_mode="r")) for name in _ARRAYS})
    except FileNotFoundError:
        pass
    except (OSError, ValueError):  # damaged (a disk error, a file truncated by hand): rebuilt below
        shutil.rmtree(folder, ignore_errors=True)
    model = _build_model()
    tmp = folder.with_name(f".{folder.name}.{os.getpid()}.tmp")
    try:
        tmp.mkdir(parents=True, exist_ok=True)
        for name in _ARRAYS:
            np.save(tmp / f"{name}.npy", getattr(model, name), allow_pickle=False)
        os.replace(tmp, folder)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)  # a read-only home, or another process cached it first
    return model


def _cache_dir() -> Path:
    return cache_path("langid", "", Path(__file__).read_bytes(), version("py3langid").encode())


def _build_model() -> LanguageModel:
    """The model from py3langid's own file (~0.6 s: LZMA decompression and conversions)."""
    from py3langid.langid import MODEL_DIR, MODEL_FILE
    from py3langid.modelio import load_model as load_model_file

    ptc, pc, classes, nextmove, row, output = load_model_file(MODEL_DIR / MODEL_FILE)
    return LanguageModel(
        moves=np.frombuffer(nextmove, dtype=f"u{nextmove.itemsize}").astype(np.uint32, copy=False),  # kernel: uint32
        rows=np.asarray(row, dtype=np.int64) << 8,
        outputs=np.asarray(output, dtype=np.int64),
        table=np.asarray(ptc).astype(np.float32),
        prior=np.asarray(pc, dtype=np.float32),
        classes=np.array(classes),
    )
