"""A web page's title, authors and date: the headline a reader sees, the people in the byline, the
publication day the page marks, whatever the page tells search engines instead."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pandas as pd
import pytest

from pipeline.article.web.byline import byline_names, split_names
from pipeline.article.web.described import title_date
from pipeline.article.web.markup import load_page
from pipeline.article.web.page import extract_article
from pipeline.article.web.title import choose_title, name_key, title_without_site
from tests.conftest import read_dataset, run_cli

PARAS = [
    "The council voted on Tuesday to close the old bridge to cars from June, after engineers found cracks in it.",
    "Buses will use the new ring road instead, adding ten minutes to the trip into town for most commuters.",
    "Shop owners on the bridge street said they feared losing customers and asked for help with the cost.",
    "Repairs are expected to take two years and cost about four million, the council's engineer said.",
]


def page(
    *,
    ld: dict | None = None,
    og: str = "",
    title: str = "",
    before: str = "",
    header: str = "",
    after: str = "",
    article: bool = True,
    url: str = "https://www.town-post.example/news/1",
    head: str = "",
) -> str:
    """A news page of the shape the fundus pages have, with the parts a test sets."""
    data = {"@context": "https://schema.org", "@type": "NewsArticle", **(ld or {})}
    wrap = ("<article>", "</article>") if article else ("<div class='story'>", "</div>")
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta property="og:title" content="{og}"><meta property="og:url" content="{url}">
<script type="application/ld+json">{json.dumps(data)}</script>{head}</head>
<body>{before}{wrap[0]}<header>{header}</header>
{"".join(f"<p>{p}</p>" for p in PARAS)}{after}{wrap[1]}
<footer><a href="/privacy">Privacy</a></footer></body></html>"""


BREADCRUMB = '<nav class="breadcrumb"><ol><li><a href="/">Home</a></li><li><h1>{}</h1></li></ol></nav>'
HEADLINE = "Old bridge closes to cars in June"
SEO = "Town Post: bridge closure, bus changes and what it means for you"


def test_an_h1_in_the_breadcrumb_trail_is_not_the_headline_the_article_shows():
    # The SEO title is given three times (og:title, <title>, the breadcrumb's h1); the reader sees the
    # article's own headline, which JSON-LD gives too.
    html = page(
        ld={"headline": HEADLINE}, og=SEO, title=SEO, before=BREADCRUMB.format(SEO), header=f"<h2>{HEADLINE}</h2>"
    )
    assert extract_article(html).title == HEADLINE


def test_without_an_article_element_the_headline_is_found_in_the_header():
    html = page(
        ld={"headline": SEO},
        og=HEADLINE,
        title=SEO,
        header=f"<h2>{HEADLINE}</h2>" + BREADCRUMB.format(SEO),
        article=False,
    )
    assert extract_article(html).title == HEADLINE


def test_a_visible_headline_only_the_document_title_repeats_loses_to_the_article_metadata():
    assert choose_title([HEADLINE, HEADLINE, SEO], visible=SEO) == HEADLINE
    assert choose_title([HEADLINE, SEO, SEO], visible=HEADLINE) == HEADLINE
    assert choose_title([SEO, SEO, SEO], visible="") == SEO
    assert choose_title(["", "", ""], visible=HEADLINE) == HEADLINE


KICKER = "Town traffic"


@pytest.mark.parametrize(
    "header",
    [
        f'<h1><span class="title__kicker">{KICKER}</span><span class="visually-hidden">:</span> '
        f"<span>{HEADLINE}</span></h1>",
        f"<h1><span>{KICKER}:</span><span>{HEADLINE}</span></h1>",  # unmarked: a separator says it
        f"<h1><span>{KICKER}</span> <span>{HEADLINE}</span></h1>",  # unmarked: the page's title says it
        f'<p class="article-topline">{KICKER}</p><h1>{HEADLINE}</h1>',
        f'<div class="overline"><a href="/traffic">{KICKER}</a></div><div class="wrap"><h1>{HEADLINE}</h1></div>',
    ],
    ids=["in-h1-marked", "in-h1-separated", "in-h1-titled", "marked-before", "marked-before-wrapped"],
)
def test_the_kicker_over_the_headline_is_told_apart_from_it(header):
    article = extract_article(page(ld={"headline": f"{KICKER}: {HEADLINE}"}, header=header))
    assert (article.kicker, article.headline) == (KICKER, HEADLINE)
    assert article.title == f"{KICKER}: {HEADLINE}"  # the title the page gives itself, kicker and all
    assert KICKER not in [*article.lead, *article.paragraphs]


@pytest.mark.parametrize(
    "header",
    [
        f"<h1>{HEADLINE}</h1>",
        "<h1>Old bridge <em>closes</em> to cars in June</h1>",  # a word set apart is no kicker
        f"<h1><span>{HEADLINE}</span></h1>",
        f"<h1><span>{HEADLINE}</span><span>now</span></h1>",  # a last word set apart, not a first line
        "<h1><span>Old bridge closes</span> <span>to cars in June</span></h1>",  # a headline in two lines
        f'<div class="topline"><a href="/">Home</a> / <a href="/traffic">Traffic</a></div><h1>{HEADLINE}</h1>',
        f'<p class="dateline">Published 1 May</p><h1>{HEADLINE}</h1>',  # the line before is no kicker
        f'<p class="kicker">A kicker too long to be one, as it runs on like a sentence does.</p><h1>{HEADLINE}</h1>',
    ],
)
def test_a_headline_without_a_kicker_has_none(header):
    article = extract_article(page(ld={"headline": HEADLINE}, header=header))
    assert (article.kicker, article.headline) == (None, None)
    assert article.title == HEADLINE


def test_a_style_sheet_inside_the_headline_is_neither_kicker_nor_headline():
    style = "<style>.k{font-size:14px;font-weight:700}</style>"
    header = f'<h1>{style}<span class="kicker">{KICKER}</span>{style}<span>{HEADLINE}</span></h1>'
    article = extract_article(page(ld={"headline": SEO}, og=SEO, header=header))
    assert (article.kicker, article.headline) == (KICKER, HEADLINE)


def test_the_kicker_and_headline_of_a_web_page_reach_the_articles_dataset(tmp_path: Path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    header = f'<h1><span class="kicker">{KICKER}</span><span>{HEADLINE}</span></h1>'
    (raw / "bridge.html").write_text(page(ld={"headline": HEADLINE}, header=header))
    run_cli("run", "--raw", str(raw), "--out", str(out), "--date", "2031-05-02", "-q")
    row = read_dataset(out, "articles").iloc[0]
    assert (row["title"], row["kicker"], row["headline"]) == (HEADLINE, KICKER, HEADLINE)
    assert KICKER not in row["body"]


def test_a_site_name_is_stripped_however_the_domain_spells_its_letters():
    assert title_without_site("Zinsen steigen | Börsen-Zeitung", ["boersenzeitung"]) == "Zinsen steigen"
    assert title_without_site("Zinsen steigen | Zeitung am Mittag", ["boersenzeitung"]).endswith("Mittag")


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Rain floods the valley - Politics | Valley News", "Rain floods the valley"),
        ("Rain floods the valley - Sport in decline | Valley News", "Rain floods the valley - Sport in decline"),
        ('민주당 "당규 개정 왜 밀어붙이나"-정치ㅣ한국일보', '민주당 "당규 개정 왜 밀어붙이나"'),
        ("大雨で川が氾濫、道路が通行止めに｜日本経済新聞", "大雨で川が氾濫、道路が通行止めに"),
        ("東京-大阪間の新幹線が運休｜日本経済新聞", "東京-大阪間の新幹線が運休"),
    ],
)
def test_a_section_and_an_unspaced_cjk_site_suffix_are_stripped_but_nothing_else(title, expected):
    sites = [name_key(n) for n in ("Valley News", "한국일보", "日本経済新聞")]
    assert title_without_site(title, sites, sections=[name_key(n) for n in ("Politics", "정치", "Sport")]) == expected


@pytest.mark.parametrize(
    ("byline", "names"),
    [
        ("By Jane Doe and John Roe", ["Jane Doe", "John Roe"]),
        ("Von Max Muster, Erika Beispiel und Paul Probe", ["Max Muster", "Erika Beispiel", "Paul Probe"]),
        ("Elena Ober (obe)", ["Elena Ober"]),
        ("신현주 기자, 김태연 특파원", ["신현주", "김태연"]),  # the Korean press writes the role after the name
        ("山田太郎記者", ["山田太郎"]),
        ("Updated 12.05.2024 at 10:45", []),
    ],
)
def test_a_byline_is_split_into_names_without_its_label_or_editors_signs(byline, names):
    assert split_names(byline) == names


ORGANISATION = {"author": {"@type": "Organization", "name": "Town Post"}}


def test_byline_markup_names_the_people_when_json_ld_names_only_the_publication():
    html = page(
        ld=ORGANISATION, header=f'<h1>{HEADLINE}</h1><div class="article-author">By Jane Doe and John Roe</div>'
    )
    assert extract_article(html).authors == ["Jane Doe", "John Roe"]


def test_a_photographers_byline_or_an_editors_box_after_the_text_is_no_author():
    figure = (
        '<figure><img src="a.jpg"><figcaption>The bridge. <span class="byline">Kim Lens</span></figcaption></figure>'
    )
    box = '<p class="author-box">Editing: Pat Desk and Lee Proof</p>'
    tree = load_page(page(header=f"<h1>{HEADLINE}</h1>{figure}", after=box))
    assert byline_names(tree) == []
    tree = load_page(page(header=f'<h1>{HEADLINE}</h1><p class="author-box">Editing: Pat Desk and Lee Proof</p>'))
    assert byline_names(tree) == ["Pat Desk", "Lee Proof"]


@pytest.mark.parametrize(
    "box",
    [
        "<ul><li><strong>Date</strong> 28.04.2023</li><li><strong>Autorin/Autor</strong> Roman Goncharenko</li></ul>",
        "<dl><dt>Author</dt><dd>Roman Goncharenko</dd></dl>",
    ],
)
def test_a_label_naming_the_authors_role_names_the_author_when_nothing_else_does(box):
    # JSON-LD names only the publication, spelt out: its initials are the site's name (dw.com).
    ld = {"author": {"@type": "Organization", "name": "Deutsche Welle"}}
    html = page(ld=ld, header=f"<h1>{HEADLINE}</h1>", after=box, url="https://www.dw.com/en/bridge/a-1")
    assert extract_article(html, url="https://www.dw.com/en/bridge/a-1").authors == ["Roman Goncharenko"]


def test_a_paragraph_of_names_in_bold_above_the_text_is_the_byline_and_not_the_body():
    html = page(ld=ORGANISATION, header=f"<h1>{HEADLINE}</h1><p><strong>Jo Smith/Ann Lee</strong></p>")
    article = extract_article(html)
    assert article.authors == ["Jo Smith", "Ann Lee"]
    assert "Jo Smith/Ann Lee" not in [*article.lead, *article.paragraphs]


@pytest.mark.parametrize(
    "header",
    [
        f"<h1>{HEADLINE}</h1><p><strong>Key points</strong></p>",  # not names: a lowercase word
        f"<h1>{HEADLINE}</h1><p><strong>Jo Smith</strong> reports from the bridge</p>",  # not all bold
    ],
)
def test_a_bold_line_that_is_not_only_names_is_no_byline(header):
    assert extract_article(page(ld=ORGANISATION, header=header)).authors == ["Town Post"]


def test_a_role_label_in_a_figure_is_a_photographers_not_the_authors():
    figure = '<figure><img src="a.jpg"><figcaption>The bridge. <b>Text</b> Kim Lens</figcaption></figure>'
    assert extract_article(page(ld=ORGANISATION, header=f"<h1>{HEADLINE}</h1>{figure}")).authors == ["Town Post"]


def test_a_two_word_name_with_other_initials_than_the_site_is_a_person():
    ld = {"author": {"@type": "Person", "name": "Dana Wu"}}
    assert extract_article(page(ld=ld, header=f"<h1>{HEADLINE}</h1>")).authors == ["Dana Wu"]


def test_json_ld_people_keep_their_agency_and_lose_their_editors_signs():
    ld = {"author": [{"@type": "Person", "name": "Jane Doe (jd)"}, {"@type": "Organization", "name": "AFP"}]}
    assert extract_article(page(ld=ld, header=f"<h1>{HEADLINE}</h1>")).authors == ["Jane Doe", "AFP"]


def test_a_one_word_sign_in_the_markup_does_not_displace_the_publication():
    html = page(ld=ORGANISATION, header=f'<h1>{HEADLINE}</h1><span class="author">amw</span>')
    assert extract_article(html).authors == ["Town Post"]


def test_every_author_meta_tag_in_the_head_names_one_and_a_slug_or_a_profile_link_does_not():
    head = (
        '<meta name="author" content="Jane Doe"><meta name="author" content="Ken Ito">'
        '<meta name="parsely-author" content="jane-doe">'
        '<meta property="article:author" content="https://www.town-post.example/authors/jane-doe">'
    )
    # Microdata in the body: a figure's author is its photographer.
    figure = '<figure itemscope><meta itemprop="author" content="Image: Kim Lens"><img src="a.jpg"></figure>'
    html = page(head=head, header=f"<h1>{HEADLINE}</h1>{figure}")
    assert extract_article(html).authors == ["Jane Doe", "Ken Ito"]


def test_a_json_ld_person_without_a_name_is_named_by_given_and_family_name():
    ld = {"author": [{"@type": "Person", "givenName": "Anna Giulia", "familyName": "Fink"}]}
    assert extract_article(page(ld=ld, header=f"<h1>{HEADLINE}</h1>")).authors == ["Anna Giulia Fink"]


def test_with_no_author_in_json_ld_or_meta_the_extractors_wider_markup_search_finds_the_byline():
    # An id, not a class, marks this byline: newsetl's own markup search does not look there.
    html = page(header=f'<h1>{HEADLINE}</h1><div id="author">Jane Doe</div>')
    assert byline_names(load_page(html)) == []
    assert extract_article(html).authors == ["Jane Doe"]


def test_a_page_that_states_no_publication_time_is_dated_by_htmldate_from_its_address():
    html = page(header=f"<h1>{HEADLINE}</h1>", url="https://www.town-post.example/2024/03/05/bridge")
    assert extract_article(html).published == "2024-03-05"


def test_htmldate_takes_no_date_after_the_page_was_saved_whatever_the_clock_says():
    html = page(header=f"<h1>{HEADLINE}</h1>", url="https://www.town-post.example/2031/05/01/bridge")
    saved = dt.datetime(2031, 5, 1, 23, 30, tzinfo=dt.UTC)
    assert extract_article(html, saved_at=saved).published == "2031-05-01"  # a later day on today's clock
    assert extract_article(html, saved_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC)).published is None


@pytest.mark.parametrize(
    ("written", "day"),
    [(dt.datetime(2031, 5, 2, tzinfo=dt.UTC), dt.date(2031, 5, 1)), (dt.datetime(2024, 1, 1, tzinfo=dt.UTC), None)],
)
def test_a_page_file_is_dated_no_later_than_it_was_written(tmp_path: Path, written, day):
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    path = raw / "bridge.html"
    path.write_text(page(header=f"<h1>{HEADLINE}</h1>", url="https://www.town-post.example/2031/05/01/bridge"))
    os.utime(path, (written.timestamp(), written.timestamp()))
    run_cli("run", "--raw", str(raw), "--out", str(out), "--date", "2031-05-02", "-q")
    (published,) = read_dataset(out, "articles")["published_at"]
    assert (None if pd.isna(published) else published.date()) == day


def test_the_pages_own_address_and_the_publications_name_come_from_its_tags():
    canonical = "https://www.city-times.example/bridge"
    head = f'<link rel="canonical" href="{canonical}">'
    html = page(ld={"publisher": {"@type": "Organization", "name": "Town Post"}}, head=head)
    article = extract_article(html)
    # og:url is where this copy lives; the canonical link names the site it was syndicated from.
    assert (article.url, article.site_name) == ("https://www.town-post.example/news/1", "Town Post")
    assert extract_article(html.replace('property="og:url"', 'property="og:x"')).url == canonical


def test_the_publication_time_microdata_marks_is_the_date():
    time = '<time itemprop="datePublished" datetime="2023-08-30T16:45+0100">30 August 2023</time>'
    html = page(header=f"<h1>{HEADLINE}</h1>{time}", after='<time itemprop="datePublished" datetime="2019-02-05">')
    assert extract_article(html).published == "2023-08-30T16:45+0100"


def test_json_ld_publication_time_comes_before_microdata():
    time = '<time itemprop="datePublished" datetime="2023-08-30T16:45+0100"></time>'
    html = page(ld={"datePublished": "2023-08-29T08:00:00Z"}, header=f"<h1>{HEADLINE}</h1>{time}")
    assert extract_article(html).published == "2023-08-29T08:00:00Z"


@pytest.mark.parametrize(
    ("title", "day"),
    [
        (f"{HEADLINE} | Europe | TP | 28.04.2023", "2023-04-28"),
        (f"{HEADLINE} - 2023-04-28", "2023-04-28"),
        (f"{HEADLINE} | 31.02.2023", ""),  # no such day
        (f"{HEADLINE} | 04/05/2023", ""),  # day or month first: the page's country decides
        ("Prices rose 2.4.2023 percent", ""),  # not after a separator
    ],
)
def test_a_date_the_title_ends_with_is_read_day_first_when_dotted(title, day):
    assert title_date([title]) == day


def test_the_day_the_title_ends_with_beats_a_date_the_page_shows_for_something_else():
    title = f"{HEADLINE} | Europe | TP | 28.04.2023"
    html = page(title=title, og=title, header=f'<h1>{HEADLINE}</h1><span class="date">24.04.2023</span>')
    assert extract_article(html).published == "2023-04-28"
