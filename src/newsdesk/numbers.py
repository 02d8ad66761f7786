"""Whole numbers read from third-party text (headers, feeds): ASCII digits only, capped.

``str.isdigit()`` accepts "²", which ``int()`` refuses; ``int()`` refuses more than 4,300
digits; a 20-digit number overflows a date. Every number a server sends goes through here.
"""

from __future__ import annotations

import re

_DIGITS = re.compile("[0-9]+")


def bounded_int(text: str, cap: int) -> int | None:
    """``text`` as a whole number of at most ``cap``; None unless it is ASCII digits (spaces
    around them allowed). A number past the cap, however long, is the cap."""
    text = text.strip()
    if not _DIGITS.fullmatch(text):
        return None
    return cap if len(text) > len(str(cap)) else min(int(text), cap)
