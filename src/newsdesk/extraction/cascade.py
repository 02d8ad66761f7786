"""One adjustment to trafilatura's extraction cascade, for newsdesk's calls only.

After its own extraction, trafilatura compares the text with readability's (its fork of
readability-lxml) and, on short or unclean texts, with jusText. Measured on ../shared/corpus
(1,267 pages), the comparison changes the outcome almost only on short texts and costs a fifth
of trafilatura's time on every page, so a text of ``COMPARE_BELOW`` characters or more is taken
without it (F1 unchanged on every set; 6 ms less CPU per page on average). Short texts keep
the comparison, and newsdesk's own second opinion (readability-lxml, which measured better
than trafilatura's fork as a second opinion: readability set F1 0.956 against 0.951).

The hook replaces ``trafilatura.core.compare_extraction``, checked at import; where a
trafilatura release moves it the hook stays off and extraction behaves as before (``HOOKED``
says which; a test pins it). Calls to trafilatura outside ``newsdesk_call()`` (a benchmark's
baseline, a user's own code) are not affected.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

COMPARE_BELOW = 2500  # characters; about 400 words, where newsdesk asks for a second opinion

_INSIDE: ContextVar[bool] = ContextVar("newsdesk_trafilatura_call", default=False)


def _install() -> bool:
    try:
        from trafilatura import core
    except ImportError:
        return False
    compare: Callable[..., Any] | None = getattr(core, "compare_extraction", None)
    if compare is None:
        return False

    def compare_extraction(
        cleaned_tree: Any, raw_tree: Any, body: Any, text: str, options: Any
    ) -> Any:
        if _INSIDE.get() and len(text) >= COMPARE_BELOW:
            return body, text
        return compare(cleaned_tree, raw_tree, body, text, options)

    core.compare_extraction = compare_extraction  # type: ignore[attr-defined]
    return True


HOOKED = _install()


@contextmanager
def newsdesk_call() -> Iterator[None]:
    """Within this block, trafilatura takes a long text without comparing it."""
    token = _INSIDE.set(True)
    try:
        yield
    finally:
        _INSIDE.reset(token)
