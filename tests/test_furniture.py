"""What the page marks as not the article stays out of the text: captions that repeat or sit
at its edges, headlines that link elsewhere above or below it, dated bylines."""

from __future__ import annotations

import newsdesk

_PARAGRAPHS = [
    "<p>The regional council approved the new flood barrier on Thursday after a long debate, "
    "with members saying the river had burst its banks three times in the past ten years and "
    "that the town could not wait for another winter of damage to homes and shops.</p>",
    "<p>Work on the first section is due to start in the spring, once the contractors have "
    "surveyed the old walls along the quay and the footbridge near the railway station.</p>",
    "<p>Residents who lost their homes in the last flood welcomed the vote, though several "
    "asked why the council had taken so long to find the money for the project.</p>",
    "<p>The barrier will cost about forty million euros, most of it paid by the national "
    "government, and should protect some three thousand homes when it is finished.</p>",
]
_CAPTION = "Workers inspect the old river wall in the town centre on Monday"
_FIRST = "The regional council approved the new flood barrier on Thursday"
_LAST = "should protect some three thousand homes when it is finished."


def _page(before: str = "", inside: str = "", after: str = "", author: str = "") -> str:
    meta = f'<meta name="author" content="{author}">' if author else ""
    return (
        f"<html><head><title>Barrier approved</title>{meta}</head><body><main><article>"
        f"<h1>Barrier approved</h1>{before}{''.join(_PARAGRAPHS[:2])}{inside}"
        f"{''.join(_PARAGRAPHS[2:])}{after}"
        "</article></main></body></html>"
    )


def _text(html: str) -> str:
    return newsdesk.extract(html, "https://news.example.com/barrier").text


def test_a_caption_that_repeats_is_kept_once_at_most() -> None:
    figure = (
        f'<figure><img src="/a.jpg" alt="{_CAPTION}"><figcaption>{_CAPTION}</figcaption></figure>'
    )
    loose = f"<p>{_CAPTION}</p>"
    text = _text(_page(inside=figure + loose + loose))
    assert text.startswith(_FIRST), text  # the article itself is there, whole
    assert text.endswith(_LAST), text
    assert text.count(_CAPTION) <= 1  # inside the text, once is allowed (README)


def test_a_caption_above_the_text_is_left_out() -> None:
    figure = f'<div class="image"><img src="/a.jpg" alt="{_CAPTION}"></div><p>{_CAPTION}</p>'
    text = _text(_page(before=figure))
    assert text.startswith(_FIRST), text
    assert _CAPTION not in text


def test_linked_headlines_above_and_below_the_text_are_left_out() -> None:
    teaser = '<p><a href="/other-story">Mayor resigns after budget row over new school</a></p>'
    related = '<h3><a href="/more">Storm warning issued for the whole coast this weekend</a></h3>'
    text = _text(_page(before=teaser, after=related))
    assert "Mayor resigns" not in text
    assert "Storm warning" not in text
    assert "regional council approved" in text


def test_a_dated_byline_is_left_out_but_a_plain_one_stays() -> None:
    dated = _text(_page(before="<p>Jane Roe 5 hours ago</p>", author="Jane Roe"))
    assert dated.startswith(_FIRST), dated
    assert "Jane Roe" not in dated
    plain = _text(_page(before="<p>By Jane Roe and John Doe</p>"))
    assert plain.startswith("By Jane Roe and John Doe")


def test_the_authors_biography_below_the_text_is_left_out() -> None:
    bio = "<p>Jane Roe is a reporter for the Example Herald covering local government.</p>"
    text = _text(_page(after=bio, author="Jane Roe"))
    assert text.endswith(_LAST), text
    assert "is a reporter" not in text
    last = "<p>The mayor is a former reporter who covered the river for the local paper.</p>"
    kept = _text(_page(after=last))
    assert "former reporter" in kept


def test_a_page_that_is_only_links_is_its_own_text() -> None:
    items = "".join(
        f'<li><p><a href="https://news.example.org/{n}">Headline number {n} about the '
        f'budget vote</a></p><p>via Example <a href="https://ex.example/{n}">'
        f"https://ex.example/{n}</a></p></li>"
        for n in range(6)
    )
    page = (
        f"<html><body><article><h1>Links of the week</h1><ul>{items}</ul></article></body></html>"
    )
    text = _text(page)
    assert "Headline number 0 about the budget vote" in text
