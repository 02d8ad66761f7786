"""README promises about the publishing filters: ``include`` (keywords and ``/regex/``),
``max_age``, ``languages`` under ``[filters]``, and ``filters = {...}`` per source, applied
after the global ones. A real run against the local server; what counts is which posts are
on disk and the reason each skipped item was given.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import newsdesk
from tests.pages import investing_current_page, investing_feed, story_text
from tests.server import LocalServer

if TYPE_CHECKING:
    from newsdesk.report import RunReport

GERMAN = (
    "Die Stadtverwaltung hat am Dienstag den Bau der neuen Brücke über den Fluss beschlossen. "
    "Nach einer langen Debatte stimmten die meisten Mitglieder des Rates für das Projekt, "
    "das nach Angaben der Verwaltung etwa drei Jahre dauern und die Innenstadt entlasten soll. "
)


def _site(site: Path, text: str) -> Path:
    """A site whose newsdesk.toml is ``text`` after the test defaults (TOML as written, so
    that ``filters = {...}`` can be an inline table)."""
    site.mkdir(parents=True, exist_ok=True)
    defaults = "[fetch]\nmin_delay = 0\nrobots = false\n[extract]\nworkers = 1\n"
    (site / "newsdesk.toml").write_text(defaults + text, encoding="utf-8")
    return site


def _source(server: LocalServer, name: str, stories: list[tuple[str, str]]) -> str:
    """Serve a feed of (title, date) stories, each with its own page; returns the feed URL."""
    items = []
    for n, (title, date) in enumerate(stories):
        blocks = [("p", story_text(f"{name}/{title}")), ("p", story_text(f"{name}/{n}"))]
        link = server.add(f"/{name}/{n}", investing_current_page(title, blocks))
        items.append({"title": title, "date": date, "link": link})
    return server.add(f"/{name}.rss", investing_feed(items), Content_Type="application/rss+xml")


def _published_titles(site: Path) -> list[str]:
    titles = []
    for post in (site / "content" / "posts").glob("*.md"):
        line = next(x for x in post.read_text().splitlines() if x.startswith("title: "))
        titles.append(line.removeprefix('title: "').removesuffix('"'))
    return sorted(titles)


def _skips(report: RunReport, server: LocalServer) -> dict[str, str]:
    """Path of each skipped item's page -> the reason it was given."""
    return {
        d.url.removeprefix(server.base): d.detail for d in report.decisions if d.outcome == "skip"
    }


DATE = "2026-11-20 10:00:00"


def test_include_publishes_only_items_matching_a_keyword_or_a_regex(
    tmp_path: Path, server: LocalServer
) -> None:
    feed = _source(
        server,
        "wire",
        [("Zinc output climbs", DATE), ("Coffee prices jump", DATE), ("Tin miners strike", DATE)],
    )
    site = _site(
        tmp_path / "site",
        f'[filters]\ninclude = ["zinc", "/cocoa|coffee/"]\n'
        f'[[sources]]\nname = "wire"\nurl = "{feed}"\n',
    )
    report = newsdesk.run(site)
    assert _published_titles(site) == ["Coffee prices jump", "Zinc output climbs"]
    assert _skips(report, server) == {
        "/wire/2": "filtered: matches none of include ['zinc', '/cocoa|coffee/']"
    }


def test_max_age_skips_items_older_than_it(tmp_path: Path, server: LocalServer) -> None:
    now = datetime.now(UTC)
    fresh = (now - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S")
    stale = (now - timedelta(days=10)).strftime("%Y-%m-%d %H:%M:%S")
    feed = _source(server, "wire", [("Fresh story", fresh), ("Stale story", stale)])
    site = _site(
        tmp_path / "site",
        f'[filters]\nmax_age = "2d"\n[[sources]]\nname = "wire"\nurl = "{feed}"\n',
    )
    report = newsdesk.run(site)
    assert _published_titles(site) == ["Fresh story"]
    assert _skips(report, server) == {"/wire/1": "filtered: 240 h old, older than max_age 48 h"}


def test_languages_publishes_only_those_languages(tmp_path: Path, server: LocalServer) -> None:
    english = investing_current_page("Bridge approved", [("p", story_text("bridge"))])
    german = f"""<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">
<title>Brücke beschlossen</title></head><body><article><h1>Brücke beschlossen</h1>
<p>{GERMAN}</p><p>{GERMAN}</p></article></body></html>"""
    items = [
        {"title": "Bridge approved", "date": DATE, "link": server.add("/en", english)},
        {"title": "Brücke beschlossen", "date": DATE, "link": server.add("/de", german)},
    ]
    feed = server.add("/mixed.rss", investing_feed(items), Content_Type="application/rss+xml")
    site = _site(
        tmp_path / "site",
        f'[filters]\nlanguages = ["de"]\n[[sources]]\nname = "mixed"\nurl = "{feed}"\n',
    )
    report = newsdesk.run(site)
    assert _published_titles(site) == ["Brücke beschlossen"]
    (post,) = (site / "content" / "posts").glob("*.md")
    assert 'lang:\n  - "de"' in post.read_text()
    assert _skips(report, server) == {"/en": "filtered: language 'en' not in ['de']"}


def test_per_source_filters_apply_to_that_source_after_the_global_ones(
    tmp_path: Path, server: LocalServer
) -> None:
    metals = _source(
        server,
        "metals",
        [("Zinc output climbs", DATE), ("Tin miners strike", DATE), ("Cocoa and zinc", DATE)],
    )
    softs = _source(server, "softs", [("Tin miners strike again", DATE), ("Cocoa crop", DATE)])
    site = _site(
        tmp_path / "site",
        '[filters]\nexclude = ["cocoa"]\n'
        f'[[sources]]\nname = "metals"\nurl = "{metals}"\nfilters = {{ include = ["zinc"] }}\n'
        f'[[sources]]\nname = "softs"\nurl = "{softs}"\n',
    )
    report = newsdesk.run(site)
    assert _published_titles(site) == ["Tin miners strike again", "Zinc output climbs"]
    assert _skips(report, server) == {
        "/metals/1": "filtered: matches none of include ['zinc']",  # the source's own rule
        "/metals/2": "filtered: matches exclude 'cocoa'",  # the global rule still applies
        "/softs/1": "filtered: matches exclude 'cocoa'",
    }
    assert report.sources["softs"].published == 1  # "include zinc" is not the other source's
