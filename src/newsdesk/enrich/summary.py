"""The summary: the first N words of the body followed by ``...``."""

from __future__ import annotations

from collections.abc import Sequence

from newsdesk.models import Block


def summarize(blocks: Sequence[Block], words: int) -> str:
    """The first ``words`` words of the body text, plus ``...`` when the body is longer."""
    tokens: list[str] = []
    for block in blocks:
        tokens.extend(block.text.split())
        if len(tokens) > words:
            return " ".join(tokens[:words]) + "..."
    return " ".join(tokens)
