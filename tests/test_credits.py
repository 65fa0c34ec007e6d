"""Agency credits and sign-offs of German-speaking and other European newsrooms leave the body, are
kept in the signoffs column, and name their agencies. Every text here was written for these tests."""

from __future__ import annotations

import pytest

from pipeline.article.clean import agencies_in, strip_boilerplate

LEAD = "Wien – Der Nationalrat hat am Mittwoch das neue Budget beschlossen, die Opposition stimmte dagegen."
PROSE = "Die Regierung sprach von einem wichtigen Schritt, die Opposition von einem Fehler, sagte er."


@pytest.mark.parametrize(
    ("credit", "signoff", "agencies"),
    [
        ("(APA/dpa, 23.8.2015)", "APA/dpa, 23.8.2015", ["APA", "dpa"]),
        ("(red, 16.5.2016)", "red, 16.5.2016", []),
        ("(sda)", "sda", ["SDA"]),
        ("(ats/afp)", "ats/afp", ["SDA", "AFP"]),
        ("(EFE)", "EFE", ["EFE"]),
        ("(Europa Press)", "Europa Press", ["Europa Press"]),
        ("(ANSA)", "ANSA", ["ANSA"]),
        ("(mhe/APA)", "mhe/APA", ["APA"]),
    ],
)
def test_a_closing_credit_paragraph_is_removed_kept_and_credited(credit, signoff, agencies):
    body, removed = strip_boilerplate([LEAD, PROSE, credit])
    assert body == [LEAD, PROSE]
    assert removed.signoffs == [signoff]
    assert set(removed.rules) <= {"agency_credit", "wire_signoff"}  # "(EFE)" is also a wire sign-off
    assert agencies_in(removed, None) == agencies


def test_a_credit_closing_the_last_paragraph_is_cut_from_it():
    body, removed = strip_boilerplate([LEAD, PROSE + " (APA/Reuters, 3.1.2016)"])
    assert body == [LEAD, PROSE]
    assert removed.signoffs == ["APA/Reuters, 3.1.2016"]
    assert agencies_in(removed, None) == ["APA", "Reuters"]


@pytest.mark.parametrize(
    "last",
    [
        "Der Gewinn stieg um fünf Prozent (Vorjahr: drei Prozent).",
        "Das sagte die Kanzlerin Angela Merkel (CDU).",
        "Die Partei (SPD) lehnte ab.",
    ],
)
def test_parentheses_that_are_prose_stay(last):
    body, removed = strip_boilerplate([LEAD, last])
    assert body == [LEAD, last]
    assert removed.signoffs == []
