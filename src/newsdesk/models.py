"""The records that travel through the pipeline: FeedEntry -> Page -> Article."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

BlockKind = Literal["p", "h", "li", "quote", "pre"]


@dataclass(frozen=True, slots=True)
class Block:
    """One block of article text: a paragraph, heading, list item, quote or preformatted text."""

    kind: BlockKind
    text: str


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One item read from a source's feed, before its page is fetched."""

    source: str
    link: str
    guid: str | None = None
    title: str = ""
    published: datetime | None = None
    authors: tuple[str, ...] = ()
    content_html: str = ""
    image: str | None = None
    language: str = ""
    """The language the source declares for the item (a Google News sitemap's)."""
    keywords: tuple[str, ...] = ()
    """Keywords the source gives the item (a Google News sitemap's): extra tags."""


@dataclass(frozen=True, slots=True)
class Page:
    """An article page as fetched: the final URL after redirects and the decoded HTML."""

    url: str
    status: int
    html: str
    content_type: str = "text/html"


def word_count(blocks: Iterable[Block]) -> int:
    """Number of whitespace-separated words in ``blocks``."""
    return sum(len(block.text.split()) for block in blocks)


@dataclass(frozen=True, slots=True)
class Extracted:
    """What extraction found in a page; empty fields mean "not found"."""

    blocks: tuple[Block, ...] = ()
    title: str = ""
    authors: tuple[str, ...] = ()
    date: datetime | None = None
    date_has_time: bool = True  # False: the page gives only the day (``date`` is its start)
    image: str = ""
    language: str = ""
    description: str = ""
    method: str = ""

    @property
    def text(self) -> str:
        """The plain text, one block per paragraph."""
        return "\n\n".join(block.text for block in self.blocks)

    @property
    def word_count(self) -> int:
        """Number of whitespace-separated words in all blocks."""
        return word_count(self.blocks)


@dataclass(frozen=True, slots=True)
class Article:
    """One news article on its way from a feed entry to a Hugo post."""

    id: str
    url: str
    source: str
    title: str
    blocks: tuple[Block, ...]
    published: datetime
    authors: tuple[str, ...] = ()
    image: str = ""
    description: str = ""
    language: str = ""
    summary: str = ""
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    translations: tuple[str, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The plain text, one block per paragraph."""
        return "\n\n".join(block.text for block in self.blocks)
