"""The language of a text, detected offline (py3langid) when nobody declared it."""

from __future__ import annotations

import threading

MIN_WORDS = 12
# py3langid loads its model on first use (about 0.8 s of CPU); one load, whichever thread asks.
_MODEL_LOCK = threading.Lock()


def _classify(text: str) -> str:
    with _MODEL_LOCK:
        import py3langid

        code, _ = py3langid.classify(text)
    return str(code)


def detect_language(text: str) -> str:
    """ISO 639-1 code of ``text``'s language, or "" when the text is too short to tell."""
    if len(text.split()) < MIN_WORDS:
        return ""
    return _classify(text[:5000])


def warm_up() -> None:
    """Load the model in a background thread, while the run waits on the network and the
    extraction workers start, so the first detection does not stall the publishing loop."""
    threading.Thread(target=_classify, args=("warm up",), name="langid-load", daemon=True).start()
