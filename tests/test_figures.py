"""Captions and photo credits of a web page's figures: where pages mark them, and how the press
writes a credit. Every page and caption here was written for these tests."""

from __future__ import annotations

import pytest

from pipeline.article.web.credits import clean_credit, split_credit
from pipeline.article.web.figures import Figure, ld_figures, merge_figures, page_figures
from pipeline.article.web.layout import page_layout
from pipeline.article.web.markup import load_page

PROSE = "<p>" + " ".join(["The council met on Monday to discuss the budget for the coming year."] * 6) + "</p>"


def figures_of(body: str) -> list[tuple[str, tuple[str, ...]]]:
    tree = load_page(f"<html><body><article><h1>A headline</h1>{PROSE}{body}{PROSE}</article></body></html>")
    return [(f.caption, f.credits) for f in page_figures(page_layout(tree).captions, tree)]


@pytest.mark.parametrize(
    ("caption", "expected"),
    [
        ("Der Hafen am Morgen. Foto: Anna Berg", "Anna Berg"),
        ("Abantu emakethe. Isithombe: Sipho Dlamini", "Sipho Dlamini"),  # Zulu
        ("Мост через реку. Источник: Иван Петров", "Иван Петров"),  # Russian
        ("Nowy most na Wiśle. Fot. Jan Kowalski", "Jan Kowalski"),  # Polish abbreviation
        ("The new dark mode. Image Credits: Valley Apps", "Valley Apps"),
        ("시장이 연설하고 있다. 사진=김민수", "김민수"),  # Korean "photo=agency"
        ("川沿いの桜並木（Ｃ）山田通信", "山田通信"),  # full-width (C)
        ("駅前の広場＝5日（佐藤花子撮影）", "佐藤花子"),  # "taken by"
        ("港に入る船（ロイター＝共同）", "ロイター＝共同"),  # "Getty via Kyodo"
        ("The mayor greets voters in Springfield, Ill. (AP Photo/Jo Lane)", "AP Photo/Jo Lane"),
        ("The new bridge opens in March. (Ana Ruiz/Valley News)", "Ana Ruiz/Valley News"),
        ("The hall was repainted over the winter. Supplied", "Supplied"),
        ("시장이 다리를 걷고 있다. 박지훈 기자", "박지훈 기자"),  # Korean: the credit after the last sentence
    ],
)
def test_a_credit_written_after_a_caption_in_many_languages_is_split_off(caption, expected):
    rest, credits = split_credit(caption)
    assert [clean_credit(c) for c in credits] == [expected]
    assert rest and expected not in rest


@pytest.mark.parametrize(
    "caption",
    [
        "Der Bürgermeister bei der Eröffnung. (Archivbild)",  # a note on the picture's kind
        "Soldiers of the U.S. Army",  # "U.S." ends no sentence
        "The mayor with Dr. Smith",
        "The mayor on Sunday. (on the left)",  # lowercase: no name
        "Rain over the valley on Sunday.",
    ],
)
def test_what_only_looks_like_a_credit_stays_in_the_caption(caption):
    assert split_credit(caption) == (caption, [])


def test_a_credit_only_its_place_suggests_is_not_taken_when_the_figure_marks_one():
    caption = "The hall was repainted over the winter. Supplied"
    assert split_credit(caption, weak=False) == (caption, [])


def test_a_caption_that_is_only_a_labelled_credit_is_a_credit():
    assert split_credit("коллаж: Иван Петров") == ("", ["Иван Петров"])


def test_an_unmarked_line_labelled_as_a_credit_inside_a_figure_is_the_credit():
    body = """<figure><img src="/a.jpg"><figcaption>The prime minister in Prague.</figcaption>
    <span class="e_bz"><span>Foto: Eva Nováková, Zprávy</span></span></figure>"""
    assert figures_of(body) == [("The prime minister in Prague.", ("Eva Nováková, Zprávy",))]


def test_the_innermost_credit_is_taken_but_not_a_bare_label_inside_it():
    body = """<figure><img src="/a.jpg"><figcaption>An airer on the landing.
    <span class="caption__credit"><span class="caption__credit-label">Credit</span>: Valley Shop</span>
    </figcaption></figure>"""
    assert figures_of(body) == [("An airer on the landing.", ("Valley Shop",))]


def test_a_small_holding_the_whole_caption_is_the_caption_not_its_credit():
    body = """<figure><img src="/a.jpg"><figcaption><small>A member of the brigade at a rally.
    (Quelle: Agentur/Jo Weber)</small></figcaption></figure>"""
    assert figures_of(body) == [("A member of the brigade at a rally.", ("Agentur/Jo Weber",))]


def test_an_image_drawn_by_a_web_component_still_makes_a_figure():
    body = """<div><click-enlarge><brick-image-v3 src="/a.jpg"></brick-image-v3></click-enlarge>
    <div class="article-img-caption-wrap"><span>VISIT: The singer and her band.</span>
    <span class="image-photographer">Foto: Alex Berg (Valley News)</span></div></div>"""
    assert figures_of(body) == [("VISIT: The singer and her band.", ("Alex Berg (Valley News)",))]


def test_a_caption_in_a_block_holding_much_more_text_is_no_figure():
    body = f"""<div class="author-box"><img src="/portrait.jpg"><p class="caption">05.11.2025, 18:00</p>
    {PROSE}</div>"""
    assert figures_of(body) == []


def test_an_image_with_a_caption_line_and_a_labelled_credit_line_beside_it_is_a_figure():
    body = """<div class="imgbox"><div><img src="/a.jpg"></div>
    <h1>Rowers take part in the opening race on the river.</h1><p>Photo: Valley News</p></div>"""
    assert figures_of(body) == [("Rowers take part in the opening race on the river.", ("Valley News",))]


def test_a_line_repeating_an_images_alt_text_is_its_caption_and_what_follows_its_credit():
    body = """<div><picture><img src="/a.jpg" alt="The coach wants to win the last three games."></picture>
    <p>The coach wants to win the last three games. <span>Jo Smith/Valley News</span></p></div>"""
    assert figures_of(body) == [("The coach wants to win the last three games.", ("Jo Smith/Valley News",))]


def test_a_buttons_label_beside_an_image_is_not_the_text_set_beside_it():
    body = """<header><div><div><picture><img src="/a.jpg" alt="Boxes from the harbour are sorted by hand.">
    </picture></div><div><button>Show the description</button></div></div>
    <div style="display:none;"><span>Boxes from the harbour are sorted by hand.</span><small>dpa</small></div>
    </header>"""
    assert figures_of(body) == [("Boxes from the harbour are sorted by hand.", ("dpa",))]


def test_a_credited_alt_text_is_a_caption_when_the_page_shows_none():
    body = """<div class="hero"><picture><img src="/a.jpg" alt="A stone in the garden &copy; Valley News Foto: Jo Berg"
    title="A stone in the garden"></picture></div>"""
    assert figures_of(body) == [("A stone in the garden", ("Valley News Foto: Jo Berg",))]


@pytest.mark.parametrize(
    "teaser",
    [
        # an image beside a linked headline
        """<div class="teaser"><img src="/b.jpg" alt="Lights over the bay. &copy; Foto: Tim Berg">
        <div><h2><a href="/b">Northern lights: more to come</a></h2><p>Many missed them last night.</p></div></div>""",
        # an image in a block named a teaser, beside a video's duration
        """<div class="teaser"><div class="teaserimage"><div class="image-container"><picture>
        <img src="/e.jpg" alt="Results of the vote. &copy; Screenshot"></picture>
        <div class="media"><span class="duration">8 Min</span></div></div></div></div>""",
        # a linked image
        """<a href="/c"><img src="/c.jpg" alt="Fire crews at the mill. Foto: Jo Smith"></a>""",
        # an image whose alt text repeats a linked headline beside it
        """<div><img src="/d.jpg" alt="The mayor opens the new bridge over the river">
        <p><a href="/d">The mayor opens the new bridge over the river</a></p></div>""",
    ],
)
def test_a_teasers_image_gives_no_figure(teaser):
    assert figures_of(teaser) == []


def test_a_caption_written_again_beside_its_credit_gives_the_figure_its_credit():
    body = """<figure><img src="/a.jpg"><figcaption><span class="caption">Crowds along the route.</span></figcaption>
    </figure><section class="image-meta"><div><div class="image-description">Crowds along the route.</div></div>
    <div><div class="image-copyright">Agency/dpa | Jo Weber</div></div></section>"""
    assert figures_of(body) == [("Crowds along the route.", ("Agency/dpa | Jo Weber",))]


def test_a_distributor_marked_after_the_photographer_is_a_credit_too():
    body = """<figure><img src="/a.jpg"><figcaption><span>People look at the flooded square.</span>
    <span class=credit>Photo by Jo Lane</span> /<span class=distributor>Valley Agency</span>
    </figcaption></figure>"""
    assert figures_of(body) == [("People look at the flooded square.", ("Jo Lane", "Valley Agency"))]


def test_an_authors_portrait_told_by_its_byline_caption_is_no_figure():
    body = """<figure><img src="/jo.jpg"><figcaption>Von Jo Wagner 10.09.2025, 09:53 Uhr</figcaption></figure>
    <figure><img src="/cu.jpg"><figcaption>Von Chris Berg, Redakteur 09.09.2025, 09:58 Uhr</figcaption></figure>
    <figure><img src="/b.jpg"><figcaption>By the river at dawn, the mill stands empty.</figcaption></figure>"""
    assert figures_of(body) == [("By the river at dawn, the mill stands empty.", ())]


@pytest.mark.parametrize(
    ("attributes", "credits"),
    [
        ('data-credit="Jo Smith/Reuters"', ("Jo Smith/Reuters",)),
        ('data-modal-image-credit="Jo Smith"', ("Jo Smith",)),
        ('data-copyright="https://example.org/rights"', ()),  # a URL is no credit
        ('data-source="Jo Smith"', ()),  # "source" also names URLs and ids: not read from attributes
        ('data-hide-credits="true" data-credit-text-color="#727272"', ()),  # a flag, a style
    ],
)
def test_a_credit_held_in_a_figure_attribute_is_read_when_it_names_a_credit(attributes, credits):
    body = f"""<figure><div {attributes}><img src="/a.jpg"></div><figcaption>The mill.</figcaption></figure>"""
    assert figures_of(body) == [("The mill.", credits)]


def test_figure_is_a_typed_record():
    assert Figure("A caption") == Figure("A caption", ())


def test_json_ld_image_credits_come_from_their_fields_or_the_captions_end():
    article = {
        "image": [
            {"@type": "ImageObject", "caption": "The hall was repainted. Supplied"},
            {"@type": "ImageObject", "caption": "The golf course.", "copyrightNotice": "Jo Smith"},
            {"@type": "ImageObject", "url": "/no-caption.jpg", "creditText": "Ann Lee"},
        ]
    }
    assert ld_figures(article) == [
        Figure("The hall was repainted.", ("Supplied",)),
        Figure("The golf course.", ("Jo Smith",)),
    ]


def test_a_described_caption_that_is_only_a_credit_the_page_shows_is_not_added_again():
    page = [Figure("", ("Иван Петров",))]
    assert merge_figures(page, [Figure("", ("Иван Петров",))]) == page
