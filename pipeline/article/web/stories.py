"""A page that preloads the stories after its own (endless scrolling) sets each in an `article`
element with its own headline: only the page's own story is the article."""

from __future__ import annotations

import lxml.html

from pipeline.article.web.text import element_text, overlap


def _headline(article: lxml.html.HtmlElement) -> str:
    return next((text for h1 in article.iter("h1") if (text := element_text(h1))), "")


def drop_other_stories(tree: lxml.html.HtmlElement, titles: list[str]) -> None:
    """Removes from `tree` the outermost `article` elements that carry a headline (`h1`) of their
    own, but for the one whose headline is the title the page gives itself (JSON-LD, og:title,
    `<title>`). Nothing is removed unless exactly one such element is the
    page's own: a page whose titles name none of them (a home page of teasers) is left to the
    home-page check."""
    stories = [
        a
        for a in tree.iter("article")
        if a.find(".//h1") is not None and not any(up.tag == "article" for up in a.iterancestors())
    ]
    if len(stories) < 2:
        return
    own = [a for a in stories if (h := _headline(a)) and any(overlap(h, t) >= 0.5 for t in titles)]
    if len(own) != 1:
        return
    for story in stories:
        if story is not own[0]:
            story.drop_tree()  # (keeps the text after it: it is not the story's)
