"""Direct quotations with their speakers, in curly, straight and German quotes."""

from __future__ import annotations

from pipeline.enrich.quotes import Quote, find_quotes


def test_curly_quote_with_titled_speaker_after_it():
    text = "“There is a chance of peace,” Azerbaijani President Ilham Aliyev replied."
    assert find_quotes(text, ["Ilham Aliyev"]) == [Quote("There is a chance of peace", "Ilham Aliyev")]


def test_straight_quote_with_verb_before_the_speaker_and_surname_completed():
    text = '"The economy is strong," said Treasury Secretary Baker.'
    assert find_quotes(text, ["James Baker"]) == [Quote("The economy is strong", "James Baker")]


def test_speaker_before_the_quote_and_german_quotes():
    text = "Merkel sagte: „Wir schaffen das, ganz sicher.“"
    assert find_quotes(text, ["Angela Merkel"]) == [Quote("Wir schaffen das, ganz sicher.", "Angela Merkel")]


def test_a_quote_right_after_an_attributed_one_continues_it():
    text = "“We agreed on recognition,” Pashinyan said. “And we can sort out our relationship.”"
    quotes = find_quotes(text, ["Nikol Pashinyan"])
    assert [q.speaker for q in quotes] == ["Nikol Pashinyan", "Nikol Pashinyan"]


def test_pronoun_takes_the_person_named_last_or_is_dropped():
    text = 'Jane Roe left. "We will appeal the ruling," she said.'
    assert find_quotes(text, ["Jane Roe"]) == [Quote("We will appeal the ruling", "Jane Roe")]
    assert find_quotes('"We will appeal the ruling," she said.', []) == []


def test_roles_are_kept_as_written_and_scare_quotes_are_not_quotations():
    text = 'The so-called "hard landing" worried them. A company spokesman said "talks broke down last night."'
    assert find_quotes(text, []) == [Quote("talks broke down last night.", "A company spokesman")]


def test_an_attribution_before_the_quote_ends_with_its_verb_or_whom_it_was_told_to():
    told = 'Finance Minister Jane Roe told Reuters television: "Rates will stay where they are."'
    assert find_quotes(told, ["Jane Roe"]) == [Quote("Rates will stay where they are.", "Jane Roe")]
    added = 'Jane Roe has added,\n"Rates will stay where they are."'
    assert find_quotes(added, ["Jane Roe"]) == [Quote("Rates will stay where they are.", "Jane Roe")]
    # The verb must end the words before the quotation: here nobody is credited with it.
    unsaid = 'Jane Roe said little about it in "Rates will stay where they are."'
    assert find_quotes(unsaid, ["Jane Roe"]) == []


def test_french_guillemets_and_german_single_quotes_with_their_speakers():
    after = "« Nous ne céderons pas », a déclaré Jean Dupont."
    before = "Jean Dupont a déclaré : « Nous ne céderons jamais »."
    assert find_quotes(after, ["Jean Dupont"], language="fr") == [Quote("Nous ne céderons pas", "Jean Dupont")]
    assert find_quotes(before, ["Jean Dupont"], language="fr") == [Quote("Nous ne céderons jamais", "Jean Dupont")]
    german = "‚Wir geben nicht auf‘, sagte Jan Müller."
    assert find_quotes(german, ["Jan Müller"], language="de") == [Quote("Wir geben nicht auf", "Jan Müller")]
