"""The extractor without its copy of the tree gives the document trafilatura's bare_extraction gives."""

from __future__ import annotations

import pytest
import trafilatura
from lxml import etree

from pipeline.article.web.extractor import extract_document
from pipeline.article.web.markup import load_page
from tests.test_webpage import home_page, news_page


def _fields(doc) -> dict | None:
    if doc is None:
        return None
    fields = {k: v for k, v in doc.as_dict().items() if k not in ("body", "commentsbody")}
    return fields | {"body": etree.tostring(doc.body, encoding="unicode")}


@pytest.mark.parametrize(
    "page",
    [
        news_page(),
        news_page(head='<link rel="canonical" href="https://valley.example/rain">'),
        home_page(),
        "<html><body><p>Too short.</p></body></html>",
        "<html><body><nav><a href='/'>Home</a></nav></body></html>",
    ],
)
def test_the_document_is_bare_extractions(page):
    options = dict(with_metadata=True, include_comments=False, include_tables=False, include_images=False)
    expected = _fields(trafilatura.bare_extraction(load_page(page), **options))
    assert _fields(extract_document(load_page(page))) == expected
