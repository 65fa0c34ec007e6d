"""Clean stage: Unicode repair and boilerplate removal that keeps what it removed."""

from __future__ import annotations

import pytest

from pipeline.article.clean import normalize_text, strip_boilerplate, strip_ticker_tags

PROSE = "The talks resumed on Tuesday after a week of pauses, officials from both sides told reporters."


def test_mojibake_is_repaired_and_quotes_stay_curly():
    broken = "“Itâ€™s done,” she said."
    # "â€™" is UTF-8 ’ read as cp1252: ftfy puts it back, and the curly quotes survive.
    text, fixes = normalize_text(broken)
    assert text == "“It’s done,” she said."
    assert "mojibake" in fixes


def test_line_endings_and_invisible_characters_are_normalized():
    text, fixes = normalize_text("Title\r\n\r\nBody\u200b text\u00a0here.\rEnd")
    assert text == "Title\n\nBody text here.\nEnd"
    assert "newlines" in fixes


def test_nfc_composes_decomposed_accents():
    text, _ = normalize_text("Cafe\u0301 in Zu\u0308rich")
    assert text == "Café in Zürich"


def test_trailer_source_site_is_removed_and_recorded():
    body, removed = strip_boilerplate([PROSE, "source site-34"])
    assert body == [PROSE]
    assert removed.source_site == "site-34"
    assert removed.rules == ["trailer_source_site"]


def test_wire_signoff_is_removed_and_credited():
    body, removed = strip_boilerplate([PROSE, "Reuter"])
    assert body == [PROSE]
    assert removed.signoffs == ["Reuter"]


@pytest.mark.parametrize("signoff", [" Reuter", " REUTER...^M", " REUTER^M", " REUTER..."])
def test_signoff_glued_to_the_last_line_is_removed(signoff):
    body, removed = strip_boilerplate([f"{PROSE}{signoff}"])
    assert body == [PROSE]
    assert "wire_signoff" in removed.rules


def test_agency_named_inside_the_last_line_is_not_a_signoff():
    last = "The company told Reuters it would appeal."
    body, removed = strip_boilerplate([PROSE, last])
    assert body == [PROSE, last]
    assert removed.rules == []


def test_inline_credit_and_rules_apply_to_paragraphs_padded_with_unicode_spaces():
    body, removed = strip_boilerplate(
        [PROSE, "\u00a0Advertisement\u3000", "Rescuers at work. (Photo = Reuters)\u00a0", PROSE]
    )
    assert body == [PROSE, PROSE]
    assert removed.captions == ["Rescuers at work."]
    assert removed.rules == ["trailer_link_promo", "photo_credit", "photo_caption"]


def test_several_trailers_are_peeled_off_the_tail():
    body, removed = strip_boilerplate(
        [PROSE, "Read more", "(Reporting by Jane Doe; Editing by John Roe)", "Source link"]
    )
    assert body == [PROSE]
    assert set(removed.rules) == {"trailer_link_promo", "reporting_credit"}


def test_trailer_words_inside_the_text_are_not_trailers():
    body, _ = strip_boilerplate(["Reuter", PROSE])  # only the tail is a sign-off
    assert body == ["Reuter", PROSE]


def test_photo_credit_line_and_its_caption_are_removed_and_kept():
    caption = "As usual, the conversation took place at a large table."
    body, removed = strip_boilerplate([PROSE, caption, "(Photo: via REUTERS)", PROSE])
    assert body == [PROSE, PROSE]
    assert removed.photo_credits == ["REUTERS"]
    assert removed.captions == [caption]


def test_credit_glued_to_a_caption_is_split_off():
    body, removed = strip_boilerplate([PROSE, "Rescuers at the scene. (Photo = Reuters)", PROSE])
    assert body == [PROSE, PROSE]
    assert removed.photo_credits == ["Reuters"]
    assert removed.captions == ["Rescuers at the scene."]


def test_promo_in_the_middle_is_removed():
    body, removed = strip_boilerplate([PROSE, "Advertisement", PROSE])
    assert body == [PROSE, PROSE]
    assert removed.rules == ["trailer_link_promo"]


def test_ticker_tag_takes_the_unicode_spaces_before_it_along():
    assert strip_ticker_tags("Shell Oil\u00a0\t<SHEL.L> rose.") == ("Shell Oil rose.", ["SHEL.L"])
    assert strip_ticker_tags("<A><B-1>x") == ("x", ["A", "B-1"])


def test_tags_that_are_not_tickers_keep_their_words():
    # Lower case, a punctuation mark first, or more than ten characters: a tagged name, not a ticker.
    assert strip_ticker_tags("<abc> <.AB> <ABCDEFGHIJK> <ABCDEFGHIJ>") == ("abc .AB ABCDEFGHIJK", ["ABCDEFGHIJ"])
    assert strip_ticker_tags("<Ä> < A> <>") == ("<Ä>  A <>", [])


def test_ticker_tags_are_cut_and_tagged_names_keep_their_words():
    text, tickers = strip_ticker_tags("British Petroleum Co Plc <BP> and <Standard Oil Co> agreed.")
    assert text == "British Petroleum Co Plc and Standard Oil Co agreed."
    assert tickers == ["BP"]
