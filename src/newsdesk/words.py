"""The words of a text, compared case-blind: the tokens, shingles and whole-word search
patterns that extraction, enrichment and the duplicate check share."""

from __future__ import annotations

import re
from functools import lru_cache

_WORD = re.compile(r"\w+")


def word_tokens(text: str) -> list[str]:
    """The words of ``text`` (runs of letters, digits and underscores), case-folded."""
    return _WORD.findall(text.casefold())


def shingles(text: str, size: int, *, by_letters: bool = False) -> list[str]:
    """The overlapping runs of ``size`` words of ``text``, joined by a space, in order (none
    when it has fewer words); with ``by_letters``, runs of ``size`` letters of its words
    joined together instead."""
    # Letter shingles are for Chinese and Japanese, which put no spaces between words.
    tokens = word_tokens(text)
    if by_letters:
        run = "".join(tokens)
        return [run[i : i + size] for i in range(max(0, len(run) - size + 1))]
    return [" ".join(tokens[i : i + size]) for i in range(max(0, len(tokens) - size + 1))]


@lru_cache(maxsize=256)
def whole_word_pattern(phrase: str) -> re.Pattern[str]:
    """A case-insensitive pattern that finds ``phrase`` only as whole words (``AI`` in
    ``AI chips``, not in ``said``)."""
    return re.compile(rf"(?<!\w){re.escape(phrase)}(?!\w)", re.IGNORECASE)
