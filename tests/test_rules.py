"""Every boilerplate rule family matches its own examples, and no rule eats article prose."""

from __future__ import annotations

import pytest

from pipeline.article.rules import RULES, find_agencies

EXAMPLES = [(rule.name, example) for rule in RULES for example in rule.examples]

PROSE = [
    "The source of the leak has not been identified, officials said.",
    "Reuters reported on Monday that the deal was close.",
    "Photographs of the scene were shared widely on social media.",
    "Read the statement carefully, the minister told reporters.",
    "AP and AFP both carried the story within minutes of the announcement.",
    "Diplomacy in Russian",
]


@pytest.mark.parametrize(("name", "example"), EXAMPLES)
def test_rule_matches_each_of_its_examples(name, example):
    rule = next(r for r in RULES if r.name == name)
    assert rule.match(example), f"{name} does not match its own example {example!r}"


@pytest.mark.parametrize("text", PROSE)
def test_no_rule_matches_ordinary_article_prose(text):
    assert [r.name for r in RULES if r.match(text)] == []


def test_every_rule_has_examples_and_a_unique_name():
    names = [r.name for r in RULES]
    assert len(names) == len(set(names))
    assert all(r.examples for r in RULES)


@pytest.mark.parametrize(
    ("text", "agencies"),
    [
        ("via REUTERS", ["Reuters"]),
        ("AP Photo/Evan Vucci", ["AP"]),
        ("Agence France-Presse and dpa", ["AFP", "dpa"]),
        ("the map of the area", []),
        ("Getty Images", ["Getty Images"]),
    ],
)
def test_agencies_are_found_and_canonicalised(text, agencies):
    assert find_agencies(text) == agencies


def test_agency_names_match_unicode_case_variants_of_their_first_letter():
    # "\u212a" is the Kelvin sign: re's case-insensitive matching folds it to k.
    assert find_agencies("\u212ayodo") == ["Kyodo"]
    assert find_agencies("(Photo: -AFP_) xinhua-news") == []


def test_a_match_that_lower_cases_to_no_agency_names_none_instead_of_failing():
    # "\u017f" (long s) matches "s" case-insensitively but lower-cases to itself, not to "s".
    assert find_agencies("\u017fda reported; SDA confirmed") == ["SDA"]
