"""Text as a browser renders it: inline markup joined verbatim, whitespace collapsed.

Every path that turns markup into text (site rules, trafilatura's tree, readability's HTML,
feed titles) goes through ``rendered_text``, so a link or a bold word never gains or loses a
space: ``<a>Reuters</a>, the`` is ``Reuters, the``, ``<b>big</b>gest`` is ``biggest``.

The rules follow CSS's ``white-space: normal``: runs of ASCII whitespace collapse to one space,
block boundaries and line breaks separate words, and a source line break between two CJK
characters vanishes (those scripts put no spaces between words). No-break spaces become plain
spaces, since posts are reflowed anyway. Soft hyphens and zero-width spaces stay: they are the
publisher's hyphenation and line-break hints, invisible in the post as on the page, and the
text stays character for character the page's. Only byte-order marks are dropped.


Feed fields (titles, author names, descriptions) may hold markup or entities, or arrive as
mojibake: ``plain_text`` turns them into one clean line, and ``squash`` trims a text that is
already plain (it does drop soft hyphens and zero-width spaces: they have no place in a title).
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection

import lxml.html
from lxml import etree

# HTML elements that start on a line of their own (the HTML spec's block and table
# elements): the text on either side of them never runs together.
HTML_BLOCKS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "caption",
        "center",
        "dd",
        "details",
        "dialog",
        "dir",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hgroup",
        "hr",
        "html",
        "legend",
        "li",
        "main",
        "menu",
        "nav",
        "ol",
        "option",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
HTML_BREAKS = frozenset({"br"})
# Never text a reader sees, whatever the layout.
NOT_RENDERED = frozenset(
    {"script", "style", "noscript", "template", "head", "title", "meta", "link", "svg"}
)

_BREAK = "\u2029"  # stands for a block boundary until the whitespace is collapsed
# Stands for a space that a library would trim (trafilatura trims the text after a ``<br>``):
# it is not whitespace to them, and ``collapse`` turns it back into a space.
KEPT_SPACE = "\u2063"
_INVISIBLE = str.maketrans({"\ufeff": None, KEPT_SPACE: " "})
# Icon-font glyphs (Unicode private use) and control characters are not text.
_NOT_TEXT = re.compile(r"[\ue000-\uf8ff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CJK = (
    "\u1100-\u11ff\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u31ff\u3200-\u4dbf"
    "\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
)
# A source line break (with the spaces around it) between two CJK characters.
_CJK_LINE_BREAK = re.compile(rf"(?<=[{_CJK}])[ \t\r\f]*\n[ \t\r\n\f]*(?=[{_CJK}])")
_SPACE = re.compile(r"\s+")


def collapse(text: str) -> str:
    """Collapse whitespace the way a browser renders running text, and trim it."""
    text = _NOT_TEXT.sub("", text.translate(_INVISIBLE))
    if "\n" in text:
        text = _CJK_LINE_BREAK.sub("", text)
    return _SPACE.sub(" ", text).strip()


_NOT_LETTER = re.compile(r"\W+")


def letters(text: str) -> int:
    """How many letters and digits ``text`` has: a length that means the same in every script
    (word counts by spaces do not: Chinese and Japanese put none between words)."""
    return len(_NOT_LETTER.sub("", text))


def _tag(node: etree._Element) -> str:
    tag = node.tag
    return tag.lower() if isinstance(tag, str) else ""


def rendered_text(
    node: etree._Element,
    *,
    blocks: Collection[str] = HTML_BLOCKS,
    breaks: Collection[str] = HTML_BREAKS,
    skip: Collection[str] = NOT_RENDERED,
) -> str:
    """The text inside ``node`` on one line, as a browser shows it.

    Args:
        node: the element (its own tail is not part of it; it is rendered whatever its tag).
        blocks: tags whose content is set apart from the text around it.
        breaks: tags that break the line (``<br>``).
        skip: tags whose content is never shown.
    """
    parts: list[str] = []

    def walk(element: etree._Element) -> None:
        tag = _tag(element)
        if element is not node and (not tag or tag in skip):
            return
        if tag in breaks:
            parts.append(_BREAK)
            return
        block = tag in blocks
        if block:
            parts.append(_BREAK)
        if element.text:
            parts.append(element.text)
        for child in element:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if block:
            parts.append(_BREAK)

    walk(node)
    return collapse("".join(parts))


# Letters that a UTF-8 text decoded as cp1252 turns into (â€™, Ã©...).
_MOJIBAKE = re.compile(
    "[\u00c2\u00c3\u00e2][\u0080-\u00bf\u2018-\u203a\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u20ac\u2122]"
)


_SQUASHED = str.maketrans({c: None for c in "\u00ad\u200b\u2060\ufeff"} | {KEPT_SPACE: " "})


def squash(text: str) -> str:
    """Collapse runs of whitespace (newlines, tabs, no-break spaces) to one space and trim;
    drop soft hyphens and zero-width spaces."""
    return _SPACE.sub(" ", text.translate(_SQUASHED)).strip()


def fix_mojibake(text: str) -> str:
    """Undo UTF-8 text that was decoded as cp1252 on the way (``â€™`` -> ``’``)."""
    if not _MOJIBAKE.search(text):
        return text
    try:
        return text.encode("cp1252").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def plain_text(value: str) -> str:
    """Text of a feed field that may contain markup or entities, on one line."""
    if not value:
        return ""
    if "<" in value:
        try:
            fragment = lxml.html.fragment_fromstring(value, create_parent="div")
            value = rendered_text(fragment)
        except (etree.ParserError, ValueError):
            value = html.unescape(re.sub(r"<[^>]*>", " ", value))
    else:
        value = html.unescape(value)
    return fix_mojibake(squash(value))
