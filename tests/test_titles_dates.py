"""The generic headline and date choice on small synthetic pages: titles chosen by agreement
among the page's sources, dates taken from the most specific published (never updated) one."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import lxml.html

from newsdesk.extraction.metadata import PageMeta, page_metadata


def _page(
    *,
    title: str = "",
    og: str = "",
    twitter: str = "",
    site: str = "",
    ld: dict[str, object] | None = None,
    head: str = "",
    body: str = "",
) -> str:
    parts = [f"<title>{title}</title>" if title else ""]
    if og:
        parts.append(f'<meta property="og:title" content="{og}">')
    if twitter:
        parts.append(f'<meta name="twitter:title" content="{twitter}">')
    if site:
        parts.append(f'<meta property="og:site_name" content="{site}">')
    if ld is not None:
        data = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", **ld})
        parts.append(f'<script type="application/ld+json">{data}</script>')
    parts.append(head)
    return f"<html><head>{''.join(parts)}</head><body>{body}<p>Text.</p></body></html>"


def _meta(html: str, url: str = "https://example.org/news/1") -> PageMeta:
    return page_metadata(lxml.html.document_fromstring(html), url)


# Titles


def test_a_kicker_only_the_json_ld_headline_carries_is_dropped_when_the_rest_agree() -> None:
    html = _page(
        ld={"headline": "Olympia: Deutsche Ruderer gewinnen Gold in Paris"},
        og="Deutsche Ruderer gewinnen Gold in Paris",
        twitter="Deutsche Ruderer gewinnen Gold in Paris",
        body="<article><h1>Deutsche Ruderer gewinnen Gold in Paris</h1></article>",
    )
    assert _meta(html).title == "Deutsche Ruderer gewinnen Gold in Paris"


def test_a_kicker_span_glued_to_the_h1_matches_the_title_with_the_site_after_it() -> None:
    html = _page(
        title="Nationale Demo Der 9. Juli naht für die Gewerkschaften | Abendblatt Ost",
        body="<article><h1><span class='kicker'>Nationale Demo</span>"
        "Der 9. Juli naht für die Gewerkschaften</h1></article>",
    )
    assert _meta(html).title == "Nationale Demo Der 9. Juli naht für die Gewerkschaften"


def test_a_section_and_site_after_the_headline_go_whatever_the_quotes() -> None:
    html = _page(
        og="Minister calls plan 'a disaster' for farmers - National | Globalnews.ca",
        site="Global News",
        body="<article><h1>Minister calls plan ‘a disaster’ for farmers</h1></article>",
    )
    assert _meta(html, "https://globalnews.ca/news/1/x").title == (
        "Minister calls plan ‘a disaster’ for farmers"
    )


def test_the_site_is_known_by_the_pages_host_too() -> None:
    html = _page(og="Strava taps AI to weed out cheats | Techcrunch.com", site="TC")
    assert _meta(html, "https://techcrunch.com/2024/05/17/x/").title == (
        "Strava taps AI to weed out cheats"
    )


def test_a_site_name_after_a_hangul_bar_is_stripped() -> None:
    html = _page(og="장동혁, 한동훈 제명했지만 부담 커졌다ㅣ한국일보", site="한국일보")
    assert _meta(html).title == "장동혁, 한동훈 제명했지만 부담 커졌다"


def test_a_lone_title_loses_its_last_segment_when_a_headline_is_left() -> None:
    html = _page(title="Lorem ipsum dolor sit amet – My website")
    assert _meta(html).title == "Lorem ipsum dolor sit amet"


def test_a_short_lone_title_keeps_its_segments() -> None:
    html = _page(title="Villa Galaxy - Ferienvilla")
    assert _meta(html).title == "Villa Galaxy - Ferienvilla"


def test_the_social_title_gives_the_form_when_it_agrees_with_the_headline_word_for_word() -> None:
    html = _page(
        ld={"headline": "Rückbau von Atomkraftwerk - Kühltürme von AKW gesprengt"},
        og="Rückbau von Atomkraftwerk: Kühltürme von AKW gesprengt",
        title="Rückbau von Atomkraftwerk: Kühltürme von AKW gesprengt - Politik",
    )
    assert _meta(html).title == "Rückbau von Atomkraftwerk: Kühltürme von AKW gesprengt"


def test_a_blog_name_h1_does_not_replace_the_title() -> None:
    html = _page(
        title="Silicon Exposed: Open Verilog flow for GreenPak4 devices",
        og="Open Verilog flow for GreenPak4 devices",
        body="<h1>Silicon Exposed</h1>",
    )
    assert _meta(html, "https://siliconexposed.blogspot.com/x").title == (
        "Open Verilog flow for GreenPak4 devices"
    )


# Dates

_CEST = timezone(timedelta(hours=2))


def test_an_updated_time_element_never_stands_for_the_publication() -> None:
    html = _page(
        body='<time class="updated" datetime="2024-05-03T10:00:00+02:00">3 May</time>'
        '<time class="published" datetime="2024-05-02T08:00:00+02:00">2 May</time>'
    )
    meta = _meta(html)
    assert meta.date == datetime(2024, 5, 2, 8, 0, tzinfo=_CEST)
    assert meta.date_has_time


def test_a_date_modified_time_element_is_passed_over() -> None:
    html = _page(
        body='<time itemprop="dateModified" datetime="2024-05-03T10:00:00+02:00">3 May</time>'
        '<time datetime="2024-05-02T08:00:00+02:00">2 May</time>'
    )
    assert _meta(html).date == datetime(2024, 5, 2, 8, 0, tzinfo=_CEST)


def test_a_day_only_date_is_not_given_the_time_of_an_update() -> None:
    html = _page(
        ld={"headline": "H", "datePublished": "2024-04-25"},
        body='<time class="date-updated" datetime="2024-04-25T18:00:00+02:00">18:00</time>',
    )
    meta = _meta(html)
    assert meta.date is not None
    assert meta.date.date().isoformat() == "2024-04-25"
    assert not meta.date_has_time


def test_a_zoneless_time_takes_the_zone_its_visible_text_names() -> None:
    html = _page(body='<time datetime="2022-10-17 16:01:26">10/17/2022 04:01 PM EDT</time>')
    assert _meta(html).date == datetime(
        2022, 10, 17, 16, 1, 26, tzinfo=timezone(-timedelta(hours=4))
    )


def test_a_zoneless_time_is_completed_by_a_zoned_source_with_the_same_wall_clock() -> None:
    html = _page(
        ld={"headline": "H", "datePublished": "2024-04-25T14:07:00"},
        head='<meta property="article:published_time" content="2024-04-25T14:07:00+02:00">',
    )
    assert _meta(html).date == datetime(2024, 4, 25, 14, 7, tzinfo=_CEST)
