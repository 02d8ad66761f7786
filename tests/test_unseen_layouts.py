"""Variations of investing.com-style pages must still give the reference post byte for byte.

Each variant changes what real pages change: how subheadings and paragraphs are marked up,
ticker links inside sentences, furniture inside the article container (related links, image
captions, "Read more", an AI notice, a copyright line), and a layout no site rule knows.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from pathlib import Path

import pytest

import newsdesk
from tests.helpers import split_post
from tests.pages import DISCLAIMER, investing_current_page, split_reference

Blocks = list[tuple[str, str]]


def _reference(reference_post: str) -> tuple[str, Blocks, str]:
    front, rest = split_post(reference_post)
    title = front.split('title: "', 1)[1].split('"\n', 1)[0]
    body = rest.strip().split("\n\n")[0]
    return title, split_reference(body), body


def _strong_subheads(title: str, blocks: Blocks) -> str:
    html = investing_current_page(title, blocks)
    for kind, text in blocks:
        if kind == "h":
            html = html.replace(f"<h2>{text}</h2>", f"<p><strong>{text}</strong></p>")
    return html


def _div_paragraphs(title: str, blocks: Blocks) -> str:
    html = investing_current_page(title, blocks)
    for kind, text in blocks:
        if kind == "p":
            html = html.replace(f"<p>{escape(text)}</p>", f"<div>\n  {escape(text)}\n</div>")
    return html


def _ticker_links(title: str, blocks: Blocks) -> str:
    html = investing_current_page(title, blocks)
    return html.replace(
        "Toyota (NYSE:TM)",
        'Toyota (<a href="/equities/toyota-motor-corp" data-test="link-to-instrument">NYSE:'
        '<span class="ticker">TM</span></a>)',
    ).replace("Nippon Steel&#x27;s", '<a href="/equities/nippon-steel">Nippon Steel</a>&#x27;s')


def _furniture_in_body(title: str, blocks: Blocks) -> str:
    html = investing_current_page(title, blocks)
    inside = (
        '<figure><img src="/p.jpg"><figcaption>U.S. President Donald Trump meets Japanese Prime '
        "Minister Shigeru Ishiba at the White House. REUTERS/Kevin Lamarque</figcaption></figure>"
        '<p><a href="/news/related-1">Stocks slip as tariff worries mount</a></p>'
        '<div class="relatedArticles"><h3>Related Articles</h3><ul>'
        '<li><a href="/news/r-1">Yen steadies ahead of summit</a></li>'
        '<li><a href="/news/r-2">Nippon Steel bid back in focus</a></li></ul></div>'
    )
    html = html.replace("<p>Trump announced progress", inside + "<p>Trump announced progress", 1)
    last_end = html.rindex("</p>\n</div></div>")
    trailer = (
        '</p>\n<p>Read more: <a href="/news/x">Why the yen matters</a></p>'
        "<p>This article was generated with the support of AI and reviewed by an editor. For "
        "more information see our T&amp;C.</p><p>© Reuters.</p>"
    )
    return html[:last_end] + trailer + html[last_end + 4 :]


def _unknown_layout(title: str, blocks: Blocks) -> str:
    paragraphs = "\n".join(
        f"<h3>{escape(t)}</h3>" if k == "h" else f"<p>{escape(t)}</p>" for k, t in blocks
    )
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>
<script type="application/ld+json">{{"@type": "NewsArticle", "headline": "{escape(title)}"}}</script>
</head><body><header><nav><a href="/">Home</a> <a href="/markets">Markets</a></nav></header>
<main><article><h1 class="headline">{escape(title)}</h1>
<div class="byline">Reuters · Feb 8, 2025</div>
<div class="story-text">{paragraphs}</div>
<aside class="disclaimer"><p>{DISCLAIMER}</p></aside></article>
<section id="comments"><h2>Comments</h2><p>First comment, with enough words to look like a real
paragraph that some extractor might keep if it were careless about comment sections.</p></section>
</main><footer>© 2025 Example Markets. All rights reserved.</footer></body></html>"""


VARIANTS: dict[str, Callable[[str, Blocks], str]] = {
    "strong-subheads": _strong_subheads,
    "div-paragraphs": _div_paragraphs,
    "ticker-links": _ticker_links,
    "furniture-in-body": _furniture_in_body,
    "unknown-layout": _unknown_layout,
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_variant_extracts_the_reference_text(
    reference_post: str, variant: str, tmp_path: Path
) -> None:
    title, blocks, body = _reference(reference_post)
    html = VARIANTS[variant](title, blocks)
    result = newsdesk.extract(html, "http://127.0.0.1:8000/news/x-3855502")
    text = " ".join(block.text for block in result.blocks)
    assert text == body, variant
