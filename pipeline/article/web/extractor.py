"""trafilatura's `bare_extraction` of a parsed page, without the copy it makes of a tree it is handed.

Given a tree, `bare_extraction` copies it whole first, so as to leave the caller's tree as it was.
newsetl reads its own signals before and hands the tree over for good: the copy, and freeing it,
were ~3 % of the CPU of a run over web pages (docs/html.md, Speed). This is
`bare_extraction`'s own sequence for newsetl's options (trafilatura 2.3, `core.bare_extraction`), the
copy left out; `tests/test_webpage.py` checks that both give the same document.
"""

from __future__ import annotations

from lxml.etree import strip_tags
from lxml.html import HtmlElement
from trafilatura.core import trafilatura_sequence
from trafilatura.metadata import Document, extract_metadata
from trafilatura.settings import Extractor
from trafilatura.xml import xmltotxt


def extract_document(tree: HtmlElement, url: str | None = None) -> Document | None:
    """`bare_extraction(tree, url, with_metadata=True, include_comments=False, include_tables=False,
    include_images=False)`, on `tree` itself: the caller must not use it afterwards. None when the
    page holds too little text."""
    options = Extractor(output_format="python", comments=False, tables=False, images=False, url=url, with_metadata=True)
    try:
        document = extract_metadata(tree, options.url, options.date_params, options.fast, options.author_blacklist)
        if document.url in options.url_blacklist:
            return None
        body, text, _, comments = trafilatura_sequence(tree, options, options.url or document.url)
        if options.max_tree_size and len(body) > options.max_tree_size:
            strip_tags(body, "hi")
            if len(body) > options.max_tree_size:
                return None
        if len(text) < options.min_output_size and len(comments) < options.min_output_comm_size:
            return None
    except (TypeError, ValueError):
        return None
    document.text = xmltotxt(body, options.formatting)
    document.raw_text = document.text
    document.body = body
    return document
