"""The body renders untrusted text as text: no HTML, shortcodes or Markdown syntax leak."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from newsdesk.models import Block
from newsdesk.publish.markdown import escape_markdown, render_body, source_link


@given(st.text(max_size=300))
def test_no_raw_html_or_shortcode_survives(text: str) -> None:
    out = escape_markdown(text)
    assert not re.search(r"(?<!\\)<", out)  # every "<" is escaped
    assert "{{" not in out
    assert "}}" not in out
    assert not re.search(r"(?<!\\)\[", out)


@given(st.text(alphabet=st.characters(codec="ascii"), max_size=200))
def test_unescaping_gives_back_the_text(text: str) -> None:
    out = escape_markdown(text)
    assert re.sub(r"\\(.)", r"\1", out) == text


def test_plain_prose_is_untouched() -> None:
    prose = 'WASHINGTON (Reuters) -President said "even" trade, $14.9 billion, 6% and snake_case.'
    assert escape_markdown(prose) == prose


def test_paragraph_style() -> None:
    blocks = [
        Block("p", "First."),
        Block("h", "HEAD"),
        Block("li", "a"),
        Block("li", "b"),
        Block("quote", "Said."),
        Block("p", "1. Not a list"),
    ]
    assert render_body(blocks, "paragraphs") == (
        "First.\n\n## HEAD\n\n- a\n- b\n\n> Said.\n\n1\\. Not a list"
    )
    assert render_body(blocks, "single") == "First. HEAD a b Said. 1. Not a list"


def test_source_link_cannot_break_out() -> None:
    assert source_link("src]", "https://x.test/a (b)") == "[src\\]](https://x.test/a%20%28b%29)"
