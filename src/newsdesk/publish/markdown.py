"""The post body: blocks rendered as Markdown that shows exactly the extracted text.

Third-party text is untrusted: characters that Markdown, raw HTML or Hugo shortcodes would
interpret are escaped, so ``<script>``, ``{{< shortcode >}}`` and link tricks stay text.

Hugo reads a post twice. First its page parser looks for shortcodes (``{{<``, ``{{%``) and the
summary divider (``<!--more-->``) in the raw file, before Markdown and blind to backslashes;
every ``{``, ``}``, ``<`` and ``>`` of page text is escaped, so neither can occur. Then Goldmark
renders the Markdown; the site's ``hugo.toml`` turns off every extension that would give page
characters a meaning (attributes, linkify, typographer, tables, strikethrough, footnotes,
definition and task lists), and what CommonMark itself interprets is escaped here. The site
tests build hostile and random text with the real Hugo binary and compare the page's text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import quote as url_quote

from newsdesk.models import Block
from newsdesk.xmltext import xml_safe

# Punctuation that has inline meaning anywhere in a line: escapes, code, emphasis, links and
# images, autolinks and raw HTML, strikethrough, tables, shortcode and attribute braces. "_"
# only at a word's edge: inside a word like snake_case it cannot start or end emphasis.
_INLINE = re.compile(r"([\\`*\[\]<>~|{}]|(?<![^\W_])_|_(?![^\W_]))")
# Entity references would be decoded by Markdown: "&lt;" must stay the four characters.
_ENTITY = re.compile(r"&(?=#?\w+;)")
# At the start of a line: headings, quotes, lists, thematic breaks, setext underlines,
# definition lists. (Fences, tables and HTML blocks start with characters escaped above.)
_LINE_START = re.compile(r"^([#>+=:-]|\d+[.)])")
# A heading's closing sequence: "#"s at the end, after a space, are not part of its text.
_CLOSING_HASHES = re.compile(r"(^|[ \t])(#+[ \t]*)$")
# Line breaks end a paragraph's line; what follows one could start a block of its own.
_LINE_BREAK = re.compile(r"\r\n?|\n")


def one_line(text: str) -> str:
    """``text`` on one line: line breaks become spaces, the ends lose spaces and tabs.

    Markdown reads leading spaces as indentation (four make a code block) and a line break
    as the start of a new line, where block syntax applies; page text gets neither.
    """
    return _LINE_BREAK.sub(" ", text).strip(" \t")


def escape_markdown(text: str) -> str:
    """Escape ``text`` so that Markdown and Hugo render it as the same literal text.

    The result is one line (see :func:`one_line`) without characters XML forbids.
    """
    text = one_line(xml_safe(text))
    text = _INLINE.sub(r"\\\1", text)
    text = _ENTITY.sub(r"\\&", text)
    return _LINE_START.sub(lambda m: _escape_line_start(m.group(0)), text)


def _escape_line_start(token: str) -> str:
    if token[0].isdigit():
        return token[:-1] + "\\" + token[-1]
    return "\\" + token


def _render_block(block: Block) -> str:
    text = escape_markdown(block.text)
    if block.kind == "h":
        return "## " + _CLOSING_HASHES.sub(r"\1\\\2", text)
    if block.kind == "li":
        return f"- {text}"
    if block.kind == "quote":
        return f"> {text}"
    if block.kind == "pre":
        lines = (escape_markdown(line) for line in xml_safe(block.text).splitlines())
        return "  \n".join(line for line in lines if line)
    return text


def render_body(blocks: Sequence[Block], style: str) -> str:
    """The body text: ``single`` joins every block on one line (the reference style),
    ``paragraphs`` writes one Markdown block each, separated by blank lines."""
    if style == "single":
        return escape_markdown(" ".join(block.text for block in blocks))
    parts: list[str] = []
    for block in blocks:
        rendered = _render_block(block)
        # Consecutive list items form one list; everything else is its own paragraph.
        if parts and block.kind == "li" and parts[-1].startswith("- "):
            parts[-1] += "\n" + rendered
        else:
            parts.append(rendered)
    return "\n\n".join(parts)


def source_link(name: str, url: str) -> str:
    """The closing ``[name](url)`` line; the URL is encoded so it cannot break out."""
    safe_url = url_quote(one_line(xml_safe(url)), safe=":/?#@!$&'*+,;=%~-._")
    # Goldmark decodes entity references in a link destination, even after a backslash:
    # "&amp;" in a URL is written "&amp;amp;", which it decodes to the five characters.
    destination = _ENTITY.sub("&amp;", safe_url)
    return f"[{escape_markdown(name)}]({destination})"
