"""Categories and tags: the source's name unless the source configures its own."""

from __future__ import annotations

from collections.abc import Iterable


def normalize_terms(terms: Iterable[str], limit: int = 20) -> tuple[str, ...]:
    """Trim, collapse whitespace, drop empties and case-insensitive repeats, cap the count."""
    out: list[str] = []
    seen: set[str] = set()
    for term in terms:
        clean = " ".join(term.split())
        if clean and clean.casefold() not in seen:
            seen.add(clean.casefold())
            out.append(clean)
    return tuple(out[:limit])
