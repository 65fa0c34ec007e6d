"""The compiled scans (pipeline/_text_scan.pyx) keep the semantics of the regexes they replaced,
also where C and Python could part: Unicode digits, spaces and case, word boundaries, limits."""

import re

import pytest
from pipeline.kernels.shingles import count_words
from pipeline.kernels.text_scan import WordSet, count_sentences, find_quoted, find_years


def test_a_sentence_ends_before_a_space_or_tab_and_a_capital_digit_or_opening_mark():
    assert count_sentences('One. Two!\tThree? "Four." (Five) 6 is six.', 1) == 5
    assert count_sentences("Ends here.\u00a0Not after a no-break space.", 1) == 1
    assert count_sentences("Ends here. lower case goes on.", 1) == 1


def test_abbreviations_and_initials_do_not_end_a_sentence_even_after_unicode_lower_casing():
    assert count_sentences("Mr. Smith met J. Doe in the U.S. Army. Then he left.", 1) == 2
    # "İ".lower() is two characters: no initial, so the point ends a sentence.
    assert count_sentences("Name İ. Smith left.", 1) == 2


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("In 1987 and 2020, not 1799 or 2100.", [1987, 2020]),
        ("Unicode digits: 19٨٥ counts.", [1985]),
        ("$2000, 2000 tonnes, 2000\u00a0tonnes, 2000%, 2000.5, 12000, 2000x", []),
        ("2000 tonnesX and 1999 tons.", [2000]),
        ("1987", [1987]),
    ],
)
def test_years_are_four_digit_numbers_that_are_no_amount_or_quantity(text, years):
    assert find_years(text) == years


def test_a_quotation_holds_two_to_1500_characters_and_straight_quotes_stop_at_a_line_end():
    assert find_quoted('"' + "a" * 1500 + '"') == [(0, 1502)]
    assert find_quoted('"' + "a" * 1501 + '"') == []
    assert find_quoted('"a" "ab"') == [(4, 8)]  # one character is too short, so is '" "'
    assert find_quoted('"two\nlines" “two\nlines”') == [(12, 23)]
    assert find_quoted("„Ja, so“ »Nein, so«") == [(0, 8), (9, 19)]


def test_the_longest_word_followed_by_a_word_boundary_is_found():
    words = WordSet(["Reuter", "Reuters", "AP"])
    assert words.find_spans("Reuters, Reuter- Reutersville Reuters_ ReutersÄ AP.") == [(0, 7), (9, 15), (48, 50)]
    assert words.find_spans("") == []
    with pytest.raises(ValueError):
        WordSet(["Ä-word"])


def test_word_characters_are_those_of_re_for_every_latin1_character_and_beyond():
    # The kernels read `\w` below U+0100 from one table (pipeline/_text.pxd): every entry is checked.
    chars = [chr(code) for code in range(256)] + ["ā", "ж", "٣", "_", "’", "\u2009", "\u3000", "𝐇", "😀"]
    agency = WordSet(["Reuters"])
    assert [bool(agency.find_spans(f"Reuters{ch}")) for ch in chars] == [
        re.match(r"Reuters\b", f"Reuters{ch}") is not None for ch in chars
    ]
    assert [count_words(f"a{ch}b") for ch in chars] == [len(re.findall(r"\w+", f"a{ch}b")) for ch in chars]


def test_french_guillemets_and_german_single_low_quotes_are_quotations():
    assert find_quoted("« Oui, bien sûr » puis ‚Ja, so‘") == [(0, 17), (23, 31)]
    assert find_quoted("« jamais fermé") == []
    assert find_quoted("‚Das ist’s‘") == [(0, 11)]  # an apostrophe inside does not close it
