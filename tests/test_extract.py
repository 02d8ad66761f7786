"""``newsdesk extract`` and ``newsdesk.extract``: one JSON object per page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import newsdesk
from newsdesk.extraction import extracted_json
from newsdesk.extraction.cleanup import is_boilerplate
from tests.helpers import cli
from tests.pages import investing_current_page

BLOCKS = [
    ("p", "By Jane Roe"),
    ("p", "Investing.com -- Markets rose on Tuesday " * 5),
    ("h", "OUTLOOK"),
    ("p", "Analysts expect more gains this week, they said. " * 4),
]


def test_extract_is_importable_and_reads_an_investing_page() -> None:
    html = investing_current_page("Markets rise", BLOCKS, published="2025-02-08T09:17:19-05:00")
    result = newsdesk.extract(html, "https://www.investing.com/news/x-1")
    assert result.method == "rule:investing.com"
    assert result.title == "Markets rise"
    assert [b.kind for b in result.blocks] == ["p", "p", "h", "p"]
    assert result.date is not None
    assert result.date.isoformat() == "2025-02-08T09:17:19-05:00"
    assert result.image == "https://i-invdn-com.investing.com/news/x.jpg"
    assert result.language == "en"
    assert "Advertisement" not in result.text
    assert "Risk Disclosure" not in result.text


def test_cli_prints_one_json_object(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(investing_current_page("Markets rise", BLOCKS))
    done = cli("extract", str(page), "--url", "https://www.investing.com/news/x-1")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert set(data) >= {"text", "title", "authors", "date", "image", "language", "description"}
    assert data["text"].startswith("By Jane Roe\n\nInvesting.com -- Markets rose")


def test_boilerplate_lines() -> None:
    for line in [
        "Advertisement",
        "Read more: Why stocks fell",
        "© Reuters.",
        "Share on X / LinkedIn",
        "Sign up for our newsletter",
        "This article was generated with the support of AI "
        "and reviewed by an editor. For more information see our T&C.",
    ]:
        assert is_boilerplate(line), line
    for line in [
        "By Trevor Hunnicutt",
        "Shares rose 5% after the results.",
        "Read the room, he said"
        " to investors who had sold during the panic, adding that the outlook was bright.",
    ]:
        assert not is_boilerplate(line), line


def _dated_page(ld_date: str, meta_date: str = "") -> str:
    meta = f'<meta property="article:published_time" content="{meta_date}">' if meta_date else ""
    body = "<p>" + "Rates held steady on Tuesday as the bank waited for more data. " * 8 + "</p>"
    return (
        '<html><head><script type="application/ld+json">'
        f'{{"@type": "NewsArticle", "headline": "Rates hold", "datePublished": "{ld_date}"}}'
        f"</script>{meta}</head><body><article><h1>Rates hold</h1>{body}</article></body></html>"
    )


def test_a_day_only_page_date_is_printed_as_a_day_not_midnight() -> None:
    result = newsdesk.extract(_dated_page("2025-03-04"), "https://news.example/a")
    assert result.date_has_time is False
    assert extracted_json(result)["date"] == "2025-03-04"


def test_a_timed_date_on_the_same_day_completes_a_day_only_one() -> None:
    page = _dated_page("2025-03-04", meta_date="2025-03-04T10:20:00+01:00")
    result = newsdesk.extract(page, "https://news.example/a")
    assert extracted_json(result)["date"] == "2025-03-04T10:20:00+01:00"
    # A time on another day (an update) does not replace the publication day.
    other = newsdesk.extract(_dated_page("2025-03-04", "2025-03-07T10:20:00Z"), "https://x.example")
    assert extracted_json(other)["date"] == "2025-03-04"


def test_a_zone_less_time_takes_the_offset_of_the_same_time_elsewhere_in_the_page() -> None:
    page = _dated_page("2023-04-28 18:11:01.0", meta_date="2023-04-28T18:11:01+02:00")
    result = newsdesk.extract(page, "https://news.example/a")
    assert extracted_json(result)["date"] == "2023-04-28T18:11:01+02:00"


def _article(inner: str, title: str = "Rates hold") -> str:
    prose = "".join(
        f"<p>{'The central bank held its rates on Tuesday and said more data was needed. ' * 3}"
        f"Paragraph {i} of the report.</p>"
        for i in range(6)
    )
    return (
        f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
        f"{prose}{inner}</article></body></html>"
    )


@pytest.mark.parametrize(
    ("furniture", "leak"),
    [
        (
            '<ul><li><a href="/a">Bank cuts rates</a></li><li><a href="/b">Stocks rise</a></li>'
            '<li><a href="/c">Oil falls again</a></li></ul>',
            "Stocks rise",
        ),
        ("<p>Stand: 22.04.2024 06:00 Uhr</p>", "Stand:"),
        ("<p>Les også: Banken kutter renten</p>", "Les også"),
        ("".join(f"<p>{n}/5 A picture of the harbour at dawn</p>" for n in range(1, 6)), "harbour"),
        (
            "<div hidden><p>Hidden promo: a cheap mobile phone plan</p></div>",
            "mobile phone plan",
        ),
    ],
)
def test_furniture_inside_the_article_is_dropped(furniture: str, leak: str) -> None:
    result = newsdesk.extract(_article(furniture), "https://news.example/a")
    assert "central bank" in result.text
    assert leak not in result.text


def test_a_kicker_and_headline_heading_is_not_repeated_in_the_body() -> None:
    page = _article("").replace(
        "<article><h1>Rates hold",
        "<article><h2>Central banks: Rates hold steady again</h2><h1>Rates hold",
    )
    result = newsdesk.extract(
        page.replace("<title>Rates hold", "<title>Rates hold steady again"),
        "https://news.example/a",
    )
    assert "Central banks" not in result.text


def test_a_page_that_hides_its_whole_text_until_a_script_runs_still_gives_it() -> None:
    html = _article("").replace("<article>", '<article hidden="">')
    assert "central bank" in newsdesk.extract(html, "https://news.example/a").text


def test_a_script_heavy_page_that_renders_its_text_hidden_still_gives_it() -> None:
    # Like YouTube: the hidden text is a small share of the page's characters, most of which
    # are script, so pruning it leaves nothing and the unpruned page is read instead.
    script = "<script>var state = {" + '"k": 1, ' * 3000 + "};</script>"
    html = _article("").replace("<article>", f'{script}<article hidden="">')
    assert "central bank" in newsdesk.extract(html, "https://news.example/a").text


def test_the_costly_searches_for_a_date_and_authors_can_be_left_to_the_feed() -> None:
    body = "".join(
        f"<p>{'The central bank held its rates on Tuesday and said more data was needed. ' * 3}</p>"
        for _ in range(5)
    )
    page = (
        "<html><head><title>Rates hold</title></head><body><article><h1>Rates hold</h1>"
        '<p class="byline">By Jane Roe</p><p class="date">Published March 4, 2025</p>'
        f"{body}</article></body></html>"
    )
    searched = newsdesk.extract(page, "https://news.example/a")
    assert searched.date is not None
    assert searched.date.date().isoformat() == "2025-03-04"
    assert searched.date_has_time is False
    assert searched.authors == ("Jane Roe",)
    trusting = newsdesk.extract(
        page, "https://news.example/a", search_date=False, search_authors=False
    )
    assert trusting.date is None
    assert trusting.authors == ()
    assert trusting.text == searched.text
