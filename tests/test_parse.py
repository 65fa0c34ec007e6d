"""Parse stage: title, kicker/headline, re-flowed paragraphs, subheadings, datelines."""

from __future__ import annotations

import pytest

from pipeline.article.parse import (
    extract_dateline,
    looks_hard_wrapped,
    split_heading,
    split_paragraphs,
    split_subheadings,
    split_title,
)

WIRE = """STANDARD OIL <SRD> TO FORM FINANCIAL UNIT

CLEVELAND, Feb 26 - Standard Oil Co and BP North America
Inc said they plan to form a venture to manage the money market
borrowing and investment activities of both companies.
    BP North America is a subsidiary of British Petroleum Co
Plc <BP>, which also owns a 55 pct interest in Standard Oil.
    The venture will be called BP/Standard Financial Trading
and will be operated by Standard Oil under the oversight of a
joint management committee.

 Reuter
"""


def test_wire_copy_is_recognised_as_hard_wrapped_and_reflowed_at_indents():
    title, rest = split_title(WIRE)
    assert title == "STANDARD OIL <SRD> TO FORM FINANCIAL UNIT"
    assert looks_hard_wrapped(rest)
    paragraphs = split_paragraphs(rest, wrapped=True)
    assert paragraphs[0] == (
        "CLEVELAND, Feb 26 - Standard Oil Co and BP North America Inc said they plan to form a venture "
        "to manage the money market borrowing and investment activities of both companies."
    )
    assert paragraphs[1].startswith("BP North America is a subsidiary of British Petroleum Co Plc <BP>")
    assert paragraphs[-1] == "Reuter"
    assert len(paragraphs) == 4


def test_unwrapped_text_keeps_one_paragraph_per_line():
    text = "Kicker line\nHeadline line\n\nA long first paragraph that is not wrapped at all.\n\nSecond one."
    assert not looks_hard_wrapped(text)
    assert split_paragraphs(text, wrapped=False) == [
        "Kicker line",
        "Headline line",
        "A long first paragraph that is not wrapped at all.",
        "Second one.",
    ]


def test_hyphen_at_line_end_is_kept_without_a_space():
    text = "a well-\nknown line of text that runs on\nand on and on into\nthe next line."
    assert split_paragraphs(text, wrapped=True) == [
        "a well-known line of text that runs on and on and on into the next line."
    ]


def test_hyphen_after_a_space_or_a_lone_dash_line_joins_with_spaces():
    # "a -" + "b": a dash after a space is punctuation, not a word broken at the line end.
    assert split_paragraphs("a -\nb\nc", wrapped=True) == ["a - b c"]
    assert split_paragraphs("x\n-\ny", wrapped=True) == ["x - y"]
    assert split_paragraphs("-\n-\nz", wrapped=True) == ["--z"]


def test_lines_are_stripped_of_unicode_spaces_but_only_space_or_tab_indents():
    text = "\u00a0first line\u3000\nsecond line\n\u00a0third line\n\tfourth line"
    # A no-break space is stripped like a space, but only " " or "\t" opens a new wire paragraph.
    assert split_paragraphs(text, wrapped=True) == ["first line second line third line", "fourth line"]
    assert split_paragraphs("a\n\u2028\u00a0\nb", wrapped=False) == ["a", "b"]


def test_line_of_spaces_is_blank_for_paragraphs_but_counts_as_a_line_for_wrapping():
    assert split_paragraphs("one line\n   \nnext line", wrapped=True) == ["one line", "next line"]
    assert looks_hard_wrapped("aaa\n   \nbbb")
    assert not looks_hard_wrapped("aaa\n\nbbb\n\nccc")


def test_wrapped_text_may_have_one_long_line_in_twenty_but_not_two():
    # The line at the 90th percentile of lengths must be short (<= 100 characters).
    short, long = "s" * 60, "l" * 101
    assert looks_hard_wrapped("\n".join([short] * 19 + [long]))
    assert not looks_hard_wrapped("\n".join([short] * 18 + [long] * 2))
    assert not looks_hard_wrapped("\n".join([short] * 9 + [long]))


def test_paragraphs_of_other_scripts_are_plain_equal_strings():
    text = "Zürich 😀 lädt-\nein\n    Second paragraph\nhere"
    paragraphs = split_paragraphs(text, wrapped=True)
    assert paragraphs == ["Zürich 😀 lädt-ein", "Second paragraph here"]
    assert paragraphs[1].isascii() and hash(paragraphs[1]) == hash("Second paragraph here")


def test_title_of_three_wrapped_lines_over_250_characters_is_only_the_first_line():
    lines = ["A" * 100, "B" * 100, "C" * 60]
    title, rest = split_title("\n".join([*lines, "", "Body."]))
    assert title == "A" * 100
    assert rest == "\n".join([*lines[1:], "", "Body."])
    assert split_title("\n".join(["A" * 100, "B" * 100, "C" * 40, "", "Body."]))[0] == " ".join(
        ["A" * 100, "B" * 100, "C" * 40]
    )


def test_title_stops_at_an_indented_line_and_a_title_alone_leaves_no_text():
    assert split_title("\n\nTITLE\n  indented lead\nmore") == ("TITLE", "  indented lead\nmore")
    assert split_title("\n  TITLE  \n\n") == ("TITLE", "")
    assert split_title("") == ("", "")


def test_headline_wrapped_over_two_lines_is_one_title():
    title, rest = split_title("FED SAYS IT SETS TWO BILLION DLRS OF CUSTOMER REPURCHASE\nAGREEMENTS\n\n\n")
    assert title == "FED SAYS IT SETS TWO BILLION DLRS OF CUSTOMER REPURCHASE AGREEMENTS"
    assert rest.strip() == ""


def test_kicker_and_headline_repeating_the_title_are_split_off():
    heading, rest = split_heading(
        "Before the silent Putin: Armenia and Azerbaijan approach each other",
        ["Before silent Putin", "Armenia and Azerbaijan approach each other", "The lead paragraph."],
    )
    assert heading.kicker == "Before silent Putin"
    assert heading.headline == "Armenia and Azerbaijan approach each other"
    assert heading.removed == ["kicker_headline"]
    assert rest == ["The lead paragraph."]


def test_title_repeated_verbatim_is_removed_once():
    heading, rest = split_heading("Notre Dame in Paris catches fire", ["Notre Dame in Paris catches fire", "Lead."])
    assert heading.removed == ["repeated_title"]
    assert heading.headline is None
    assert rest == ["Lead."]


def test_first_paragraph_unrelated_to_title_is_left_alone():
    heading, rest = split_heading("Markets rally", ["Shares rose sharply on Monday.", "More text."])
    assert heading.kicker is None and heading.headline is None and heading.removed == []
    assert rest == ["Shares rose sharply on Monday.", "More text."]


def test_short_unpunctuated_line_between_prose_paragraphs_is_a_subheading():
    prose = "This paragraph is long enough to count as prose in an article, with plenty of words in it."
    body, subs = split_subheadings([prose, "Diplomacy in Russian", prose])
    assert subs == ["Diplomacy in Russian"]
    assert body == [prose, prose]


def test_table_rows_are_not_subheadings():
    rows = ["Shr 1.20 dlrs vs 1.10 dlrs", "Net 5,000 vs 4,000", "Revs 12.3 mln vs 11.1 mln"]
    body, subs = split_subheadings(["Quarterly results.", *rows])
    assert subs == []
    assert body == ["Quarterly results.", *rows]


@pytest.mark.parametrize(
    ("lead", "dateline", "rest"),
    [
        ("CLEVELAND, Feb 26 - Standard Oil Co said", "CLEVELAND, Feb 26 -", "Standard Oil Co said"),
        ("WASHINGTON (Reuters) - The Senate voted", "WASHINGTON (Reuters) -", "The Senate voted"),
        ("(CNN) -- A storm hit", "(CNN) --", "A storm hit"),
        ("Wien – Die Regierung hat", "Wien –", "Die Regierung hat"),
        ("BERLIN, 3. März (dpa) - Die Koalition", "BERLIN, 3. März (dpa) -", "Die Koalition"),
        ("NEW YORK, FEb 26 - Stocks fell", "NEW YORK, FEb 26 -", "Stocks fell"),
        ("RICHMOND, Va., March 2 - A bank", "RICHMOND, Va., March 2 -", "A bank"),
    ],
)
def test_dateline_shapes_are_cut_from_the_lead(lead, dateline, rest):
    assert extract_dateline(lead) == (dateline, rest)


@pytest.mark.parametrize(
    "lead",
    [
        "Smith - who was not there - said nothing.",
        "The company said it would cut jobs.",
        "In 1987 - the year of the crash - markets fell.",
    ],
)
def test_ordinary_sentences_have_no_dateline(lead):
    assert extract_dateline(lead) == (None, lead)
