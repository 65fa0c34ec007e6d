"""People and organizations found by the patterns news prose marks them with."""

from __future__ import annotations

from pipeline.enrich import entities, gazetteer


def find(text: str) -> entities.Names:
    runs = entities.find_runs(text)
    return entities.find_names(text, runs, gazetteer.find_mentions(text, runs).organizations)


def runs(text: str) -> list[str]:
    return [text[start:end] for start, end in entities.find_runs(text)]


def test_people_after_titles_and_roles():
    text = (
        "U.S. Treasury Secretary James Baker met Federal Reserve Board Chairman Paul Volcker, "
        "Chancellor of the Exchequer Nigel Lawson, Kremlin chief Vladimir Putin and Mr. Brown."
    )
    assert find(text).people == ["James Baker", "Paul Volcker", "Nigel Lawson", "Vladimir Putin", "Brown"]


def test_full_names_next_to_a_reporting_verb_are_people_but_places_are_not():
    people = find("John Smith said prices rose. Prices fell, said Karl Otto Poehl. New York said nothing.").people
    assert people == ["John Smith", "Karl Otto Poehl"]


def test_single_capitalised_words_need_a_title():
    assert find("Analysts said Monday that Reagan would veto it.").people == []


def test_a_lone_surname_joins_the_full_name():
    assert find("President Reagan spoke. Later Ronald Reagan said no. Reagan left.").people == ["Ronald Reagan"]


def test_organizations_by_suffix_and_by_gazetteer():
    text = "Standard Oil Co said the Bank of Japan, Texas Commerce Bancshares Inc and the IMF agreed."
    assert find(text).organizations == [
        "International Monetary Fund",
        "Standard Oil Co",
        "Bank of Japan",
        "Texas Commerce Bancshares Inc",
    ]


def test_an_organization_before_a_title_and_the_person_after_it():
    names = find("Federal Reserve Board Chairman Paul Volcker spoke.")
    assert names.organizations == ["Federal Reserve"]
    assert names.people == ["Paul Volcker"]


def test_runs_keep_abbreviated_titles_initials_and_name_particles():
    text = "Mr. Brown met U.S. envoy J. R. Smith, Ludwig van Beethoven and Capt. Cook of the Bank of Japan."
    assert runs(text) == ["Mr. Brown", "U.S.", "J. R. Smith", "Ludwig van Beethoven", "Capt. Cook of the Bank of Japan"]


def test_a_point_stays_in_a_run_only_after_an_abbreviated_title_or_initials():
    assert runs("Mrs Smith, Mrs. Jones, Prof.X, U.S.A. and U.S") == [
        "Mrs Smith",
        "Mrs. Jones",
        "Prof.",
        "X",
        "U.S.A.",
        "U.",
        "S",
    ]


def test_a_run_starts_at_a_capital_of_any_alphabet_that_does_not_continue_a_word():
    assert runs("McDonald and ex-Soviet O'Brien met AT&T; Émile Zola in Österreich") == [
        "McDonald",
        "O'Brien",
        "AT&T",
        "Émile Zola",
        "Österreich",
    ]


def test_letters_of_any_script_continue_a_word_but_a_no_break_space_ends_a_run():
    assert runs("Zoë Ménard\xa0Dupont") == ["Zoë Ménard", "Dupont"]


def test_tabs_and_repeated_spaces_join_the_words_of_a_run():
    assert runs("New\tYork of the  Old") == ["New\tYork of the  Old"]


def test_a_role_is_a_whole_lower_case_word_a_space_before_the_name():
    assert find("The mischief Putin made.").people == []
    assert find("Kremlin chief\tPutin spoke.").people == []
    assert find("Kremlin chief Putin spoke.").people == ["Putin"]


def test_a_possessive_is_not_part_of_a_name():
    assert find("The analyst Jane Roe's view").people == ["Jane Roe"]


def test_a_reporting_verb_counts_after_a_line_break_but_not_after_a_comma():
    assert find("Wolsey Hall\nsaid no.").people == ["Wolsey Hall"]
    assert find("Wolsey Hall, said no.").people == []
