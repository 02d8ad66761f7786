"""Stage 3, extract: an article page's main text and metadata.

``extract(html, url)`` tries a per-site rule's body first (``sites/*.toml``), else trafilatura
on the page without what the rule removes and what the page hides, with readability-lxml as a
second opinion on short texts; then it cleans out boilerplate and what the page marks as
captions, links elsewhere and bylines (``furniture``), puts back a missing standfirst, and
applies the rule's metadata. Text is assembled as a browser renders it (``newsdesk.text``). It
is the function behind ``newsdesk extract``.
"""

from __future__ import annotations

import json
from copy import deepcopy
from dataclasses import replace
from typing import Any, cast
from urllib.parse import urljoin

import lxml.html
from lxml import etree
from lxml.cssselect import CSSSelector

from newsdesk.dates import has_time, parse_date
from newsdesk.extraction.blocks import FEW_WORDS, collect_blocks, drop, inline_text, text_size
from newsdesk.extraction.cleanup import clean_blocks
from newsdesk.extraction.furniture import Furniture, page_furniture
from newsdesk.extraction.generic import (
    htmldate_date,
    mark_dropped,
    parse_like_trafilatura,
    trafilatura_author,
    trafilatura_blocks,
)
from newsdesk.extraction.metadata import PageMeta, page_metadata
from newsdesk.extraction.pagedates import visible_date
from newsdesk.extraction.readable import second_opinion
from newsdesk.extraction.rules import SiteRule, rule_for
from newsdesk.models import Block, Extracted
from newsdesk.words import word_tokens

__all__ = ["extract", "extracted_json", "parse_html"]


def parse_html(html: str) -> etree._Element:
    """Parse HTML leniently into an lxml tree (an empty document for empty input)."""
    if not html.strip():
        return lxml.html.fromstring("<html><body></body></html>")
    try:
        return lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        # Encoding declarations inside a str confuse lxml; bytes never do.
        return lxml.html.document_fromstring(html.encode("utf-8", "replace"))


def _rule_blocks(rule: SiteRule, tree: etree._Element) -> list[Block]:
    """The blocks of the rule's body element, without what its ``remove`` selectors name."""
    body = rule.first(tree, "body")
    if body is None:
        return []
    body = deepcopy(body)
    for selector in rule.remove:
        for element in cast(list[etree._Element], selector(body)):
            if element is not body:
                drop(element)
    return collect_blocks(body, drop_link_only=True)


def _with_rule_metadata(
    rule: SiteRule, tree: etree._Element, url: str, result: Extracted
) -> Extracted:
    """The rule's title, author and image where it finds them; its date where the page's
    structured data has none."""
    author = rule.value(tree, "author")
    image = rule.value(tree, "image")
    date, date_has_time = result.date, result.date_has_time
    if date is None and rule.date:
        shown = rule.value(tree, "date")
        date, date_has_time = visible_date(shown), has_time(shown)
    return replace(
        result,
        title=rule.headline(tree) or result.title,
        authors=(author,) if author else result.authors,
        image=urljoin(url, image) if image else result.image,
        date=date,
        date_has_time=date_has_time,
    )


_LEAD_TAGS = ("p", "div", "h2", "span", "section", "strong")


def recover_lead(tree: etree._Element, blocks: list[Block], description: str) -> list[Block]:
    """Put back the standfirst when the main-text pass left it out.

    Many pages show their summary (the meta description) as a visible lead above the body,
    outside the container that extractors pick; it is part of the article.
    """
    want = word_tokens(description)
    if len(want) < 8 or not blocks:
        return blocks
    opening = " ".join(want[:8])
    if opening in " ".join(word_tokens(" ".join(b.text for b in blocks))):
        return blocks  # already there, perhaps below a picture caption or a byline
    # Only text nodes that hold the description's first three words can start the visible
    # lead; testing just those keeps this linear on huge pages.
    start = " ".join(want[:3])
    for node in tree.iter():
        if not isinstance(node.tag, str) or node.tag in ("script", "style", "meta", "title"):
            continue
        if not (node.text and start in " ".join(word_tokens(node.text))):
            continue
        element = node
        for _ in range(3):  # the text may sit in a <b> or <span> inside the lead paragraph
            if element.tag in _LEAD_TAGS and not element.xpath(
                "ancestor::head or ancestor::nav or ancestor::footer"
            ):
                text = inline_text(element)
                got = word_tokens(text)
                if (
                    8 <= len(got) <= 2 * len(want)
                    and opening in " ".join(got)
                    and len(set(got) & set(want)) >= 0.8 * len(set(got))
                ):
                    return [Block("p", text), *blocks]
            parent = element.getparent()
            if parent is None:
                break
            element = parent
    return blocks


def extract(
    html: str, url: str = "", *, search_date: bool = True, search_authors: bool = True
) -> Extracted:
    """Extract the main text and metadata of an article page.

    Args:
        html: the page's HTML, decoded.
        url: the page's URL, for site rules and resolving relative links.
        search_date: when the page's structured data and meta tags give no date, search the
            whole page for one (htmldate; the costliest metadata step). The pipeline turns it
            off when the feed entry already dates the article.
        search_authors: likewise for bylines, when the feed entry already names the authors.
    """
    tree = parse_like_trafilatura(html)
    if tree is None:
        tree = parse_html(html)
    meta = page_metadata(tree, url)
    furniture = page_furniture(tree, meta.authors)
    rule = rule_for(tree, url)
    result: Extracted | None = None
    if rule is not None and rule.body:
        # A rule's body is what its site calls the article (investing.com's starts with the
        # byline, as the reference post does): only boilerplate is taken out of it.
        blocks = clean_blocks(_rule_blocks(rule, tree), rule.headline(tree) or meta.title)
        result = _from_blocks(blocks, meta, f"rule:{rule.name}")
        if text_size(result.blocks) < FEW_WORDS:
            result = None
    if result is None:
        remove = rule.remove if rule is not None else ()
        result = _generic(
            url,
            tree,
            meta,
            furniture,
            remove,
            search_date=search_date,
            search_authors=search_authors,
        )
    if rule is not None:
        result = _with_rule_metadata(rule, tree, url, result)
    return result


def _from_blocks(
    blocks: list[Block], meta: PageMeta, method: str, fallback_date: str = ""
) -> Extracted:
    date, date_has_time = meta.date, meta.date_has_time
    if date is None:
        date, date_has_time = parse_date(fallback_date), has_time(fallback_date)
    return Extracted(
        blocks=tuple(blocks),
        title=meta.title,
        authors=meta.authors,
        date=date,
        date_has_time=date_has_time,
        image=meta.image,
        language=meta.language,
        description=meta.description,
        method=method,
    )


def _generic(
    url: str,
    tree: lxml.html.HtmlElement,
    meta: PageMeta,
    furniture: Furniture,
    remove: tuple[CSSSelector, ...] = (),
    *,
    search_date: bool = True,
    search_authors: bool = True,
) -> Extracted:
    """trafilatura's main text, or readability's where it is clearly better, then the lead.
    ``remove``: a site rule's selectors, dropped before either extractor reads; the search
    flags: whether to search the page for a date or authors its metadata lacks."""
    # The page's own date and byline are searched first, on the page as it came: the text
    # pass below marks the spaces around inline elements.
    date = htmldate_date(tree, url) if meta.date is None and search_date else ""
    author = trafilatura_author(tree) if not meta.authors and search_authors else ""
    marked = mark_dropped(tree, remove)
    blocks = clean_blocks(trafilatura_blocks(tree, url, prune=marked), meta.title, furniture)
    if marked and text_size(blocks) < FEW_WORDS:
        # Some pages render hidden and let a script show the text (YouTube's description).
        unpruned = clean_blocks(trafilatura_blocks(tree, url), meta.title, furniture)
        if text_size(unpruned) > 2 * text_size(blocks):
            blocks = unpruned
    method = "trafilatura"
    other = second_opinion(tree, blocks)
    if other is not None:
        blocks, method = clean_blocks(other, meta.title, furniture), "readability"
    blocks = recover_lead(tree, blocks, meta.description)
    result = _from_blocks(blocks, meta, method, date)
    if author:
        result = replace(result, authors=tuple(a.strip() for a in author.split(";") if a.strip()))
    return result


def extracted_json(result: Extracted) -> dict[str, Any]:
    """The JSON object ``newsdesk extract`` prints."""
    return {
        "text": result.text,
        "title": result.title,
        "authors": list(result.authors),
        "date": _iso_date(result),
        "image": result.image or None,
        "language": result.language or None,
        "description": result.description or None,
        "method": result.method,
    }


def _iso_date(result: Extracted) -> str | None:
    """ISO 8601 with the offset; only ``YYYY-MM-DD`` when the page gives only the day."""
    if result.date is None:
        return None
    return result.date.isoformat() if result.date_has_time else result.date.date().isoformat()


def dumps(result: Extracted) -> str:
    """``extracted_json`` as an indented JSON string."""
    return json.dumps(extracted_json(result), ensure_ascii=False, indent=2)
