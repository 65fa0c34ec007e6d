"""What a page says about itself for search engines: schema.org JSON-LD and `<meta>` tags."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from collections.abc import Iterator

import lxml.html

from pipeline.article.web.text import attr_text

_ARTICLE_TYPE = re.compile(r"(?:Article|BlogPosting|Report)$")


def _ld_objects(data: object) -> Iterator[dict]:
    if isinstance(data, list):
        for item in data:
            yield from _ld_objects(item)
    elif isinstance(data, dict):
        yield data
        for key in ("@graph", "mainEntity"):
            if isinstance(data.get(key), (dict, list)):
                yield from _ld_objects(data[key])


def _types(obj: dict) -> list[str]:
    types = obj.get("@type")
    return [t for t in (types if isinstance(types, list) else [types]) if isinstance(t, str)]


def json_ld(tree: lxml.html.HtmlElement) -> tuple[dict, set[str]]:
    """The page's first schema.org Article-like object (NewsArticle, ReportageNewsArticle, ...) or {},
    and every type the page's JSON-LD declares."""
    found: dict = {}
    types: set[str] = set()
    for script in tree.iterfind(".//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text or "", strict=False)
        except ValueError:
            continue
        for obj in _ld_objects(data):
            declared = _types(obj)
            types.update(declared)
            if not found and any(_ARTICLE_TYPE.search(t) for t in declared):
                found = obj
    return found, types


def names(value: object) -> list[str]:
    """Names in a JSON-LD author value: a string, a Person (its name, else its given and family
    names) or Organization, or a list of them."""
    if isinstance(value, str):
        return [t] if (t := attr_text(value)) and not t.startswith("http") else []
    if isinstance(value, dict):
        given = f"{attr_text(value.get('givenName'))} {attr_text(value.get('familyName'))}".strip()
        return names(value.get("name") or given)
    if isinstance(value, list):
        return [name for item in value for name in names(item)]
    return []


def meta_tags(tree: lxml.html.HtmlElement) -> dict[str, str]:
    """`<meta>` content by property, name or itemprop (lowercased); the first occurrence wins."""
    found: dict[str, str] = {}
    for el in tree.iter("meta"):
        key = el.get("property") or el.get("name") or el.get("itemprop")
        value = el.get("content")
        if key and value and (key := key.lower()) not in found:
            found[key] = attr_text(value)
    return found


_ISO_DATE = re.compile(r"\d{4}-\d\d-\d\d")
# A date that `<title>` or og:title ends with ("... | DW | 28.04.2023"): dotted day first, as written
# wherever dots separate a date, or ISO; never slashes (month or day first depends on the country).
_TITLE_DATE = re.compile(
    r"(?:^|[\s|–—·•:\-])(?:(\d{1,2})\.(\d{1,2})\.((?:19|20)\d\d)|((?:19|20)\d\d)-(\d\d)-(\d\d))\s*$"
)


def _marked_times(tree: lxml.html.HtmlElement) -> Iterator[str]:
    """Publication times schema.org microdata marks (`<time itemprop="datePublished" datetime=...>`)."""
    for el in tree.iterfind(".//*[@itemprop='datePublished']"):
        yield attr_text(el.get("datetime")) or attr_text(el.get("content"))


def title_date(titles: list[str]) -> str:
    """The date a page's title ends with, as ISO 8601 (a day: its time is not written there)."""
    for title in titles:
        if m := _TITLE_DATE.search(title):
            day, month, year = (m[1], m[2], m[3]) if m[1] else (m[6], m[5], m[4])
            try:
                return dt.date(int(year), int(month), int(day)).isoformat()
            except ValueError:
                continue
    return ""


def published_time(ld: dict, meta: dict[str, str], tree: lxml.html.HtmlElement | None) -> str:
    """The page's own publication time: JSON-LD's, article:published_time, else the first the page
    marks with microdata (when a tree is given); "" when it states none."""
    marked = _marked_times(tree) if tree is not None else ()
    for value in itertools.chain((attr_text(ld.get("datePublished")), meta.get("article:published_time", "")), marked):
        if _ISO_DATE.match(value):
            return value
    return ""


def page_date(tree: lxml.html.HtmlElement, url: str | None, saved_at: dt.datetime | None = None) -> str:
    """htmldate's search of the whole page and its URL for the date it was published ("" when it finds
    none): the extractor's own way, for a page that states no publication time of its own.

    No date after the day the page was saved (fetched, or its file written) is taken, the day after
    allowing for time zones. htmldate's own bound is today on this machine's clock, so a rerun on a
    later day, or in another time zone, could date the same page differently; None keeps it."""
    from htmldate import find_date  # (a trafilatura dependency: only runs with pages import it)
    from trafilatura.settings import set_date_params

    params = set_date_params(True)
    if saved_at is not None:
        params["max_date"] = (saved_at.astimezone(dt.UTC).date() + dt.timedelta(days=1)).isoformat()
    return find_date(tree, **params, url=url) or ""


def own_url(tree: lxml.html.HtmlElement, meta: dict[str, str]) -> str | None:
    """The page's own address: og:url (where this copy lives), else its canonical link (for a copy
    of another site's article, that site's); None when it states neither."""
    if meta.get("og:url", "").startswith(("http:", "https:")):
        return meta["og:url"]
    for link in tree.iterfind(".//link[@rel='canonical']"):
        if (href := attr_text(link.get("href"))).startswith(("http:", "https:")):
            return href
    return None


def site_name(ld: dict, meta: dict[str, str]) -> str | None:
    """The publication's name: og:site_name, else JSON-LD's publisher, else the application's name."""
    from_ld = next(iter(names(ld.get("publisher"))), "")
    return meta.get("og:site_name") or from_ld or meta.get("application-name") or None
