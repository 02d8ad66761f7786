"""The body renders untrusted text as text: no HTML, shortcodes or Markdown syntax leak.

These are the fast checks on the Markdown itself; tests/test_hostile_text.py builds the same
kinds of text with the real Hugo and compares what a reader sees.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsdesk.models import Block
from newsdesk.publish.markdown import escape_markdown, one_line, render_body, source_link
from newsdesk.xmltext import xml_safe

# Text made mostly of the characters Markdown and Hugo give a meaning to.
SYNTAX = st.text(alphabet=st.sampled_from(list("{}<>%#*_[]()!`~|\\&;:=+-. \t\n1aA")), max_size=60)


@given(st.text(max_size=300) | SYNTAX)
def test_no_raw_html_or_shortcode_survives(text: str) -> None:
    out = escape_markdown(text)
    assert not re.search(r"(?<!\\)<", out)  # every "<" is escaped
    assert "{{" not in out  # a shortcode or template action needs two braces in a row
    assert "}}" not in out
    assert "<!--more-->" not in out  # Hugo's summary divider, found before Markdown
    assert not re.search(r"(?<!\\)\[", out)
    assert "\n" not in out
    assert out == out.strip(" \t")  # four leading spaces would make a code block


@pytest.mark.parametrize(
    "text",
    [
        "{{{% raw %}}}",  # Liquid documentation: the third brace used to open "{{%"
        "{{{< x >}}}",
        "{{ .Site.Title }}",
        "{%{{%",
        "}}}",
    ],
)
def test_braces_never_pair_up(text: str) -> None:
    out = escape_markdown(text)
    assert "{{" not in out
    assert "}}" not in out
    assert re.sub(r"\\(.)", r"\1", out) == text


@given(st.text(alphabet=st.characters(codec="ascii"), max_size=200) | SYNTAX)
def test_unescaping_gives_back_the_text(text: str) -> None:
    out = escape_markdown(text)
    assert re.sub(r"\\(.)", r"\1", out) == one_line(xml_safe(text))


@settings(max_examples=300)
@given(st.text(st.characters(codec="utf-8"), max_size=100) | st.text(max_size=100))
def test_nothing_xml_forbids_is_written(text: str) -> None:
    blocks = [Block(kind, text) for kind in ("p", "h", "li", "quote", "pre")]
    for style in ("paragraphs", "single"):
        body = render_body(blocks, style)
        assert body == xml_safe(body)
        body.encode("utf-8")  # no lone surrogate
    link = source_link(text, "https://x.test/" + text)
    assert link == xml_safe(link)
    assert "\n" not in link


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


@pytest.mark.parametrize(
    ("text", "heading"),
    [
        ("Issue #", "## Issue \\#"),  # a closing sequence would drop the "#"
        ("C# and F#", "## C# and F#"),  # not after a space: stays as it is
        ("Score ## ", "## Score \\##"),
        ("#1", "## \\#1"),
        ('Title {style="color:red" id="search"}', '## Title \\{style="color:red" id="search"\\}'),
    ],
)
def test_heading_text_is_the_heading(text: str, heading: str) -> None:
    assert render_body([Block("h", text)], "paragraphs") == heading


@pytest.mark.parametrize(
    ("block", "markdown"),
    [
        # A blank line in page text would end the paragraph and start a heading.
        (Block("p", "one\n\n# two"), "one  # two"),
        (Block("p", "    indented"), "indented"),  # four spaces: a code block
        (Block("li", "\tx"), "- x"),
        (Block("quote", "a\r\n> b"), "> a \\> b"),
        (Block("p", "a\n===="), "a ===="),  # a setext underline on its own line
        (Block("pre", "  a\n===\n\n - b\\"), "a  \n\\===  \n\\- b\\\\"),
    ],
)
def test_line_breaks_and_indentation_cannot_make_blocks(block: Block, markdown: str) -> None:
    assert render_body([block], "paragraphs") == markdown


def test_source_link_cannot_break_out() -> None:
    assert source_link("src]", "https://x.test/a (b)") == "[src\\]](https://x.test/a%20%28b%29)"
    assert source_link("a\n\nb", "https://x.test/?a=1&amp;b={c}") == (
        "[a  b](https://x.test/?a=1&amp;amp;b=%7Bc%7D)"
    )
