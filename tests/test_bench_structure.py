"""How the HTML structure bench scores a page: token F1 per field, fixed halves by publisher."""

from __future__ import annotations

import datetime as dt

from bench import structure


def test_token_f1_counts_words_casefolded_and_each_cjk_character_as_a_word():
    assert structure.token_f1("The Fed", "the fed") == 1.0
    assert structure.token_f1("", "the fed") == 0.0
    assert round(structure.token_f1("a b", "a b c d"), 3) == 0.667
    # Japanese has no spaces: character overlap, and full-width forms compare as their NFKC form.
    assert round(structure.token_f1("日本銀行", "日本銀行は"), 3) == 0.889  # P 4/4, R 4/5
    assert structure.token_f1("ＡＰ", "AP") == 1.0


def test_halves_are_fixed_by_publisher_and_both_are_populated():
    halves = {structure.split_of(p) for p in ("Spiegel", "BBC", "Reuters", "NHK", "Le Monde", "El País")}
    assert halves == {"dev", "check"}
    assert structure.split_of("DerStandard") == structure.split_of("DerStandard")


def test_a_page_scores_only_the_fields_its_gold_has_and_zero_when_it_is_not_an_article():
    gold = structure.gold_fields(
        {
            "title": "Fed admits failures",
            "lead": ["The Fed says it failed."],
            "paragraphs": ["It published a report."],
            "subheadings": [],
            "authors": ["Jane Doe"],
            "publishing_date": "2023-04-28 01:00:00+02:00",
            "images": [{"caption": "Michael Barr", "authors": ["AP"]}],
        }
    )
    article = {
        "title": "Fed admits failures",
        "lead": "The Fed says it failed.",
        "body": "The Fed says it failed.\n\nIt published a report.",
        "subheadings": [],
        "captions": ["Michael Barr"],
        "photo_credits": [],
        "author": "Jane Doe",
        "published_at": dt.datetime(2023, 4, 27, 23, tzinfo=dt.UTC),
    }
    scores = structure.score_fields(structure.article_fields(article), gold)
    assert "subheadings" not in scores
    assert scores == {
        "title": 1.0,
        "lead": 1.0,
        "body": 1.0,
        "captions": 1.0,
        "credits": 0.0,
        "authors": 1.0,
        "date": 1.0,
    }
    assert set(structure.score_fields(None, gold).values()) == {0.0}


def test_a_pages_title_candidates_come_without_their_site_and_section_parts():
    page = (
        "<html><head><title>Rain floods the valley - Politics | Valley News</title>"
        '<meta property="og:title" content="Valley flooded | Valley News">'
        '<meta property="og:site_name" content="Valley News"><meta property="article:section" content="Politics">'
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Rain floods the valley"}</script>'
        "</head><body><article><h1>Rain floods the lower valley</h1><p>Text.</p></article></body></html>"
    )
    assert structure.title_candidates(page.encode()) == {
        "jsonld": "Rain floods the valley",
        "og": "Valley flooded",
        "title": "Rain floods the valley",
        "h1": "Rain floods the lower valley",
    }


def test_a_disputed_title_says_which_source_the_headline_and_the_gold_repeat():
    found = {"jsonld": "Rain floods the valley", "og": "Mayor calls for dams", "h1": "Rain floods the valley"}
    assert structure.disputed_title(found, "Mayor calls for dams") == ("JSON-LD's", "og:title")
    assert structure.disputed_title({**found, "h1": "Live: storm"}, "Rain floods the valley") == (
        "neither",
        "JSON-LD's",
    )
    assert structure.disputed_title({**found, "og": "Rain floods the valley"}, "Rain floods the valley") is None
    assert structure.disputed_title({**found, "og": ""}, "Rain floods the valley") is None
