"""The language model's disk cache: built once, then memory-mapped, and never a different answer."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.enrich import language
from tests.test_describe import TEXTS


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    language.load_model.cache_clear()
    yield tmp_path
    language.load_model.cache_clear()


def test_first_load_writes_the_cache_and_the_next_maps_it_with_the_same_answers(fresh_cache):
    built = language.load_model()
    assert not isinstance(built.table, np.memmap) and not list(fresh_cache.rglob("*.tmp"))
    assert sorted(p.name for p in fresh_cache.glob("newsetl/langid-*/*.npy")) == sorted(
        f"{name}.npy" for name in ("moves", "rows", "outputs", "table", "prior", "classes")
    )
    language.load_model.cache_clear()
    mapped = language.load_model()
    assert mapped.table.base is not None  # a view over the mapped file, not a copy
    assert mapped.classify(TEXTS) == built.classify(TEXTS)


def test_an_unwritable_cache_only_costs_time(fresh_cache):
    (fresh_cache / "newsetl").write_text("a file where the cache folder would go")
    assert [lang for lang, _ in language.load_model().classify(TEXTS[:2])] == ["en", "de"]


def test_a_damaged_cache_file_is_rebuilt_not_trusted(fresh_cache):
    expected = language.load_model().classify(TEXTS)
    (table,) = fresh_cache.glob("newsetl/langid-*/table.npy")
    size = table.stat().st_size
    table.write_bytes(table.read_bytes()[:1000])
    language.load_model.cache_clear()
    assert language.load_model().classify(TEXTS) == expected
    assert table.stat().st_size == size  # and cached again


# Texts the compiled walk must treat exactly as py3langid: more than one block of walked texts
# (16), lengths that end walks at different byte positions, nothing to walk, one byte, bytes of
# every UTF-8 length, combining marks (NFC), all capitals (lower-cased), control characters.
ODD_TEXTS = [
    "",
    " ",
    "a",
    "\u00e9",
    "e\u0301te\u0301 a\u0300 Paris",
    "THE HARBOUR BRIDGE CLOSES IN SPRING",
    "tab\tseparated\tvalues\r\nand a carriage return\r",
    "no\u00a0break\u00a0spaces and \u2028 a line separator",
    "emoji \U0001f600 and gothic \U00010348 letters",
    "ok " * 400,
    "Zahlen 1234567890 und Wörter, Straße, Größe.",
    "東京の天気は晴れ。明日は雨が降るでしょう。",
    "Съешь же ещё этих мягких французских булок",
    "\u0627\u0644\u0633\u0644\u0627\u0645 \u0639\u0644\u064a\u0643\u0645 \u0661\u0662\u0663",
    "\x00\x01\x02 control bytes",
    "x" * 5000,
] + [text[: 7 * i] for i, text in enumerate(TEXTS * 3)]


@pytest.fixture(scope="module")
def reference():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def test_a_batch_of_odd_texts_gets_py3langids_answer_for_each_text(reference):
    assert language.load_model().classify(ODD_TEXTS) == [reference.classify(text) for text in ODD_TEXTS]


def test_each_text_scores_bit_for_bit_as_py3langid_whatever_its_batch(reference):
    model = language.load_model()
    scores = model._raw_scores([reference._encode(text) for text in ODD_TEXTS])
    for text, got in zip(ODD_TEXTS, scores, strict=True):
        expected = reference._raw_score(reference._encode(text))
        assert got.tobytes() == expected.tobytes(), text
    alone = model._raw_scores([reference._encode(ODD_TEXTS[4])])
    assert alone.tobytes() == scores[4].tobytes()
