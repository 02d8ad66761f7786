"""The generic path: trafilatura's main-text extraction, read back as blocks."""

from __future__ import annotations

import trafilatura
from lxml import etree

from newsdesk.extraction.blocks import text_of
from newsdesk.models import Block
from newsdesk.sources.text import squash


def _text(element: etree._Element) -> str:
    return squash(text_of(element, " "))


def _link_only(element: etree._Element) -> bool:
    """All the words of a short block are link text: a "related story", not prose."""
    words = len(_text(element).split())
    if not words or words > 25:
        return False
    linked = sum(len(_text(ref).split()) for ref in element.iter("ref"))
    return linked >= words


def _blocks(main: etree._Element) -> list[Block]:
    blocks: list[Block] = []
    if main.text and main.text.strip():
        blocks.append(Block("p", squash(main.text)))
    for element in main:
        _element_blocks(element, blocks)
        if element.tail and element.tail.strip():  # loose text between blocks
            blocks.append(Block("p", squash(element.tail)))
    return blocks


def _element_blocks(element: etree._Element, blocks: list[Block]) -> None:
    tag = element.tag
    if tag == "p":
        text = _text(element)
        if text and not _link_only(element):
            blocks.append(Block("p", text))
    elif tag == "head":
        text = _text(element)
        if text:
            blocks.append(Block("h", text))
    elif tag == "list":
        blocks.extend(
            Block("li", t)
            for item in element.iter("item")
            if (t := _text(item)) and not _link_only(item)
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


def trafilatura_metadata(html: str, url: str = "") -> tuple[str, str]:
    """trafilatura's (author, date) for a page: htmldate finds dates in many more places
    than structured data, at a cost, so it runs only when the page's metadata lacked them."""
    from trafilatura.metadata import extract_metadata

    try:
        found = extract_metadata(html, default_url=url or None)
    except Exception:  # noqa: BLE001 - metadata is best effort
        return "", ""
    return (found.author or "", found.date or "") if found is not None else ("", "")


def trafilatura_blocks(html: str, url: str = "") -> list[Block]:
    """Main text of ``html`` as blocks, by trafilatura (empty list when it finds nothing)."""
    result = trafilatura.extract(
        html,
        url=url or None,
        output_format="xml",
        with_metadata=False,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_formatting=False,
        include_links=True,  # to tell link lists ("related stories") from prose
        deduplicate=False,
    )
    if not result:
        return []
    try:
        doc = etree.fromstring(result.encode("utf-8"))
    except etree.XMLSyntaxError:
        return []
    main = doc.find("main")
    return _blocks(main) if main is not None else []
