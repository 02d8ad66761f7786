"""Decoding HTML bodies: BOM, declared charset, ``<meta charset>``, then detection."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Single-byte Western encodings that detection confuses with each other on short texts;
# browsers read undeclared pages in such a locale as windows-1252.
_WESTERN = {
    "cp1250",
    "cp1252",
    "latin_1",
    "iso8859_2",
    "iso8859_15",
    "cp1254",
    "cp1257",
    "mac_roman",
    "cp850",
    "iso8859_9",
    "iso8859_13",
}


_STRAY = 3  # undecodable sequences that are always read as strays, whatever the rest of the page


def _charset_of(content_type: str) -> str | None:
    match = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", content_type, re.IGNORECASE)
    return match.group(1) if match else None


def _known(encoding: str | None) -> str | None:
    if not encoding:
        return None
    try:
        return str(codecs.lookup(encoding).name)
    except LookupError:
        return None


def _declared(content: bytes, encoding: str) -> str | None:
    """The body in its declared encoding, a stray undecodable byte becoming U+FFFD; None when
    the declaration is wrong for the page as a whole (more than a few undecodable sequences
    and more of them than good non-ASCII characters: a latin-1 page labelled UTF-8), so that
    detection decides."""
    try:
        return content.decode(encoding)
    except UnicodeDecodeError:
        pass
    except LookupError:
        return None
    text = content.decode(encoding, errors="replace")
    marker = "\ufffd".encode(encoding, errors="ignore")  # U+FFFD the page itself holds
    bad = text.count("\ufffd") - (content.count(marker) if marker else 0)
    good = len(text) - len(text.encode("ascii", errors="ignore")) - text.count("\ufffd")
    return text if good >= bad or bad <= _STRAY else None


def decode_html(content: bytes, content_type: str = "") -> str:
    """Decode an HTML body: BOM, then the header's charset, then ``<meta charset>``, then
    strict UTF-8, then detection; never fails (undecodable bytes become U+FFFD).

    A declared charset stands even when a few bytes do not fit it: one stray byte must not
    turn a whole UTF-8 page into another encoding's mojibake."""
    for bom, name in _BOMS:
        if content.startswith(bom):
            return content[len(bom) :].decode(name, errors="replace")
    declared = _known(_charset_of(content_type))
    if declared is None:
        match = _META_CHARSET.search(content[:4096])
        declared = _known(match.group(1).decode("ascii", "ignore")) if match else None
    if declared:
        # Pages that declare latin-1 are nearly always cp1252 (browsers treat them so).
        declared = "cp1252" if declared in ("iso8859-1", "ascii") else declared
        text = _declared(content, declared)
        if text is not None:
            return text
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best = from_bytes(content[:200_000]).best()
    encoding = best.encoding if best is not None else "cp1252"
    if encoding in _WESTERN:
        try:
            return content.decode("cp1252")
        except UnicodeDecodeError:
            pass
    return content.decode(encoding, errors="replace")
