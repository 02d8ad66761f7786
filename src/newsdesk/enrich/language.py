"""The language of a text, detected offline (py3langid) when nobody declared it."""

from __future__ import annotations

MIN_WORDS = 12


def detect_language(text: str) -> str:
    """ISO 639-1 code of ``text``'s language, or "" when the text is too short to tell."""
    if len(text.split()) < MIN_WORDS:
        return ""
    import py3langid

    code, _ = py3langid.classify(text[:5000])
    return str(code)
