"""The headline as readers see it: the page's ``<h1>`` when it is the article's, else the
structured or social title without the site name glued to it."""

from __future__ import annotations

import re

from lxml import etree

from newsdesk.extraction.blocks import SKIP_TAGS, inline_text

_SEPARATORS = re.compile(r"\s+[|\-–—·:»/]\s+|\s*[|｜]\s*|--")
_WORD = re.compile(r"\w+")


def _words(text: str) -> set[str]:
    return {w.casefold() for w in _WORD.findall(text)}


def _similarity(a: str, b: str) -> float:
    wa, wb = _words(a), _words(b)
    return len(wa & wb) / max(1, min(len(wa), len(wb)))


def _in_furniture(element: etree._Element) -> bool:
    node = element.getparent()
    while node is not None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in ("header", "nav", "footer", "aside") and tag not in ("article",):
            # A header inside the article is where the headline lives; a page header is not.
            return node.xpath("ancestor::article") == [] and tag != "header"
        if tag in SKIP_TAGS:
            return True
        node = node.getparent()
    return False


def strip_site_name(title: str, site_names: list[str]) -> str:
    """``Headline | Site`` / ``Headline - Site`` -> ``Headline`` (also for a leading site)."""
    parts = [p for p in _SEPARATORS.split(title) if p.strip()]
    if len(parts) < 2:
        return title.strip()
    names = [n.casefold() for n in site_names if n]
    # Drop segments that are the site's name, or short segments at the ends.
    kept = list(parts)
    for end in (-1, 0):
        if len(kept) < 2:
            break
        segment = kept[end].strip()
        if any(segment.casefold() in n or n in segment.casefold() for n in names) or (
            len(segment.split()) <= 3
            and len(segment) < 30
            and len(kept[end + 1 if end == 0 else -2]) > 2 * len(segment)
        ):
            kept.pop(end)
    joined = title
    if kept != parts:
        # Cut the original string, so separators inside the headline survive.
        first, last = kept[0].strip(), kept[-1].strip()
        start = title.find(first)
        stop = title.rfind(last) + len(last)
        joined = title[start:stop] if 0 <= start < stop else " ".join(kept)
    return joined.strip()


def strip_known_site(title: str, site_names: list[str]) -> str:
    """Remove a site name glued to either end of a title (``Headline | Site``)."""
    for name in (n.strip() for n in site_names if n and n.strip()):
        for pattern in (
            # "Headline | Site" and "Headline | Site | by Author"
            rf"\s*[|\-–—·:»/*]+\s*{re.escape(name)}(?:\s*[|\-–—·:»/*]+\s*by\s[^|]*)?\s*$",
            rf"^\s*{re.escape(name)}\s*[|\-–—·:»/]+\s*",
        ):
            stripped = re.sub(pattern, "", title, flags=re.IGNORECASE)
            if stripped != title and stripped.strip():
                return stripped.strip()
    return title.strip()


def choose_title(tree: etree._Element, meta_titles: list[str], site_names: list[str]) -> str:
    """The article headline: the structured headline, else the social title, else the
    ``<title>``, without the site's name; the article's ``<h1>`` when there is nothing else
    or when the meta title is the h1 with the site glued on.

    Args:
        tree: the page.
        meta_titles: JSON-LD headline, og:title, twitter:title, <title>, best first.
        site_names: og:site_name and the like, to strip from meta titles.
    """
    h1s = [inline_text(h1) for h1 in tree.iter("h1") if not _in_furniture(h1)]
    h1s = [t for t in h1s if 3 <= len(t) <= 400]
    for candidate in meta_titles:
        if not candidate:
            continue
        title = strip_known_site(candidate, site_names)
        for h1 in h1s:
            # "<h1> | Site" or "<h1> - Section - Site": the h1 is the clean headline.
            if h1 != title and title.startswith(h1) and _SEPARATORS.match(title[len(h1) :]):
                return h1
        return title
    return h1s[0] if h1s else ""
