"""What the page itself marks as not the article: captions, links to other stories, bylines.

Extractors copy such text into the body when it sits inside the article's container: a photo
caption repeated under each picture, "related" headlines between paragraphs, the byline above
the first one. The page says what they are (a ``<figcaption>``, an image's ``alt``, an element
whose class names a caption or credit, an ``<a>`` to another page, the author's name).

Measured on ../shared/corpus, the truths disagree on captions and linked headlines inside the
text (readability's keeps figure captions, some publishers' parsers keep "related" headlines
between paragraphs), and agree on them above and below it; ``clean_blocks`` drops dated
bylines anywhere, captions where they repeat or sit at the edges, linked headlines at the
edges.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cached_property
from typing import cast

from lxml import etree

from newsdesk.extraction.blocks import inline_text, text_of
from newsdesk.models import Block
from newsdesk.words import word_tokens

_MAX_CAPTION_WORDS = 60
_MAX_LINK_WORDS = 30
_MIN_WORDS = 4  # shorter texts repeat by chance ("Read more", a name)
_MAX_BYLINE_WORDS = 10
# Words a byline adds around the names: "By", "and", "Von ... und ...", "5 hours ago".
_BYLINE_WORDS = frozenset(
    [
        "by",
        "von",
        "par",
        "por",
        "di",
        "de",
        "door",
        "af",
        "av",
        "and",
        "und",
        "et",
        "y",
        "e",
        "i",
        "og",
        "och",
        "with",
        "mit",
        "reporter",
        "reporting",
        "correspondent",
        "editor",
        "staff",
        "writer",
        "published",
        "updated",
        "ago",
        "minutes",
        "minute",
        "hours",
        "hour",
        "days",
        "day",
        "min",
        "std",
    ]
)
_BYLINE_START = re.compile(r"^(by|von|par|por|di|door|af|av)\s+\S", re.I)
_DATED = re.compile(r"\d|\bago\b", re.I)
_DATE_WORD = re.compile(
    r"\d|^(ago|am|pm|uhr|et|gmt|utc|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)", re.I
)
_NAME = re.compile(r"^[A-ZÀ-ÞĀ-Ž][\w'’.-]*$")


def fold(text: str) -> str:
    """Text reduced to lower-case words, for comparing what the page repeats."""
    return " ".join(word_tokens(unicodedata.normalize("NFKC", text)))


class Furniture:
    """The page's captions and links elsewhere (folded texts, collected on first use: most
    pages never need them), and the author names."""

    def __init__(self, tree: etree._Element, authors: tuple[str, ...] = ()) -> None:
        self._tree = tree
        self.authors = tuple(n for n in (fold(a) for a in authors) if n)

    @cached_property
    def _marked(self) -> tuple[frozenset[str], frozenset[str]]:
        return _collect(self._tree)

    @property
    def captions(self) -> frozenset[str]:
        """Folded texts of figcaptions, image alt/title texts and caption-classed elements."""
        return self._marked[0]

    @property
    def links(self) -> frozenset[str]:
        """Folded texts of links to other pages (four words or more)."""
        return self._marked[1]


_CAPTION_XPATH = etree.XPath(
    "//figcaption | //img[@alt or @title] | //*[contains(@class, 'caption')"
    " or contains(@class, 'Caption') or contains(@class, 'credit')]"
)


def _add(found: set[str], text: str, most: int) -> None:
    folded = fold(text)
    if _MIN_WORDS <= folded.count(" ") + 1 <= most:
        found.add(folded)


def page_furniture(tree: etree._Element, authors: tuple[str, ...] = ()) -> Furniture:
    """The page's furniture: captions and links are collected from ``tree`` on first use."""
    return Furniture(tree, authors)


def _collect(tree: etree._Element) -> tuple[frozenset[str], frozenset[str]]:
    captions: set[str] = set()
    links: set[str] = set()
    for element in cast(list[etree._Element], _CAPTION_XPATH(tree)):
        if element.tag == "img":
            _add(captions, element.get("alt") or "", _MAX_CAPTION_WORDS)
            _add(captions, element.get("title") or "", _MAX_CAPTION_WORDS)
        elif element.tag != "body":
            _add(captions, inline_text(element), _MAX_CAPTION_WORDS)
    for anchor in tree.iter("a"):
        href = anchor.get("href")
        if href and not href.startswith(("#", "javascript:")):
            text = text_of(anchor)
            if text.count(" ") >= _MIN_WORDS - 1:  # cheap test before the real one
                _add(links, inline_text(anchor), _MAX_LINK_WORDS)
    return frozenset(captions), frozenset(links)


def _byline(text: str, authors: tuple[str, ...]) -> bool:
    """A short line of author names with a date or time: page metadata, not text. A byline
    alone ("By Jane Roe, John Doe") stays, as wire copy prints it and the reference post keeps
    it."""
    words = text.split()
    if not words or len(words) > _MAX_BYLINE_WORDS or not _DATED.search(text):
        return False
    folded = fold(text)
    if authors and any(name in folded for name in authors):
        names = {w for name in authors for w in name.split()}
        rest = [w for w in folded.split() if w not in names and w not in _BYLINE_WORDS]
        return all(_DATE_WORD.search(w) for w in rest)
    if not _BYLINE_START.match(text):
        return False
    rest = [w for w in words[1:] if w.casefold() not in _BYLINE_WORDS]
    return all(_NAME.match(w.strip(",;")) or _DATE_WORD.search(w) for w in rest)


def is_byline(block: Block, furniture: Furniture) -> bool:
    """A short line of author names with a date or time (needs no look at the page)."""
    return block.kind != "pre" and _byline(block.text, furniture.authors)


def marked_as(block: Block, furniture: Furniture) -> str | None:
    """``"caption"`` or ``"link"`` when the block's whole text is what the page marks as
    such, else None."""
    if block.kind == "pre":
        return None
    folded = fold(block.text)
    if not _MIN_WORDS <= folded.count(" ") + 1 <= _MAX_CAPTION_WORDS:
        return None
    if folded in furniture.captions:
        return "caption"
    return "link" if folded in furniture.links else None
