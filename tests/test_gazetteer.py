"""Places, nationality adjectives and organizations from the gazetteers, with ISO country codes."""

from __future__ import annotations

import pickle

import pytest

from pipeline.enrich import entities, gazetteer
from pipeline.kernels import names as _names


def find_mentions(text: str) -> gazetteer.Mentions:
    return gazetteer.find_mentions(text, entities.find_runs(text))


def names(text: str) -> list[str]:
    return [p.name for p in find_mentions(text).places]


def test_countries_cities_states_and_regions_are_found_with_their_country():
    m = find_mentions("Talks in Moscow on Nagorno-Karabakh between Armenia and Azerbaijan; Ohio watched.")
    assert [(p.name, p.country) for p in m.places] == [
        ("Moscow", "RU"),
        ("Nagorno-Karabakh", "AZ"),
        ("Armenia", "AM"),
        ("Azerbaijan", "AZ"),
        ("Ohio", "US"),
    ]


def test_news_spellings_of_countries_map_to_iso_codes():
    m = find_mentions("The U.S., Britain, West Germany, the Soviet Union and the UAE agreed.")
    assert [p.country for p in m.places] == ["US", "GB", "DE", "SU", "AE"]


def test_a_hit_whose_lower_case_is_no_known_name_names_nothing_instead_of_failing():
    # İ (dotted capital I) matches "i" case-insensitively but lower-cases to two characters.
    m = find_mentions("Officials in Rİga and in Riga said talks would go on.")
    assert [p.name for p in m.places] == ["Riga"]


def test_all_caps_headlines_match_but_short_caps_words_do_not():
    assert names("JAPAN TRADE SURPLUS WIDENS IN MAY") == ["Japan"]
    assert names("OR and ME are abbreviations; US is a country") == ["United States"]


def test_longest_name_wins_and_compounds_do_not_match():
    assert names("New York and South Korea") == ["New York", "South Korea"]
    assert names("ex-Soviet states met McDonald") == []


def test_names_spanning_lower_case_words_and_in_non_ascii_text_are_found():
    m = find_mentions("The General Agreement on Tariffs and Trade met in Łódź and Warsaw.")
    assert m.organizations == ["GATT"]
    assert [p.name for p in m.places] == ["Łódź", "Warsaw"]


def test_compounds_hide_the_names_they_span():
    m = find_mentions("Texas-New Mexico Power Co and U.S.-WEST GERMAN talks in Japan")
    assert [p.name for p in m.places] == ["Japan"]
    assert [code for _, code in m.country_hits] == ["JP"]
    assert names("U.S.-Japan talks") == []


def test_names_are_found_in_capitals_across_repeated_blanks_and_spanning_runs():
    text = "MOSCOW and Moscow; Hong  Kong; talks in\tJapan and Trinidad and Tobago"
    assert names(text) == ["Moscow", "Hong Kong", "Japan", "Trinidad and Tobago"]


def test_nationality_adjectives_give_countries_not_places():
    m = find_mentions("Armenian Prime Minister and Azerbaijani President met Japanese officials.")
    assert m.places == []
    assert [code for _, code in m.country_hits] == ["AM", "AZ", "JP"]


def test_organizations_by_name_and_by_acronym_in_capitals_only():
    m = find_mentions("The IMF, the World Bank and the Fed met. They were fed up.")
    assert m.organizations == ["International Monetary Fund", "World Bank", "Federal Reserve"]


def test_ambiguous_city_names_are_not_places_in_prose():
    assert names("Reading the report, Jackson said Mobile phones sell in May.") == []


def test_dateline_places_include_small_towns_states_and_exonyms():
    assert gazetteer.lookup_dateline_place("CLEVELAND", None).country == "US"
    assert gazetteer.lookup_dateline_place("GREENWICH", "Conn.") == gazetteer.Place("Greenwich", "US", "city")
    assert gazetteer.lookup_dateline_place("Wien", None) == gazetteer.Place("Vienna", "AT", "city")
    assert gazetteer.lookup_dateline_place("Nowhereville", None) is None


def test_reuters_place_labels_map_to_iso_codes():
    labels = ["usa", "west-germany", "uk", "ussr", "hong-kong", "east-germany", "ivory-coast", "south-korea"]
    assert [gazetteer.country_of(x) for x in labels] == ["US", "DE", "GB", "SU", "HK", "DD", "CI", "KR"]


def spans(trie: _names.NameTrie, text: str) -> list[str]:
    return [text[start:end] for start, end in trie.find_all(text)]


def test_name_trie_matches_the_longest_key_in_any_case_after_a_capital():
    trie = _names.NameTrie(["new york", "new", "newark"])
    assert spans(trie, "New York, NEWARK and New") == ["New York", "NEWARK", "New"]
    assert spans(trie, "new york") == []  # a name is written with its capital
    assert trie.match_end("see New  York", 4) == 13  # a space of the key is any run of white space
    assert trie.match_end("see New\u3000York", 4) == 12
    assert trie.match_end("see New York", 3) == -1


def test_name_trie_takes_a_shorter_key_when_a_longer_one_runs_into_a_word():
    trie = _names.NameTrie(["japan", "new", "new york"])
    assert spans(trie, "Japanese Japan's Japan’s Japan-based Japan.com Japan.") == ["Japan"]
    assert spans(trie, "New Yorker") == ["New"]  # "New York" runs into "er": back to "New"
    assert spans(trie, "New_") == []


def test_name_trie_folds_case_as_python_re_does():
    trie = _names.NameTrie(["stockholm", "o'hare", "riga", "swiss"])
    assert spans(trie, "STOCKHOLM Stockholm ſtockholm") == ["STOCKHOLM", "Stockholm"]  # the capital as written
    assert spans(trie, "Swiſs SWIſS") == ["Swiſs", "SWIſS"]  # re folds the long s to s
    assert spans(trie, "O'Hare O’HARE") == ["O'Hare", "O’HARE"]
    assert spans(trie, "Rİga") == ["Rİga"]  # re folds İ to i, one character to one


def test_a_pickled_name_trie_finds_what_the_built_one_finds():
    """The gazetteer's cache keeps the trie as its arrays; unpickled, it matches the same spans (the
    memo of folds beyond ASCII is rebuilt as it is used)."""
    built = _names.NameTrie(["new york", "new", "newark", "stockholm", "o'hare", "riga", "swiss", "japan"])
    loaded = pickle.loads(pickle.dumps(built))
    text = "New York, NEWARK and New; STOCKHOLM ſtockholm Swiſs O’HARE Rİga Japan's Japanese Japan, new york"
    assert spans(loaded, text) == spans(built, text) == [
        "New York", "NEWARK", "New", "STOCKHOLM", "Swiſs", "O’HARE", "Rİga", "Japan",
    ]  # fmt: skip
    assert spans(pickle.loads(pickle.dumps(_names.NameTrie([]))), text) == []
    with pytest.raises(ValueError, match="inconsistent"):
        _names._trie_from_arrays(2, 1, b"", b"", b"", b"", b"", b"")


def test_name_trie_rejects_a_key_whose_capital_is_two_letters():
    with pytest.raises(ValueError, match="one letter"):
        _names.NameTrie(["ßtadt"])


@pytest.mark.parametrize(
    "broken",
    [b"not a pickle", b"cno_such_module_here\nPlace\n."],  # garbage; a pickle naming a module that is gone
    ids=["garbage", "missing-module"],
)
def test_tables_are_cached_on_disk_and_rebuilt_when_the_cache_is_unreadable(tmp_path, monkeypatch, broken):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    path = gazetteer._cache_path()
    assert path.is_relative_to(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_bytes(broken)
    gazetteer.tables.cache_clear()
    try:
        built = gazetteer.tables()
        assert built.prose["moscow"].country == "RU"
        cached = pickle.loads(path.read_bytes())  # the broken file was replaced by a good one
        assert cached[0]["moscow"] == built.prose["moscow"]
        gazetteer.tables.cache_clear()
        assert gazetteer.tables().dateline == built.dateline  # and is read back
    finally:
        gazetteer.tables.cache_clear()
