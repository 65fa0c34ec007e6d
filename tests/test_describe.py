"""Language detection: the batched automaton walk gives exactly py3langid's own answers."""

from __future__ import annotations

import pytest
from py3langid.langid import MODEL_FILE, LanguageIdentifier

from pipeline import describe

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
