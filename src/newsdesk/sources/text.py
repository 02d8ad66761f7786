"""Small helpers for turning feed text (which may hold HTML) into plain text."""

from __future__ import annotations

import html
import re

import lxml.html
from lxml import etree

from newsdesk.text import KEPT_SPACE, rendered_text

_SPACE = re.compile(r"\s+")
# Letters that a UTF-8 text decoded as cp1252 turns into (â€™, Ã©...).
_MOJIBAKE = re.compile(
    "[\u00c2\u00c3\u00e2][\u0080-\u00bf\u2018-\u203a\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u20ac\u2122]"
)


_INVISIBLE = str.maketrans({c: None for c in "\u00ad\u200b\u2060\ufeff"} | {KEPT_SPACE: " "})


def squash(text: str) -> str:
    """Collapse runs of whitespace (newlines, tabs, no-break spaces) to one space and trim;
    drop soft hyphens and zero-width spaces."""
    return _SPACE.sub(" ", text.translate(_INVISIBLE)).strip()


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
