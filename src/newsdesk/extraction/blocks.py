"""Turn an HTML element into text blocks (paragraphs, headings, list items, quotes)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from lxml import etree

from newsdesk.models import Block, BlockKind
from newsdesk.text import HTML_BLOCKS, collapse, letters, rendered_text

# Never text a reader should see.
SKIP_TAGS = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "iframe",
        "object",
        "embed",
        "svg",
        "canvas",
        "form",
        "button",
        "input",
        "select",
        "textarea",
        "nav",
        "aside",
        "footer",
        "figure",
        "figcaption",
        "video",
        "audio",
        "picture",
        "img",
        "head",
        "title",
        "meta",
        "link",
        "dialog",
    }
)
_LEAF: dict[str, BlockKind] = {
    "p": "p",
    "h1": "h",
    "h2": "h",
    "h3": "h",
    "h4": "h",
    "h5": "h",
    "h6": "h",
    "li": "li",
    "dt": "p",
    "dd": "p",
    "blockquote": "quote",
    "pre": "pre",
}
_CONTAINERS = frozenset(
    {
        "div",
        "section",
        "article",
        "main",
        "ul",
        "ol",
        "dl",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "td",
        "th",
        "header",
        "center",
        "body",
        "html",
        "hr",
        "br_block",
        "details",
        "summary",
    }
)


_BLOCKS = HTML_BLOCKS | _LEAF.keys() | _CONTAINERS
_INLINE_SKIP = SKIP_TAGS - {"img"}
_SEPARATING = tuple(_BLOCKS | _INLINE_SKIP | {"br"})


def _tag(node: etree._Element) -> str:
    tag = node.tag
    return tag.lower() if isinstance(tag, str) else ""


def text_of(node: etree._Element, sep: str = "") -> str:
    """All text inside ``node`` joined with ``sep`` (no whitespace normalisation)."""
    return sep.join(t for t in node.itertext() if isinstance(t, str))


def drop(node: etree._Element) -> None:
    """Remove ``node`` and its children from the tree, keeping the text that follows it."""
    parent = node.getparent()
    if parent is None:
        return
    if node.tail:
        previous = node.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + node.tail
        else:
            parent.text = (parent.text or "") + node.tail
    parent.remove(node)


def inline_text(node: etree._Element) -> str:
    """The visible text inside ``node`` on one line, as a browser renders it: inline markup
    joined verbatim, blocks and ``<br>`` set apart (see ``newsdesk.text``)."""
    if next(node.iterdescendants(*_SEPARATING), None) is None:
        # Inline markup only (most paragraphs and links): the text nodes join verbatim.
        return collapse(text_of(node))
    return rendered_text(node, blocks=_BLOCKS, skip=_INLINE_SKIP)


FEW_WORDS = 25  # under this, a text is a fragment: a rule that broke, a page hidden at load
_LETTERS_PER_SPACE = 20  # more than this, and the script puts no spaces between words
_LETTERS_PER_WORD = 3  # in Chinese and Japanese, roughly


def spaced(text: str) -> bool:
    """Whether ``text`` separates its words with spaces (Chinese and Japanese do not)."""
    return letters(text) <= _LETTERS_PER_SPACE * (text.count(" ") + 1)


def text_size(blocks: Iterable[Block]) -> int:
    """The length of ``blocks`` in words, the same in every script: whitespace-separated
    words, or letters / 3 where the script puts no spaces between words."""
    text = " ".join(block.text for block in blocks)
    return len(text.split()) if spaced(text) else letters(text) // _LETTERS_PER_WORD


def link_only(
    node: etree._Element,
    *,
    link: str = "a",
    read: Callable[[etree._Element], str] = inline_text,
) -> bool:
    """True when all the text of a short ``node`` is link text (a "related story" line).

    Args:
        node: the paragraph or list item.
        link: the tag of links (``ref`` in trafilatura's tree).
        read: how to read the text of ``node`` and of its links.
    """
    text = read(node)
    total = letters(text)
    if not total or len(text.split()) > 25 or total > 160:
        return False
    return sum(letters(read(a)) for a in node.iter(link)) >= total


def collect_blocks(
    root: etree._Element, skip: Iterable[etree._Element] = (), *, drop_link_only: bool = False
) -> list[Block]:
    """Blocks of ``root`` in document order; loose inline text between blocks is a paragraph.

    Args:
        root: the element holding the article text.
        skip: elements to leave out.
        drop_link_only: leave out paragraphs and list items whose text is all links.
    """
    skipped = set(skip)
    blocks: list[Block] = []
    buffer: list[str] = []

    def flush() -> None:
        text = collapse("".join(buffer))
        buffer.clear()
        if text:
            blocks.append(Block("p", text))

    def walk(node: etree._Element) -> None:
        tag = _tag(node)
        if node in skipped or tag in SKIP_TAGS or not tag:
            return
        if tag in _LEAF:
            flush()
            if drop_link_only and tag in ("p", "li") and link_only(node):
                return
            text = inline_text(node)
            if text:
                blocks.append(Block(_LEAF[tag], text))
            return
        is_block = tag in _CONTAINERS
        if is_block:
            flush()
        if tag == "br":
            buffer.append(" ")
        if node.text:
            buffer.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                buffer.append(child.tail)
        if is_block:
            flush()

    walk(root)
    flush()
    return blocks
