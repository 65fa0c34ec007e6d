"""People, organizations and places in the languages newsrooms write, not only English wire copy.

Every text here was written for these tests.
"""

from __future__ import annotations

import pytest

from pipeline.enrich import gazetteer, metadata, wordlists


def describe(*paragraphs: str) -> metadata.Metadata:
    return metadata.extract_metadata("", list(paragraphs), None, agencies=[], published_at=None, word_count=50)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("de", "Die Regierung hat am Montag beschlossen, dass die Steuern nicht steigen werden."),
        ("fr", "Le gouvernement a décidé lundi que les impôts ne seront pas augmentés dans le pays."),
        ("es", "El gobierno decidió el lunes que los impuestos no subirán en el país este año."),
        ("it", "Il governo ha deciso lunedì che le tasse non saranno aumentate nel paese."),
        ("nl", "De regering heeft maandag besloten dat de belastingen niet zullen stijgen in het land."),
        ("pt", "O governo decidiu na segunda-feira que os impostos não vão subir no país."),
        ("en", "The government decided on Monday that taxes will not rise this year."),
        ("de", "„Ich konnte nichts machen“, klagt Dumbreck."),
        ("en", "Shr 1.20 dlrs vs 1.10"),
    ],
)
def test_the_language_of_a_text_is_guessed_from_its_commonest_words(language, text):
    assert wordlists.guess_language(text) == language


def test_german_titles_are_stripped_and_given_names_mark_people():
    meta = describe(
        "Bundeskanzlerin Angela Merkel sprach am Montag mit Außenminister Sergej Lawrow.",
        "Später traf Merkel den SPD-Chef Kurt Beck, und Frank-Walter Steinmeier schwieg.",
    )
    assert meta.people == ["Angela Merkel", "Sergej Lawrow", "Kurt Beck", "Frank-Walter Steinmeier"]


def test_a_lone_german_surname_next_to_a_reporting_verb_or_opening_a_sentence_is_a_person():
    assert describe("Die Lage sei ernst, sagte Schulte am Abend.").people == ["Schulte"]
    assert describe("Schulte bestätigte am Donnerstag die Angaben.").people == ["Schulte"]
    assert describe("Danach sagte die Regierung nichts mehr.").people == []


def test_parties_institutions_agencies_and_acronyms_are_organizations():
    meta = describe("Die SPD und die CDU stritten im Bundestag, berichtete die dpa. Der ORF übertrug live.")
    assert meta.organizations == ["SPD", "CDU", "Bundestag", "ORF", "dpa"]
    assert meta.people == []


def test_countries_and_cities_by_their_german_names_and_inflections():
    meta = describe("Deutschlands Exporte nach Frankreich stiegen. In Wien und München wurde verhandelt.")
    assert meta.places == ["Germany", "France", "Vienna", "Munich"]
    assert meta.countries == ["DE", "FR", "AT"]


@pytest.mark.parametrize(
    ("text", "country"),
    [
        ("Les exportations vers l'Allemagne ont augmenté cette année.", "DE"),
        ("Las exportaciones a Alemania aumentaron este año en el sector.", "DE"),
        ("Le esportazioni verso la Germania sono aumentate nel settore.", "DE"),
        ("De export naar Duitsland is dit jaar gestegen in het land.", "DE"),
        ("As exportações para a Alemanha aumentaram este ano no setor.", "DE"),
    ],
)
def test_countries_by_their_names_in_each_supported_language(text, country):
    assert country in describe(text).countries


def test_a_common_word_of_the_language_is_no_place():
    meta = describe("Das Essen war kalt, und einige Male fiel der Strom aus.")
    assert meta.places == []


def test_a_place_inside_a_person_or_club_name_is_no_place():
    assert describe("Charles Kennedy said the party would win.").places == []
    meta = describe("Der VfB Stuttgart verlor gegen Real Madrid, sagte der Trainer.")
    assert meta.organizations == ["VfB Stuttgart", "Real Madrid"]
    assert meta.places == []


def test_a_place_named_outside_a_name_stays():
    meta = describe("Der VfB Stuttgart spielt heute in Stuttgart.")
    assert meta.places == ["Stuttgart"]


def test_fragments_of_organizations_are_not_people():
    assert describe("General Motors said its Premier League sponsorship ends.").people == []


def test_streets_and_squares_are_places():
    meta = describe("Der Unfall geschah in der Richard-Wagner-Straße nahe dem Pariser Platz, nicht auf dem Parkplatz.")
    assert meta.places == ["Richard-Wagner-Straße", "Pariser Platz"]


def test_a_lower_case_role_before_a_name_in_romance_languages():
    assert describe("Le gouvernement a réagi, a déclaré le président Macron devant les journalistes.").people == [
        "Macron"
    ]


def test_german_quotes_are_attributed_to_the_person_named():
    meta = describe("Bundeskanzlerin Angela Merkel war zufrieden.", "„Wir haben viel erreicht“, sagte Merkel am Abend.")
    assert [(q.text, q.speaker) for q in meta.quotes] == [("Wir haben viel erreicht", "Angela Merkel")]


def test_english_text_keeps_english_rules():
    meta = describe("President Reagan said the U.S. Treasury would act. The SEC declined comment.")
    assert meta.people == ["Reagan"]
    assert "SEC" not in meta.organizations  # unknown acronyms name organizations only where the language says so


def test_given_names_come_from_the_shipped_names_list():
    names = gazetteer.tables().given_names
    assert {"Angela", "Sergej", "Kurt"} <= names
    assert "Paris" not in names  # a place first


def test_reporting_verbs_of_each_language_attribute_quotes():
    meta = describe("El presidente Pedro Sánchez habló el lunes.", '"Hemos hecho mucho por el país", dijo Sánchez.')
    assert [(q.text, q.speaker) for q in meta.quotes] == [("Hemos hecho mucho por el país", "Pedro Sánchez")]
