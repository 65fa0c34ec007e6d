"""A text whose first line is a long paragraph has no title line: all of it is the body, and its title
is given only by evidence (the file named after the headline, a sidecar's title), else null."""

from __future__ import annotations

import json

import pytest

from pipeline.article.parse import is_title_line, title_by_evidence
from pipeline.models import Article, RawDoc, Reject
from pipeline.run.transform import process_doc
from pipeline.settings import Settings
from tests.conftest import read_dataset, run_cli

# One line each, title run into the body, as some exports store them (written for these tests).
ONE_LINE = {
    "de": (
        "Stadtrat beschließt neuen Radweg am Fluss Der Stadtrat hat am Dienstagabend mit großer Mehrheit "
        "den Bau eines neuen Radwegs entlang des Flusses beschlossen. Die Strecke soll rund vier Kilometer "
        "lang werden und zwei Stadtteile verbinden. Baubeginn ist nach Angaben der Verwaltung im Frühjahr, "
        "die Kosten werden auf etwa drei Millionen Euro geschätzt. Anwohner hatten seit Jahren eine sichere "
        "Verbindung für Radfahrer gefordert."
    ),
    "en": (
        "Harbour ferry returns after winter repairs The harbour ferry resumed its service on Monday after "
        "three months of repairs to its engines and hull, the port authority said. The crossing takes "
        "twelve minutes and carries about two thousand passengers a day in summer. Tickets will cost the "
        "same as last year, and a second boat is expected to join the route in June if the trials go well."
    ),
    "fr": (
        "La bibliothèque municipale rouvre ses portes après deux ans de travaux, avec une nouvelle salle de "
        "lecture pour les enfants et un espace consacré à la musique. Selon la mairie, le chantier a coûté "
        "quatre millions d'euros, financés pour moitié par la région. Les horaires d'ouverture sont élargis "
        "le samedi et, pour la première fois, la bibliothèque ouvrira aussi le dimanche matin."
    ),
    "es": (
        "El ayuntamiento anunció este martes que ampliará el horario del transporte público durante las "
        "fiestas de verano, con autobuses cada quince minutos hasta las tres de la madrugada. La medida, que "
        "costará unos doscientos mil euros, responde a las quejas de los vecinos por la falta de servicio "
        "nocturno en los barrios más alejados del centro histórico de la ciudad."
    ),
    "ja": (
        "市は火曜日、川沿いに新しい自転車道を整備する計画を発表した。全長は約四キロで、二つの地区を結ぶ。"
        "工事は来年の春に始まり、費用はおよそ三億円と見込まれている。住民は長年、自転車で安全に通行できる道を求めてきた。"
        "市の担当者によると、完成は再来年の秋になる予定で、沿道には休憩所や駐輪場も設けられる。"
        "また、夜間も安全に利用できるよう、照明を増やすことも検討されている。地元の商店街からは、観光客の増加に"
        "つながると期待する声が上がっている。"
    ),
}


def _process(tmp_path, name: str, text: str, sidecar: dict | None = None):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    doc = RawDoc(uri=str(path), rel_path=name, size=path.stat().st_size, sidecar=sidecar or {})
    return process_doc(doc, Settings())


@pytest.mark.parametrize("language", sorted(ONE_LINE))
def test_a_one_line_article_is_an_article_whose_body_is_the_whole_line(tmp_path, language):
    text = ONE_LINE[language]
    assert not is_title_line(text)
    article = _process(tmp_path, f"{language}-42.txt", text)
    assert isinstance(article, Article), article
    assert article.body == text
    assert article.title is None  # no title line, and the file name says nothing of it
    assert article.language == language


def test_a_file_named_after_its_headline_gives_the_title_and_keeps_the_body_whole(tmp_path):
    text = ONE_LINE["de"]
    article = _process(tmp_path, "2024-03-05_stadtrat-beschliesst-neuen-radweg-am-fluss.txt", text)
    assert article.title == "Stadtrat beschließt neuen Radweg am Fluss"
    assert article.body == text


def test_a_sidecar_title_names_a_text_without_a_title_line(tmp_path):
    article = _process(tmp_path, "a.txt", ONE_LINE["en"], {"title": "Ferry back in service"})
    assert article.title == "Ferry back in service"
    assert article.body == ONE_LINE["en"]


def test_several_paragraph_lines_without_a_title_line_are_all_body(tmp_path):
    paragraphs = [ONE_LINE["en"], "The port authority said the boat had passed its safety inspection."]
    article = _process(tmp_path, "a.txt", "\n\n".join(paragraphs))
    assert article.title is None
    assert article.body.split("\n\n") == paragraphs


def test_a_short_first_line_is_still_the_title(tmp_path):
    article = _process(tmp_path, "a.txt", "Ferry back in service\n\n" + ONE_LINE["en"])
    assert article.title == "Ferry back in service"
    assert article.body == ONE_LINE["en"]


def test_a_headline_alone_is_still_a_brief_without_a_body(tmp_path):
    reject = _process(tmp_path, "a.txt", "Ferry back in service after winter repairs\n")
    assert isinstance(reject, Reject)
    assert reject.reason == "no_body"
    assert "only a title" in reject.detail


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("2019-05-16_actor-doris-day-dies-at-97.txt", "Actor Doris Day dies at 97"),
        ("muenchen-feiert-das-oktoberfest.txt", "München feiert das Oktoberfest"),
        ("munchen_feiert_das_oktoberfest.txt", "München feiert das Oktoberfest"),
        ("12345.txt", ""),  # a number names nothing
        ("actor-doris.txt", ""),  # two words are too few to be evidence
        ("actor-doris-day-retires.txt", ""),  # the text does not open with the name's words
    ],
)
def test_title_evidence_is_the_file_name_s_words_opening_the_text(name, title):
    texts = {
        "Actor": "Actor Doris Day dies at 97 Doris Day, the singer and actress, died on Monday at her home.",
        "München": "München feiert das Oktoberfest Die Stadt feiert wieder das größte Volksfest der Welt.",
    }
    text = texts["München" if "nchen" in name else "Actor"]
    assert title_by_evidence(text, f"folder/{name}") == title


def test_a_title_less_article_is_published_with_a_null_title(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    for language, text in ONE_LINE.items():
        (raw / f"{language}.txt").write_text(text, encoding="utf-8")
    result = run_cli("run", "--raw", str(raw), "--out", str(tmp_path / "out"), "--date", "2024-01-01", "-q")
    assert result.returncode == 0, result.stderr
    articles = read_dataset(tmp_path / "out", "articles")
    assert len(articles) == len(ONE_LINE)
    assert articles["title"].isna().all()
    assert json.dumps(sorted(articles["body"])) == json.dumps(sorted(ONE_LINE.values()))
