"""YAML front matter in the reference post's exact style: every string double-quoted."""

from __future__ import annotations

from collections.abc import Sequence

FrontValue = str | bool | Sequence[str]

# YAML double-quoted scalars: these must be escaped; everything else printable stays as is.
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _escape_char(ch: str) -> str:
    if ch in _ESCAPES:
        return _ESCAPES[ch]
    code = ord(ch)
    # C0/C1 controls, DEL, line/paragraph separators, BOM, surrogates and noncharacters.
    if (
        code < 0x20
        or 0x7F <= code <= 0x9F
        or code in (0x2028, 0x2029, 0xFEFF)
        or 0xD800 <= code <= 0xDFFF
        or code in (0xFFFE, 0xFFFF)
    ):
        return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
    return ch


def quote(value: str) -> str:
    """``value`` as a YAML double-quoted scalar that parses back to exactly ``value``."""
    return '"' + "".join(map(_escape_char, value)) + '"'


def render_front_matter(fields: Sequence[tuple[str, FrontValue]]) -> str:
    """Render key/value pairs between ``---`` lines, in the given order.

    Strings are double-quoted, booleans bare, sequences as block lists of quoted strings.
    """
    lines = ["---"]
    for key, value in fields:
        if isinstance(value, bool):
            lines.append(f"{key}: {'true' if value else 'false'}")
        elif isinstance(value, str):
            lines.append(f"{key}: {quote(value)}")
        elif not value:
            lines.append(f"{key}: []")
        else:
            lines.append(f"{key}:")
            lines.extend(f"  - {quote(item)}" for item in value)
    lines.append("---")
    return "\n".join(lines) + "\n"
