"""JSON-LD in a page: the Article-like object, and the names and image URLs inside it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from lxml import etree

_ARTICLE_TYPES = {
    "article",
    "newsarticle",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "blogposting",
    "opinionnewsarticle",
    "reviewnewsarticle",
    "backgroundnewsarticle",
    "liveblogposting",
    "techarticle",
    "scholarlyarticle",
    "report",
    "webpage",
}


def _walk_jsonld(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, list):
        for item in node:
            yield from _walk_jsonld(item)
    elif isinstance(node, dict):
        yield node
        for key in ("@graph", "mainEntity", "mainEntityOfPage", "hasPart"):
            if key in node:
                yield from _walk_jsonld(node[key])


def _types(node: dict[str, Any]) -> set[str]:
    kinds = node.get("@type", [])
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return {str(k).lower() for k in kinds}


def ld_names(value: Any) -> list[str]:
    """The names in a JSON-LD value: a string, a list, or objects with a ``name``."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [n for item in value for n in ld_names(item)]
    if isinstance(value, dict):
        return ld_names(value.get("name", ""))
    return []


def ld_image_url(value: Any) -> str:
    """The first image URL in a JSON-LD value: a string, a list, or an ImageObject."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return next((u for u in map(ld_image_url, value) if u), "")
    if isinstance(value, dict):
        return ld_image_url(value.get("url") or value.get("contentUrl") or "")
    return ""


def json_ld_article(tree: etree._Element) -> dict[str, Any]:
    """The first Article-like JSON-LD object in the page (empty when there is none)."""
    best: dict[str, Any] = {}
    for script in tree.iterfind(".//script"):
        if "ld+json" not in (script.get("type") or "").lower() or not script.text:
            continue
        try:
            data = json.loads(script.text.strip().rstrip(";"), strict=False)
        except (ValueError, RecursionError):  # not JSON, a number too long, nested too deep
            continue
        for node in _walk_jsonld(data):
            kinds = _types(node)
            if kinds & _ARTICLE_TYPES and (node.get("headline") or node.get("datePublished")):
                if "webpage" not in kinds:
                    return node
                best = best or node
    return best
