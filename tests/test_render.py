"""Text is assembled the way a browser renders it: inline markup never adds or drops a space,
on every path (the HTML walker, trafilatura's tree, readability's output, feed titles)."""

from __future__ import annotations

import html

import lxml.html
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import newsdesk
from newsdesk.extraction.blocks import collect_blocks, inline_text
from newsdesk.extraction.readable import readability_blocks
from newsdesk.text import collapse, plain_text, rendered_text

WORDS = st.sampled_from(
    ["Reuters", "said", "the", "Fed", "rates", "3.5%", "U.S.", "don't", "Zürich", "naïve", "x"]
)
MARKS = st.sampled_from([",", ".", ";", ":", "!", "?", ")", "(", "'", '"', "-", "—"])
GAPS = st.sampled_from(["", " ", " ", "\n", "  \t ", "\u00a0", "\n   "])
TAGS = st.sampled_from(["a", "b", "i", "em", "strong", "span", "small", "abbr", "u"])


@st.composite
def inline_markup(draw: st.DrawFn) -> tuple[str, str]:
    """(HTML of inline markup, the text a browser shows for it)."""
    tokens = draw(st.lists(st.one_of(WORDS, WORDS, MARKS), min_size=1, max_size=30))
    pieces: list[str] = []
    for token in tokens:
        pieces.append(token)
        pieces.append(draw(GAPS))
    # Wrap random runs of pieces (words, punctuation and the gaps beside them) in tags.
    markup = [html.escape(p, quote=False) for p in pieces]
    for _ in range(draw(st.integers(0, 6))):
        start = draw(st.integers(0, len(markup) - 1))
        end = draw(st.integers(start, len(markup) - 1))
        tag = draw(TAGS)
        opening = f'<{tag} href="/x">' if tag == "a" else f"<{tag}>"
        markup[start] = opening + markup[start]
        markup[end] = markup[end] + f"</{tag}>"
    return "".join(markup), collapse("".join(pieces))


@given(inline_markup())
def test_inline_markup_renders_as_a_browser_shows_it(case: tuple[str, str]) -> None:
    markup, shown = case
    paragraph = lxml.html.fragment_fromstring(f"<p>{markup}</p>")
    assert inline_text(paragraph) == shown
    blocks = collect_blocks(lxml.html.fragment_fromstring(f"<div>{markup}</div>"))
    assert " ".join(b.text for b in blocks) == shown


@given(inline_markup())
def test_feed_titles_keep_their_spacing(case: tuple[str, str]) -> None:
    markup, shown = case
    assert plain_text(markup + "<b></b>") == shown


_FILLER = (
    "<p>The central bank kept its main rate unchanged on Wednesday, as officials weighed "
    "slowing inflation against a labour market that has stayed firm through the summer "
    "months, according to the statement published after the meeting ended.</p>"
)


def _article(markup: str) -> str:
    return (
        "<html><head><title>Rates</title></head><body><nav><a href='/'>Home</a></nav>"
        f"<article><h1>Rates held</h1>{_FILLER * 3}"
        f"<p>Officials said that {markup} and the decision was unanimous among members.</p>"
        f"{_FILLER * 3}</article><footer>Contact</footer></body></html>"
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inline_markup())
def test_extracted_text_holds_the_rendered_paragraph(case: tuple[str, str]) -> None:
    markup, shown = case
    page = _article(markup)
    want = collapse(f"Officials said that {shown} and the decision was unanimous among members.")
    assert want in newsdesk.extract(page, "https://news.example.com/a").text
    tree = lxml.html.document_fromstring(page)
    assert want in " ".join(b.text for b in readability_blocks(tree))


def test_links_before_punctuation_gain_no_space() -> None:
    page = _article('<a href="/r">Reuters</a>, the <a href="/f">Fed</a>. <b>Big</b>gest')
    text = newsdesk.extract(page, "https://news.example.com/a").text
    assert "that Reuters, the Fed. Biggest and" in text


def test_block_boundaries_and_line_breaks_separate_words() -> None:
    root = lxml.html.fragment_fromstring("<div>one<p>two</p>three<br>four<td>five</td></div>")
    assert rendered_text(root) == "one two three four five"


def test_cjk_line_breaks_vanish_but_spaces_stay() -> None:
    assert collapse("中文\n  中文") == "中文中文"
    assert collapse("中文 中文") == "中文 中文"
    assert collapse("English\nwords") == "English words"
    assert collapse("中文\nEnglish") == "中文 English"


def test_hyphenation_hints_stay_and_byte_order_marks_go() -> None:
    assert collapse("\ufeffco\u00adop\u200beration") == "co\u00adop\u200beration"
    assert collapse("a\u00a0b") == "a b"


def test_the_space_after_a_line_break_survives() -> None:
    page = _article('a quote<br>\n— <a href="/p"><em>Mike Pompeo</em></a>, in 2019')
    text = newsdesk.extract(page, "https://news.example.com/a").text
    assert "a quote — Mike Pompeo, in 2019 and" in text


def test_cjk_paragraph_of_links_is_prose() -> None:
    links = "".join(f'<a href="/t{i}">地名{i}</a>、' for i in range(8))
    paragraph = f"<p>気象庁は13日、{links}に津波注意報を出したと発表した。</p>"
    page = f"<html><body><article><h1>地震</h1>{paragraph * 4}</article></body></html>"
    tree = lxml.html.fragment_fromstring(paragraph)
    assert [b.text for b in collect_blocks(tree, drop_link_only=True)]
    assert "地名0、地名1、" in newsdesk.extract(page, "https://news.example.jp/a").text


def test_text_size_counts_words_the_same_in_every_script() -> None:
    from newsdesk.extraction.blocks import text_size
    from newsdesk.models import Block

    english = [Block("p", "The council approved the barrier on Thursday. " * 5)]
    japanese = [Block("p", "気象庁は十三日、津波注意報を出したと発表した。" * 5)]
    assert text_size(english) == 35
    # 105 letters without a space: about 35 words, not one (a rule's body is no fragment).
    assert 30 <= text_size(japanese) <= 40
