"""People and organizations found by the patterns news prose marks them with."""

from __future__ import annotations

from pipeline import entities, gazetteer


def find(text: str) -> entities.Names:
    runs = entities.find_runs(text)
    return entities.find_names(text, runs, gazetteer.find_mentions(text, runs).organizations)


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
