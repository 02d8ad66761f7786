"""Durations in settings and flags: ``90``, ``"90s"``, ``"15m"``, ``"1h"``, ``"7d"`` -> seconds.

``Duration`` is the pydantic field type of every such setting; ``parse_duration`` reads one
from the command line; both stop at ``MAX_DURATION``.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BeforeValidator, Field

_DURATION = re.compile(r"^\s*([0-9]{1,12}(?:\.[0-9]{1,9})?)\s*(ms|s|m|h|d)?\s*$")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}
MAX_DURATION = 3650 * 86400.0
"""Ten years: the longest duration any setting or flag takes (and far below what overflows
a date)."""


def _seconds(value: object) -> object:
    """``90``, ``"90s"``, ``"15m"``, ``"1h"``, ``"7d"`` -> seconds (other values pass through
    to pydantic's own error)."""
    if isinstance(value, str):
        match = _DURATION.match(value)
        if not match:
            raise ValueError(f"expected a duration like '90s', '15m' or '1h', got {value!r}")
        return float(match.group(1)) * _UNITS[match.group(2)]
    return value


Duration = Annotated[float, BeforeValidator(_seconds), Field(ge=0, le=MAX_DURATION)]


def parse_duration(text: str) -> float:
    """Seconds in a duration like "90d", "12h", "15m" or "30" (at most ten years); raise
    ValueError for anything else."""
    seconds = float(_seconds(text))  # type: ignore[arg-type]  # a str always gives a float
    if seconds > MAX_DURATION:
        raise ValueError(f"{text!r} is longer than the ten years newsdesk accepts")
    return seconds
