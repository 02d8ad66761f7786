"""The headline as readers see it: the page's ``<h1>`` when it is the article's, else the
structured or social title without the site name glued to it."""

from __future__ import annotations

import re

from lxml import etree

from newsdesk.extraction.blocks import SKIP_TAGS, inline_text

_SEPARATORS = re.compile(r"\s+[|\-–—·:»/]\s+|\s*[|｜]\s*|--")


def _in_furniture(element: etree._Element) -> bool:
    node = element.getparent()
    while node is not None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag == "header":
            return False  # where the headline lives, inside <article> or just before it
        if tag in ("nav", "footer", "aside"):
            return not node.xpath("ancestor::article")
        if tag in SKIP_TAGS:
            return True
        node = node.getparent()
    return False


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
