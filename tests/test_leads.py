"""Datelines in the forms newsrooms write them, and a lead that stays the lead next to a photo credit.
Every text here was written for these tests, in English and in German."""

from __future__ import annotations

import pytest

from pipeline.article.clean import strip_boilerplate
from pipeline.article.parse import extract_dateline
from pipeline.enrich.metadata import read_dateline


@pytest.mark.parametrize(
    ("lead", "dateline", "place", "country"),
    [
        ("Wien - Der Nationalrat hat das Budget beschlossen.", "Wien -", "Vienna", "AT"),
        ("Wien – Der Nationalrat hat das Budget beschlossen.", "Wien –", "Vienna", "AT"),
        ("Athen — Die Regierung kündigte Reformen an.", "Athen —", "Athens", "GR"),
        ("Santiago de Chile – Die Regierung hat gewählt.", "Santiago de Chile –", "Santiago", "CL"),
        ("Frankfurt am Main - Die Börse schloss fester.", "Frankfurt am Main -", "Frankfurt am Main", "DE"),
        ("Baden-Baden - Der Kurort feiert.", "Baden-Baden -", "Baden-Baden", "DE"),
        ("LONDON: The pound rose on Monday.", "LONDON:", "London", "GB"),
        ("LONDON, Jan 5 - The pound rose on Monday.", "LONDON, Jan 5 -", "London", "GB"),
    ],
)
def test_datelines_with_hyphens_dashes_colons_and_several_words_name_their_place(lead, dateline, place, country):
    found, rest = extract_dateline(lead)
    assert found == dateline
    assert rest[:1].isupper()
    assert read_dateline(found)[:2] == (place, country)


@pytest.mark.parametrize(
    "lead",
    [
        "Smith - who had resigned - said nothing.",
        "Merkel: Wir schaffen das.",
        "Die Kanzlerin sprach - wie immer - frei.",
    ],
)
def test_ordinary_sentences_open_with_no_dateline(lead):
    assert extract_dateline(lead) == (None, lead)


@pytest.mark.parametrize(
    ("lead", "credit"),
    [
        ("LONDON, Jan 5 - The pound rose sharply on Monday after the data.", "(Photo: via REUTERS)"),
        ("Wien - Der Nationalrat tagte am Mittwoch bis spät in die Nacht.", "Foto: APA"),
    ],
)
def test_a_lead_before_a_photo_credit_stays_the_lead(lead, credit):
    body, removed = strip_boilerplate([lead, credit, "Dealers said the rise would last for weeks."])
    assert body[0] == lead
    assert removed.captions == []
    assert removed.photo_credits


def test_a_short_paragraph_between_lead_and_credit_is_its_caption():
    lead = "Der Nationalrat hat am Mittwoch das Budget beschlossen, die Opposition stimmte dagegen."
    body, removed = strip_boilerplate([lead, "Abgeordnete im Plenarsaal.", "Foto: APA", "Die Sitzung dauerte lange."])
    assert body == [lead, "Die Sitzung dauerte lange."]
    assert removed.captions == ["Abgeordnete im Plenarsaal."]
