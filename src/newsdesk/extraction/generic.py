"""The generic path: trafilatura's main-text extraction, read back as blocks."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import cast

import trafilatura
from lxml import etree
from lxml.cssselect import CSSSelector

from newsdesk.extraction.blocks import FEW_WORDS, drop, link_only, text_of, text_size
from newsdesk.extraction.cascade import newsdesk_call
from newsdesk.models import Block
from newsdesk.text import KEPT_SPACE, collapse, letters, rendered_text, squash

# trafilatura's output vocabulary: these set their text apart; ``hi``, ``ref`` and ``del``
# are inline and joined verbatim, ``lb`` is a line break.
_TRAFILATURA_BLOCKS = frozenset(
    {"p", "head", "list", "item", "quote", "table", "row", "cell", "div", "graphic"}
)


_SEPARATING = (*_TRAFILATURA_BLOCKS, "lb")


def _text(element: etree._Element) -> str:
    if next(element.iterdescendants(*_SEPARATING), None) is None:
        # Inline markup only (most paragraphs): the text nodes join verbatim.
        return collapse(text_of(element))
    return rendered_text(element, blocks=_TRAFILATURA_BLOCKS, breaks=("lb",), skip=())


def _teaser_list(element: etree._Element) -> bool:
    """A list of short items each mostly link text: related stories, not an article's list."""
    items = list(element.iter("item"))
    if len(items) < 2:
        return False
    for item in items:
        text = _text(item)
        total = letters(text)
        linked = sum(letters(_text(ref)) for ref in item.iter("ref"))
        if not total or len(text.split()) > 30 or total > 200 or linked < 0.5 * total:
            return False
    return True


def _blocks(main: etree._Element, *, teasers: bool = False) -> list[Block]:
    blocks: list[Block] = []
    if main.text and main.text.strip():
        blocks.append(Block("p", collapse(main.text)))
    for element in main:
        _element_blocks(element, blocks, teasers)
        if element.tail and element.tail.strip():  # loose text between blocks
            blocks.append(Block("p", collapse(element.tail)))
    return blocks


def _element_blocks(element: etree._Element, blocks: list[Block], teasers: bool) -> None:
    tag = element.tag
    if tag == "p":
        text = _text(element)
        if text and not link_only(element, link="ref", read=_text):
            blocks.append(Block("p", text))
    elif tag == "head":
        text = _text(element)
        if text:
            blocks.append(Block("h", text))
    elif tag == "list":
        if not teasers and _teaser_list(element):
            return
        blocks.extend(
            Block("li", t)
            for item in element.iter("item")
            if (t := _text(item)) and not link_only(item, link="ref", read=_text)
        )
    elif tag == "quote":
        text = _text(element)
        if text:
            blocks.append(Block("quote", text))
    elif tag == "code":
        text = text_of(element).strip("\n")
        if text.strip():
            blocks.append(Block("pre", text))
    elif tag == "table":
        for row in element.iter("row"):
            cells = [_text(cell) for cell in row.iter("cell")]
            if any(cells):
                blocks.append(Block("p", " | ".join(c for c in cells if c)))
    else:
        text = _text(element)
        if text:
            blocks.append(Block("p", text))


def trafilatura_author(tree: etree._Element) -> str:
    """trafilatura's author for a page (meta tags, then bylines): its ``extract_metadata``
    without the parts newsdesk already has or does not need, at a third of the cost."""
    from trafilatura.metadata import examine_meta, extract_author, extract_meta_json

    try:
        found = examine_meta(tree)
        if found.author and " " not in found.author:  # a lone handle, as extract_metadata rules
            found.author = None
        found = extract_meta_json(tree, found)
        author = found.author or extract_author(tree)
    except Exception:  # noqa: BLE001 - metadata is best effort
        return ""
    return squash(author or "")


def htmldate_date(tree: etree._Element, url: str = "") -> str:
    """The publication date htmldate finds anywhere in the page (``YYYY-MM-DD``), or ""."""
    from htmldate import find_date
    from trafilatura.settings import set_date_params

    try:
        return find_date(tree, **{**set_date_params(True), "url": url or None}) or ""
    except Exception:  # noqa: BLE001 - metadata is best effort
        return ""


def parse_like_trafilatura(html: str) -> etree._Element | None:
    """The page parsed the way trafilatura parses it (comments dropped, broken markup
    repaired), so one tree serves every pass; None where trafilatura rejects the input."""
    from trafilatura.utils import load_html

    try:
        return load_html(html)
    except (TypeError, ValueError):
        return None


_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


def _hidden(element: etree._Element) -> bool:
    return element.tag not in ("img", "input") and (
        element.get("hidden") is not None or bool(_HIDDEN_STYLE.search(element.get("style") or ""))
    )


def _hidden_elements(tree: etree._Element) -> list[etree._Element]:
    found = cast(list[etree._Element], tree.xpath("//body//*[@hidden or @style]"))
    return [el for el in found if _hidden(el)]


# Marks what the text passes leave out; trafilatura prunes it from its own copy of the page.
DROP_MARK = "data-newsdesk-drop"
DROP_XPATH = f"//*[@{DROP_MARK}]"


_TEXT_LENGTH = etree.XPath("string-length(.)")


def _text_length(element: etree._Element) -> float:
    return cast(float, _TEXT_LENGTH(element))


def mark_dropped(tree: etree._Element, remove: Iterable[CSSSelector] = ()) -> bool:
    """Mark what a site rule's ``remove`` selectors match (fact boxes, embedded posts) and what
    the page hides from readers (``hidden``, ``display:none``) with ``DROP_MARK``; True when
    anything was marked. A hidden element that holds most of the text is kept: some pages hide
    the whole article until a script shows it. Marking instead of copying the page saves a
    copy that every page paid for."""
    marked = False
    for selector in remove:
        for element in cast(list[etree._Element], selector(tree)):
            element.set(DROP_MARK, "")
            marked = True
    hidden = _hidden_elements(tree)
    if hidden:
        body = tree.find("body")
        total = _text_length(body) if body is not None else 0.0
        for element in hidden:
            if _text_length(element) <= total / 2:
                element.set(DROP_MARK, "")
                marked = True
    return marked


def without_dropped(tree: etree._Element) -> None:
    """Remove the elements ``mark_dropped`` marked from ``tree`` (a copy of the page)."""
    for element in cast(list[etree._Element], tree.xpath(DROP_XPATH)):
        drop(element)


# Inline elements whose surrounding spaces trafilatura may trim while it rebuilds paragraphs.
_INLINE = (
    "a", "abbr", "b", "bdi", "br", "cite", "code", "em", "font", "i", "kbd", "mark", "q", "s",
    "small", "span", "strong", "sub", "sup", "time", "u",
)  # fmt: skip
_EDGE_SPACE = re.compile(r"^\s+|\s+$")


def _protect(text: str | None) -> str | None:
    """``text`` with its leading and trailing whitespace as ``KEPT_SPACE``. Whitespace-only
    text is left alone: made visible to trafilatura, it changed which blocks it keeps."""
    if not text or text.isspace():
        return text
    return _EDGE_SPACE.sub(KEPT_SPACE, text)


def keep_inline_spaces(tree: etree._Element) -> None:
    """Protect the spaces around inline elements (``<a>``, ``<b>``, ``<br>``...), which
    trafilatura trims in some contexts (after a ``<br>``, in loose text, in quotes), gluing a
    link to the next word: they become ``KEPT_SPACE``, which ``collapse`` reads as a space."""
    for element in tree.iter(*_INLINE):
        element.tail = _protect(element.tail)
        if element.tag != "br":
            element.text = _protect(element.text)
        previous = element.getprevious()
        if previous is not None:
            previous.tail = _protect(previous.tail)
        else:
            parent = element.getparent()
            if parent is not None and parent.text:
                parent.text = _protect(parent.text)


def trafilatura_blocks(tree: etree._Element, url: str = "", *, prune: bool = False) -> list[Block]:
    """Main text of a page's tree as blocks, by trafilatura (empty list when it finds
    nothing); ``prune``: without what ``mark_dropped`` marked. The spaces around inline
    elements in ``tree`` become ``KEPT_SPACE``.

    trafilatura's own tree is read directly, after the clean-up its XML output applies:
    serialising that XML and parsing it back cost about a tenth of the extraction."""
    from trafilatura.xml import remove_empty_elements, strip_double_tags

    keep_inline_spaces(tree)
    with newsdesk_call():
        document = _bare_extraction(tree, url, DROP_XPATH if prune else None)
    body = getattr(document, "body", None)
    if body is None:
        return []
    strip_double_tags(body)
    remove_empty_elements(body)
    blocks = _blocks(body)
    if text_size(blocks) < FEW_WORDS:
        # A page that is only a list of links (a link blog, an index) is its own text.
        with_lists = _blocks(body, teasers=True)
        if text_size(with_lists) > text_size(blocks):
            return with_lists
    return blocks


def _bare_extraction(tree: etree._Element, url: str, prune: str | None) -> object:
    return trafilatura.bare_extraction(
        tree,
        prune_xpath=prune,
        url=url or None,
        with_metadata=False,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_formatting=False,
        include_links=True,  # to tell link lists ("related stories") from prose
        deduplicate=False,
    )
