"""Text that every output format can carry: no character that XML 1.0 forbids or discourages.

Feeds and pages are third-party input: a title may hold a control character or a lone
surrogate (``&#xD800;``), which SQLite cannot store as UTF-8 and which makes the site's RSS
invalid XML. ``xml_safe`` is applied where text enters newsdesk and again where it is written.
"""

from __future__ import annotations

import re

# C0 controls but tab, newline and carriage return; DEL and the C1 controls; the noncharacters
# U+FDD0..U+FDEF and the last two code points of every plane (U+FFFE, U+FFFF, U+1FFFE, ...).
_NONCHARACTERS = "".join(
    re.escape(chr(plane * 0x10000 + low)) for plane in range(17) for low in (0xFFFE, 0xFFFF)
)
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef" + _NONCHARACTERS + "]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids or discourages.

    Control characters (but tab and line breaks) and noncharacters are dropped. Surrogates
    that form a pair become the character they encode; a lone one becomes U+FFFD.
    """
    if _SURROGATE.search(text):
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return _FORBIDDEN.sub("", text)
