"""A web page's article: structure from the page's own signals, text as written, and what is no article."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.article.web.credits import split_credit
from pipeline.article.web.markup import NotAnArticle, feed_detail, markup_kind
from pipeline.article.web.page import extract_article
from tests.conftest import SHARED, read_dataset, run_cli

FUNDUS = SHARED / "corpora" / "fundus"

PARAS = [
    "Heavy rain flooded the lower valley on Sunday, closing two roads and the railway line for most of the day.",
    "Fire crews pumped water from a dozen houses. No one was hurt, the county said, and the roads reopened.",
    "The river rose by two metres in six hours, the highest level since the records began in 1921.",
    "Farmers said the harvest in the lowest fields was lost, and asked the county for help with the cost.",
]


def news_page(*, head: str = "", body_extra: str = "") -> str:
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": "Rain floods the valley",
        "description": "Two roads and the railway were closed as the river rose two metres in six hours.",
        "author": [{"@type": "Person", "name": "Dana Reyes"}, {"@type": "Person", "name": "Sam Okafor"}],
        "datePublished": "2024-05-05T18:30:00+02:00",
    }
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Rain floods the valley | Valley News</title>
<meta property="og:title" content="Rain floods the valley | Valley News">
<meta property="og:site_name" content="Valley News">
<script type="application/ld+json">{json.dumps(ld)}</script>{head}</head>
<body><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>
<article><header><h1>Rain floods the valley</h1>
<p class="article-standfirst">Two roads and the railway were closed as the river rose two metres in six hours.</p>
</header>
<figure><img src="/flood.jpg" alt="">
<figcaption>Water covers the road near the old mill.
<span class="credit">Photo: Jo Smith/Valley News</span></figcaption>
</figure>
<p>{PARAS[0]}</p><p>{PARAS[1]}</p>
<h2>Harvest lost</h2>
<p>{PARAS[2]}</p><p>{PARAS[3]}</p>
</article>{body_extra}
<footer><a href="/privacy">Privacy</a></footer></body></html>"""


def test_a_news_page_gives_its_title_lead_paragraphs_subheadings_figures_and_byline():
    page = extract_article(news_page())
    assert page.title == "Rain floods the valley"  # not "... | Valley News"
    assert page.lead == ["Two roads and the railway were closed as the river rose two metres in six hours."]
    assert page.paragraphs == PARAS
    assert page.subheadings == ["Harvest lost"]
    assert [(f.caption, f.credits) for f in page.figures] == [
        ("Water covers the road near the old mill.", ("Jo Smith/Valley News",))
    ]
    assert page.authors == ["Dana Reyes", "Sam Okafor"]
    assert page.published == "2024-05-05T18:30:00+02:00"
    assert page.site_name == "Valley News"


def test_without_a_marked_lead_the_first_paragraph_leads():
    page = extract_article(news_page().replace('class="article-standfirst"', 'class="kicker-label"'))
    assert page.lead == [PARAS[0]] or page.lead[0].startswith("Two roads")
    assert PARAS[0] in [*page.lead, *page.paragraphs]


@pytest.mark.parametrize(
    ("caption", "expected"),
    [
        ("The gutted remains of the two buildings. Photograph: Eva Manez/Reuters", ["Eva Manez/Reuters"]),
        ("Sebastian Hendel beim Berlin-Marathon. (Foto: John MacDougall/AFP)", ["John MacDougall/AFP"]),
        ("Catherine Connolly in Galway. | Niall Carson/PA Images", ["Niall Carson/PA Images"]),
        ("尹大統領の発言をテレビで見る国民（ソウルで、３日）＝ＡＰ", ["ＡＰ"]),
        ("イスラエルの国旗＝同国で2019年5月", []),  # a date after "＝" is the caption's, not a credit
        ("A caption with no credit at all.", []),
    ],
)
def test_a_credit_written_at_the_end_of_a_caption_is_split_off(caption, expected):
    rest, credits = split_credit(caption)
    assert credits == expected
    assert rest and (rest == caption) == (not expected)


@pytest.mark.parametrize(
    "prelude",
    [
        "",
        "\ufeff",
        "\n\n   \t",
        '<?xml version="1.0" encoding="utf-8"?>\n',
        "<!-- saved by a crawler on 2024-05-05 -->\n",
        "<!--[if lt IE 9]><script src='html5shiv.js'></script><![endif]-->\n",
        "<script>window.dataLayer = [{'page': '<html>'}];</script>\n",
        '<?xml version="1.0"?>\n<!-- a comment -->\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN">\n',
    ],
)
def test_a_page_is_html_whatever_comes_before_its_root_element(prelude):
    markup = prelude + news_page().removeprefix("<!DOCTYPE html>\n")
    assert markup_kind(markup) == "html"
    assert extract_article(markup).title == "Rain floods the valley"


RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Valley News</title><link>https://valley.example/</link>
<item><title>Rain floods the valley</title><link>https://valley.example/flood</link>
<description>Two roads and the railway were closed.</description></item>
<item><title>Harvest lost</title><link>https://valley.example/harvest</link></item>
</channel></rss>"""
ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Valley News</title>
<entry><title>Rain floods the valley</title><link href="https://valley.example/flood"/></entry></feed>"""


def test_feeds_and_plain_text_are_told_from_pages():
    assert markup_kind(RSS) == "feed"
    assert markup_kind(ATOM) == "feed"
    assert markup_kind("Rain floods the valley\n\nHeavy rain flooded the lower valley on Sunday.") == "text"
    assert feed_detail(RSS).startswith("an RSS feed (2 entries), not an article")
    assert feed_detail(ATOM).startswith("an Atom feed (1 entries), not an article")


def home_page(sections: int = 3, teasers: int = 8) -> str:
    blocks = []
    for s in range(sections):
        items = "".join(
            f'<div class="teaser"><h3><a href="/news/{s}-{t}">Council approves plan number {t} for district {s} '
            f'after a long debate</a></h3><a href="/news/{s}-{t}" class="teaser-text">Residents of district {s} '
            f"will see work start on plan {t} next spring, the council said on Tuesday.</a></div>"
            for t in range(teasers)
        )
        blocks.append(f"<section><h2><a href='/section/{s}'>Section {s}</a></h2>{items}</section>")
    return (
        "<!DOCTYPE html><html><head><title>Valley News - Home</title>"
        '<meta property="og:type" content="website"></head><body>'
        "<nav><a href='/'>Home</a> <a href='/world'>World</a></nav><main>" + "".join(blocks) + "</main></body></html>"
    )


def test_a_home_page_of_teaser_headlines_is_not_an_article_and_says_why():
    with pytest.raises(NotAnArticle) as caught:
        extract_article(home_page())
    assert caught.value.reason == "not_an_article"
    assert "home or section page" in caught.value.detail
    assert "link" in caught.value.detail


NEXT_STORY = [
    "The striker signed a two-year contract on Friday, the club said, ending months of talks with his agent.",
    "He scored eleven goals last season and is expected to play in the cup match against the city rivals.",
]


def test_a_story_the_page_preloads_after_its_own_is_not_part_of_the_article():
    # Endless scrolling: the next story, its own headline, figure and paragraphs, set after the first.
    preloaded = (
        '<article class="next"><h1>Striker signs for two more years</h1><h2>Talks ended</h2>'
        '<figure><img src="/s.jpg"><figcaption>The striker. Photo: Ann Lee</figcaption></figure>'
        + "".join(f"<p>{p}</p>" for p in NEXT_STORY)
        + "</article>"
    )
    page = extract_article(news_page(body_extra=preloaded))
    assert page.paragraphs == PARAS
    assert (page.title, page.subheadings) == ("Rain floods the valley", ["Harvest lost"])
    assert [f.caption for f in page.figures] == ["Water covers the road near the old mill."]


def test_a_home_page_of_article_elements_each_with_a_headline_is_still_no_article():
    teasers = "".join(
        f"<article><h1><a href='/n/{i}'>Council approves plan number {i} after a long debate</a></h1>"
        f"<a href='/n/{i}'>Residents will see work start on plan {i} next spring, the council said.</a></article>"
        for i in range(12)
    )
    home = f"<html><head><title>Valley News - Home</title></head><body><main>{teasers}</main></body></html>"
    with pytest.raises(NotAnArticle) as caught:
        extract_article(home)
    assert caught.value.reason in ("not_an_article", "html_no_article")


def test_an_article_with_a_box_of_related_links_is_still_an_article():
    related = "<aside><h2>Read more</h2>" + "".join(
        f"<h3><a href='/x/{i}'>Another story about the valley number {i}</a></h3>" for i in range(12)
    )
    page = extract_article(news_page(body_extra=related + "</aside>"))
    assert page.paragraphs[:2] == PARAS[:2]


def test_a_block_the_extractor_keeps_in_a_div_is_read_block_by_block_and_a_cut_paragraph_is_joined():
    from lxml import etree

    from pipeline.article.web.page import xml_blocks

    body = etree.fromstring(
        "<main><div><div><p>NEW DELHI: </p>Pakistan<p>'s army widened the operation.</p>"
        "<p>Critics object.</p><head>What comes next</head><p>Talks resume.</p></div></div>"
        "<list><item>One point</item></list></main>"
    )
    assert list(xml_blocks(body)) == [
        ("p", "NEW DELHI: Pakistan's army widened the operation."),
        ("p", "Critics object."),
        ("head", "What comes next"),
        ("p", "Talks resume."),
        ("p", "One point"),
    ]


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ("<p>Two lines<br>of a lead</p>", "Two lines of a lead"),
        ("<div><p>One.</p><p>Two.</p></div>", "One. Two."),
        ("<p>A <a href='/x'>link</a>'s text</p>", "A link's text"),  # inline markup joins no words apart
        (
            "<div>Caption.<!-- c --><span class='credit'>Photo: Jo</span><p>Next</p> after</div>",
            "Caption.Photo: Jo Next after",
        ),
    ],
)
def test_an_elements_text_as_read_keeps_lines_and_blocks_apart(markup, expected):
    import lxml.html

    from pipeline.article.web.text import block_text

    assert block_text(lxml.html.fragment_fromstring(markup)) == expected


def test_a_read_also_label_set_as_a_heading_is_no_subheading(tmp_path: Path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    promo = "<h2>Lesen Sie auch</h2><p><a href='/other'>Another story</a></p>"
    (raw / "page.html").write_text(news_page().replace(f"<p>{PARAS[2]}</p>", promo + f"<p>{PARAS[2]}</p>"))
    run_cli("run", "--raw", str(raw), "--out", str(out), "--date", "2024-05-05", "-q")
    article = read_dataset(out, "articles").iloc[0]
    assert list(article["subheadings"]) == ["Harvest lost"]
    assert "trailer_link_promo" in list(article["removed"])


JAPANESE = """<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>韓国で非常戒厳</title></head>
<body><article><h1>韓国で非常戒厳</h1>
<figure><img src="/a.jpg"><figcaption>尹大統領の発言をテレビで見る国民（ソウルで、３日）＝ＡＰ</figcaption></figure>
<p>【ソウル＝中川孝之】韓国の尹錫悦（ユンソンニョル）大統領は３日夜、「非常戒厳」を宣布した。</p>
<p>国会は４日未明、戒厳の解除を求める決議案を可決した。ＡＰ通信などが伝えた。</p>
<p>尹氏は「従北勢力を撲滅する」と述べた。与野党からは批判が相次いだ。</p>
</article></body></html>"""


def test_full_width_characters_and_punctuation_stay_as_written(tmp_path: Path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "ja.html").write_text(JAPANESE, encoding="utf-8")
    out = tmp_path / "out"
    run_cli("run", "--raw", str(raw), "--out", str(out), "--date", "2024-12-03", "--workers", "1", "-q")
    article = read_dataset(out, "articles").iloc[0]
    assert "韓国の尹錫悦（ユンソンニョル）大統領は３日夜、「非常戒厳」を宣布した。" in article["body"]
    assert "ＡＰ通信" in article["body"]
    assert list(article["captions"]) == ["尹大統領の発言をテレビで見る国民（ソウルで、３日）"]
    assert list(article["photo_credits"]) == ["ＡＰ"]


def test_feeds_and_home_pages_land_in_rejects_with_their_reasons(tmp_path: Path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "feed.xml").write_text(RSS, encoding="utf-8")
    (raw / "home.html").write_text(home_page(), encoding="utf-8")
    (raw / "story.html").write_text(news_page(), encoding="utf-8")
    out = tmp_path / "out"
    run_cli("run", "--raw", str(raw), "--out", str(out), "--date", "2024-05-05", "-q", "--max-reject-rate", "1")
    rejects = read_dataset(out, "rejects").set_index("raw_path")
    assert rejects.loc["feed.xml", "reason"] == "feed"
    assert rejects.loc["home.html", "reason"] == "not_an_article"
    article = read_dataset(out, "articles").set_index("raw_path").loc["story.html"]
    assert article["title"] == "Rain floods the valley"
    assert article["lead"] == "Two roads and the railway were closed as the river rose two metres in six hours."
    assert list(article["subheadings"]) == ["Harvest lost"]
    assert list(article["photo_credits"]) == ["Jo Smith/Valley News"]
    assert article["author"] == "Dana Reyes; Sam Okafor"
    assert article["published_at"].isoformat() == "2024-05-05T16:30:00+00:00"


def shell_page(script: str, head: str = "") -> str:
    """A page rendered by JavaScript: its markup holds a spinner, its article is in a script."""
    return (
        "<!DOCTYPE html><html><head><title>Rain floods the valley</title>" + head + "</head><body>"
        "<main><div class='spinner'>Loading</div></main><script>" + script + "</script></body></html>"
    )


MORE = [
    "The county opened a shelter in the school hall on Sunday night for families who could not go home.",
    "Forecasters expect the rain to ease on Tuesday, though the river will stay high for the rest of the week.",
]
MORE = [
    "The county opened a shelter in the school hall on Sunday night for families who could not go home.",
    "Forecasters expect the rain to ease on Tuesday, though the river will stay high for the rest of the week.",
]
ARTICLE_HTML = f"<p><strong>{PARAS[0]}</strong></p><p>{PARAS[1]}</p><h3>Harvest lost</h3>" + "".join(
    f"<p>{p}</p>" for p in [*PARAS[2:], *MORE]
)


@pytest.mark.parametrize(
    "script",
    [
        f"self.__next_f.push([1,{json.dumps(ARTICLE_HTML)}])",  # Next.js app router (flight data)
        "window.__NUXT__=" + json.dumps({"data": [{"story": {"body": ARTICLE_HTML, "id": 7}}]}),
        "window.__STATE__=" + json.dumps({"teaser": "<p>Read more</p>", "article": {"html": ARTICLE_HTML}}),
    ],
)
def test_an_article_held_only_in_the_pages_script_state_is_found(script):
    page = extract_article(shell_page(script))
    assert [*page.lead, *page.paragraphs] == [*PARAS, *MORE]
    assert page.lead == [PARAS[0]]  # set in bold before the body
    assert page.subheadings == ["Harvest lost"]


def test_the_markups_article_wins_over_a_longer_text_in_a_script():
    other = "".join(f"<p>Another story, sentence number {i}, about something else entirely.</p>" for i in range(30))
    page = extract_article(news_page(body_extra=f"<script>window.__STATE__={json.dumps({'html': other})}</script>"))
    assert page.paragraphs == PARAS


def test_a_shell_page_without_an_article_anywhere_is_no_article():
    with pytest.raises(NotAnArticle) as caught:
        extract_article(
            shell_page("window.__STATE__=" + json.dumps({"menu": "<p>Home</p>" * 60})).replace("Loading", "")
        )
    assert caught.value.reason == "html_no_article"


def needs_fundus() -> Path:
    if not (FUNDUS / "gold.jsonl").is_file():
        pytest.skip(f"needs the fundus corpus at {FUNDUS} (only in the development workspace)")
    return FUNDUS


@pytest.mark.corpus
def test_cjk_fundus_pages_keep_their_full_width_characters(tmp_path: Path):
    fundus = needs_fundus()
    raw = tmp_path / "raw"
    raw.mkdir()
    golds = {}
    for line in (fundus / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        gold = json.loads(line)
        if gold["country"] in ("jp", "cn", "tw", "kr"):
            name = Path(gold["file"]).name
            (raw / name).write_bytes((fundus / gold["file"]).read_bytes())
            golds[name] = gold
    out = tmp_path / "out"
    run_cli("run", "--raw", str(raw), "--out", str(out), "--date", "2024-12-03", "--workers", "1", "-q")
    articles = read_dataset(out, "articles").set_index("raw_path")
    full_width = [chr(c) for c in range(0xFF01, 0xFF5F)] + ["\u3000"]
    checked = 0
    for name, gold in golds.items():
        if name not in articles.index:
            continue
        text = " ".join([*gold["lead"], *gold["paragraphs"]])
        wanted = {c for c in full_width if c in text and c != "\u3000"}
        kept = {c for c in wanted if c in articles.loc[name, "body"]}
        assert len(kept) >= 0.9 * len(wanted), (name, wanted - kept)
        checked += bool(wanted)
    assert checked >= 8  # the Japanese and Chinese pages write full-width punctuation


@pytest.mark.corpus
def test_every_fundus_article_is_an_article_and_none_is_taken_for_a_home_page():
    fundus = needs_fundus()
    refused = {}
    for page in sorted((fundus / "html").iterdir()):
        try:
            extract_article(page.read_bytes())
        except NotAnArticle as exc:
            refused[page.name] = exc.reason
    assert refused == {}  # kr_HankookIlbo_2026_01_29 holds its text only in a Next.js payload


def bare_page(top: str) -> str:
    """A page without an h1 (its headline set in a styled paragraph) and `top` above the body."""
    return (
        "<!DOCTYPE html><html><head><title>Rain floods the valley</title></head><body><main>"
        f"<p class='leading-tight text-24 font-bold'>Rain floods the valley</p>{top}"
        + "".join(f"<p>{p}</p>" for p in PARAS)
        + "</main></body></html>"
    )


def test_a_marked_lead_is_found_on_a_page_without_an_h1_and_line_spacing_marks_no_lead():
    lead = "Two roads and the railway were closed as the river rose two metres in six hours."
    page = extract_article(bare_page(f"<h2 class='sub-tit-ll'>{lead}</h2>"))
    assert page.lead == [lead]  # not the headline in its `leading-tight` (line spacing) paragraph
    assert page.paragraphs == PARAS


@pytest.mark.parametrize("furniture", ["Updated 15.59 | Published 14.14", "By Dana Reyes and 1 other"])
def test_a_time_stamp_or_byline_above_the_body_is_neither_lead_nor_body(furniture):
    page = extract_article(bare_page(f"<p>{furniture}</p>"))
    assert [*page.lead, *page.paragraphs] == PARAS
    assert page.lead == [PARAS[0]]


def test_a_short_deck_without_a_number_stays_the_lead():
    page = extract_article(bare_page("<p>A valley under water.</p>"))
    assert page.lead == ["A valley under water."]
    assert page.paragraphs == PARAS


HERO_CAPTION = "Water covers the road near the old mill on Sunday, as the river rose in the valley."
LEAD = "Two roads and the railway were closed as the river rose two metres in six hours."


def hero_page() -> str:
    """A page whose CMS describes the article by its hero image's caption (JSON-LD), sets the hero
    image in a box between headline and lead, and marks no lead: the lead is the paragraph the
    other description (og:description) repeats."""
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Rain floods the valley"}
    return (
        f"<!DOCTYPE html><html><head><title>Rain floods the valley</title>"
        f'<script type="application/ld+json">{json.dumps({**ld, "description": HERO_CAPTION})}</script>'
        f'<meta property="og:description" content="{LEAD}"></head><body><article><h1>Rain floods the valley</h1>'
        f"<div class='px-5'><figure><img src='/flood.jpg'><figcaption><div class='text-caption'>{HERO_CAPTION}"
        "</div><span class='credit'>Photo: Jo Smith</span></figcaption></figure></div>"
        f"<p>Valley. {LEAD}</p>" + "".join(f"<p>{p}</p>" for p in PARAS) + "</article></body></html>"
    )


def test_a_hero_images_caption_is_never_the_lead_even_when_the_json_ld_describes_the_page_by_it():
    page = extract_article(hero_page())
    assert page.lead == [f"Valley. {LEAD}"]
    assert page.paragraphs == PARAS
    assert [f.caption for f in page.figures] == [HERO_CAPTION]


FACT_BOX = (
    "<div class='article-factbox'><h3>Floods in the valley</h3><ul><li>1921: the river rose three metres "
    "and the old mill was lost.</li><li>1987: the lower road was closed for a week after the spring "
    "storms.</li></ul><p>Source: county archive, records of the river authority since the year 1900.</p></div>"
)


def test_a_fact_box_inside_the_article_is_neither_body_nor_subheading():
    page = extract_article(news_page().replace("<h2>Harvest lost</h2>", FACT_BOX + "<h2>Harvest lost</h2>"))
    assert page.paragraphs == PARAS
    assert page.subheadings == ["Harvest lost"]


def test_a_notice_written_three_times_in_the_body_is_a_placeholder_not_prose():
    notice = "<p>Your privacy settings block this embedded content. Change them to see it here.</p>"
    markup = news_page().replace(f"<p>{PARAS[1]}</p>", notice + f"<p>{PARAS[1]}</p>" + notice)
    page = extract_article(markup.replace(f"<p>{PARAS[3]}</p>", notice + f"<p>{PARAS[3]}</p>"))
    assert page.paragraphs == PARAS
