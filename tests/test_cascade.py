"""newsdesk's calls to trafilatura skip its comparison on long texts; nobody else's do."""

from __future__ import annotations

from typing import Any

import trafilatura
from trafilatura import core

import newsdesk
from newsdesk.extraction import cascade


def _page(paragraphs: int) -> str:
    text = (
        "<p>The port authority said on Monday that container traffic rose for the third month "
        "in a row, helped by a recovery in trade with its largest partners in the region.</p>"
    )
    return f"<html><body><article><h1>Port traffic</h1>{text * paragraphs}</article></body></html>"


def test_the_hook_is_installed_on_this_trafilatura() -> None:
    # A trafilatura release that moves compare_extraction fails here, not in production.
    assert cascade.HOOKED
    assert getattr(core, "compare_extraction").__module__ == "newsdesk.extraction.cascade"  # noqa: B009


def test_long_texts_skip_the_comparison_only_inside_newsdesk() -> None:
    from trafilatura import external

    calls: list[int] = []
    real = external.try_readability

    def counting(htmlinput: Any) -> Any:
        calls.append(1)
        return real(htmlinput)

    external.try_readability = counting
    try:
        long_page = _page(30)
        assert "third month" in newsdesk.extract(long_page, "https://port.example/a").text
        assert calls == []  # long text: no readability comparison inside newsdesk
        trafilatura.bare_extraction(long_page)
        assert calls == [1]  # everyone else's calls are untouched
        newsdesk.extract(_page(2), "https://port.example/b")
        assert len(calls) >= 2  # a short text is still compared
    finally:
        external.try_readability = real
