"""The post body: blocks rendered as Markdown that shows exactly the extracted text.

Third-party text is untrusted: characters that Markdown, raw HTML or Hugo shortcodes would
interpret are escaped, so ``<script>``, ``{{< shortcode >}}`` and link tricks stay text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import quote as url_quote

from newsdesk.models import Block

# Punctuation that has inline meaning anywhere in a line ("_" only at a word's edge:
# inside a word like snake_case it cannot start emphasis).
_INLINE = re.compile(r"([\\`*\[\]<>~|]|(?<![^\W_])_|_(?![^\W_]))")
# Entity references would be decoded by Markdown: "&lt;" must stay the four characters.
_ENTITY = re.compile(r"&(?=#?\w+;)")
# Hugo shortcode delimiters, and the ends of a shortcode.
_SHORTCODE = re.compile(r"\{\{|\}\}")
# At the start of a line: headings, quotes, lists, thematic breaks, fences, tables, HTML blocks.
_LINE_START = re.compile(r"^([#>+=:-]|\d+[.)])")


def escape_markdown(text: str) -> str:
    """Escape ``text`` so that Markdown and Hugo render it as the same literal text."""
    text = _INLINE.sub(r"\\\1", text)
    text = _ENTITY.sub(r"\\&", text)
    text = _SHORTCODE.sub(lambda m: m.group(0)[0] + "\\" + m.group(0)[1], text)
    return _LINE_START.sub(lambda m: _escape_line_start(m.group(0)), text)


def _escape_line_start(token: str) -> str:
    if token[0].isdigit():
        return token[:-1] + "\\" + token[-1]
    return "\\" + token


def _render_block(block: Block) -> str:
    text = escape_markdown(block.text)
    if block.kind == "h":
        return f"## {text}"
    if block.kind == "li":
        return f"- {text}"
    if block.kind == "quote":
        return f"> {text}"
    if block.kind == "pre":
        lines = (escape_markdown(line) for line in block.text.splitlines())
        return "  \n".join(line for line in lines if line.strip())
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
    safe_url = url_quote(url, safe=":/?#@!$&'*+,;=%~-._")
    return f"[{escape_markdown(name)}]({safe_url})"
