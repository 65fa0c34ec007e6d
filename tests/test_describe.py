"""Language detection: the batched automaton walk gives exactly py3langid's own answers."""

from __future__ import annotations

import hashlib

import pytest
from py3langid.langid import MODEL_FILE, LanguageIdentifier

from pipeline.enrich import describe

TEXTS = [
    "The council voted on Tuesday to close the old harbour bridge to cars from next spring.",
    "Der Stadtrat hat am Dienstag beschlossen, die alte Hafenbrücke im Frühjahr für Autos zu sperren.",
    "Le conseil municipal a voté mardi la fermeture du vieux pont du port aux voitures.",
    "El ayuntamiento votó el martes cerrar el viejo puente del puerto a los coches.",
    "Городской совет во вторник проголосовал за закрытие старого моста для автомобилей.",
    "市議会は火曜日、古い港の橋を来春から車両通行止めにすることを決めた。 橋 の 鉄骨 が 腐食",
    "مجلس المدينة صوت يوم الثلاثاء على إغلاق الجسر القديم أمام السيارات",
    "SHR PROFIT THREE CTS VS LOSS SEVEN CTS NET 1,234,000 VS LOSS 2,345,000",
    "a b c",
    "ok ok ok ok ok ok ok ok",
]


@pytest.fixture(scope="module")
def reference():
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def test_batched_detection_matches_py3langid_exactly(reference):
    expected = []
    for text in TEXTS:
        lang, prob = reference.classify(text[:600])
        expected.append((lang, round(float(prob), 4)))
    assert describe.detect_languages(TEXTS) == expected


def test_one_text_alone_gets_the_same_answer_as_in_a_batch():
    batch = describe.detect_languages(TEXTS)
    assert [describe.detect_language(text) for text in TEXTS] == batch


def test_fewer_than_three_words_has_no_language():
    assert describe.detect_languages(["Breaking", "two words", "three words here"])[:2] == [(None, None)] * 2


def test_normalized_text_folds_case_compatibility_forms_and_whitespace_to_utf8():
    # str.split()'s whitespace, with the ASCII information separators (\x1c-\x1f) and NBSP;
    # a zero-width space is not whitespace and stays.
    text = "  Straße\u00a0\tCAFÉ\r\n ﬁnal\x1cend a\u200bb  "
    assert describe.normalize_for_hash(text) == "strasse café final end a\u200bb".encode()
    assert describe.normalize_for_hash("Hello,\n\n  WORLD ") == b"hello, world"
    assert describe.normalize_for_hash(" \t\n") == b""


def test_content_hash_is_blake2b_of_the_normalized_utf8_text():
    expected = hashlib.blake2b("strasse café".encode(), digest_size=16).hexdigest()
    assert describe.content_hash("STRASSE   Café") == describe.content_hash("Straße\ncafé") == expected


def test_normalizing_a_lone_surrogate_fails_as_utf8_encoding_does():
    with pytest.raises(UnicodeEncodeError, match="surrogates not allowed"):
        describe.normalize_for_hash("ok \ud800")


def test_words_are_counted_as_runs_of_word_characters():
    assert describe.count_words("Don't stop_now: 3.14 km") == 6  # don, t, stop_now, 3, 14, km
    assert describe.count_words("") == 0
    assert describe.count_words("  -- !! ") == 0
    assert describe.count_words("naïve café\u00a0x\u0301y ٣٤ 𝐇𝐢") == 6
