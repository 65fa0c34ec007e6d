"""The title: the headline the page's sources agree on, without the site name `<title>` adds."""

from __future__ import annotations

import re

from pipeline.article.web.text import attr_text, overlap

_TITLE_SEPARATOR = re.compile(r"\s+[|–—·•:\-]{1,2}\s+")
_DATE_PART = re.compile(r"^[\d./\- ]+$")


def site_names(ld: dict, meta: dict[str, str], url: str | None) -> list[str]:
    names = [meta.get("og:site_name", ""), meta.get("application-name", "")]
    if isinstance(publisher := ld.get("publisher"), dict):
        names.append(attr_text(publisher.get("name")))
    if host := re.sub(r"^https?://(?:www\.)?", "", url or meta.get("og:url", "")).split("/")[0]:
        names.append(host.rsplit(".", 1)[0])
    return [key for n in names if len(key := n.casefold().replace(" ", "")) >= 2]


def _is_site_part(part: str, site_names: list[str]) -> bool:
    key = part.casefold().replace(" ", "")
    return bool(_DATE_PART.match(part)) or any(key and (key in s or s in key) for s in site_names)


def title_without_site(title: str, site_names: list[str]) -> str:
    """A title without the site name or date that `<title>` and og:title add at either end."""
    parts = _TITLE_SEPARATOR.split(title)
    while len(parts) > 1 and _is_site_part(parts[-1], site_names):
        title = title[: title.rfind(parts.pop())].rstrip(" |–—·•:-")
    while len(parts) > 1 and _is_site_part(parts[0], site_names):
        title = title[title.find(parts[0]) + len(parts.pop(0)) :].lstrip(" |–—·•:-")
    return title


def choose_title(candidates: list[str]) -> str | None:
    """The candidate the others agree with most (the first on a tie): one odd source loses."""
    candidates = [c for c in candidates if c]
    if not candidates:
        return None
    support = [sum(overlap(c, o) for o in candidates) for c in candidates]
    return candidates[support.index(max(support))]
