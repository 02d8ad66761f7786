"""``newsdesk report``: a self-contained HTML page (and JSON) of every source's health, from
a real run against the local fixture server; opened in Chromium where it is installed."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from lxml import html as lxml_html

from tests.helpers import cli
from tests.pages import story_feed
from tests.server import LocalServer

HOSTILE = '<script>alert("x")</script> & "Wire"'


def _site(tmp_path: Path, server: LocalServer) -> Path:
    good = story_feed(server, "good", ["Story 0", "Story 1", "Story 2"])
    site = tmp_path / "site"
    site.mkdir()
    (site / "newsdesk.toml").write_text(
        '[site]\ntitle = "Wire <b>desk</b>"\n'
        "[fetch]\nmin_delay = 0\nrobots = false\n[extract]\nworkers = 1\n"
        f'[[sources]]\nname = {json.dumps(HOSTILE)}\nurl = "{good}"\n'
        f'[[sources]]\nname = "broken"\nurl = "{server.url("/missing.rss")}"\n'
    )
    done = cli("run", "--site", str(site))
    assert done.returncode == 0, done.stdout + done.stderr
    return site


def _text(element: etree._Element | None) -> str:
    assert element is not None
    return "".join(str(part) for part in element.itertext())


def test_report_page_and_json(tmp_path: Path, server: LocalServer) -> None:
    site = _site(tmp_path, server)
    out = tmp_path / "health.html"
    done = cli("report", "--site", str(site), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "1 failing" in done.stdout
    page = out.read_text()
    assert "<script" not in page  # the hostile name is text
    doc = lxml_html.fromstring(page)
    assert HOSTILE in _text(doc)
    assert "Wire <b>desk</b>: source health" in _text(doc)
    # Self-contained: nothing is loaded from anywhere.
    for element in doc.iter():
        for attribute in ("src", "href", "srcset", "action"):
            assert element.get(attribute) is None, (element.tag, attribute)
    assert not re.search(r"url\(|@import", page)
    rows = doc.findall(".//tbody/tr")
    assert [_text(r.find(".//div[@class='name']")) for r in rows] == ["broken", HOSTILE]
    assert "failing" in _text(rows[0])  # the ones that need a look first
    assert len(rows[1].findall(".//{*}svg")) + len(rows[1].findall(".//svg")) >= 3

    done = cli("report", "--site", str(site), "--json", "--days", "7")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert len(data["days"]) == 7
    sources = {s["name"]: s for s in data["sources"]}
    assert sum(sources[HOSTILE]["published"]) == 3
    assert sources[HOSTILE]["state"] == "ok"
    assert sources[HOSTILE]["last_success"] is not None
    assert sources["broken"]["state"] == "failing"
    assert "404" in sources["broken"]["last_error"]
    assert data["summary"]["posts"] == 3


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed; browser check skipped")
def test_report_page_in_chromium(tmp_path: Path, server: LocalServer) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    from tests.test_browser import ARGS, SCREENSHOTS

    site = _site(tmp_path, server)
    out = tmp_path / "health.html"
    assert cli("report", "--site", str(site), "--out", str(out)).returncode == 0
    requests: list[str] = []
    errors: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page: Any = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("request", lambda r: requests.append(r.url))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(out.as_uri())
        assert page.locator("tbody tr").count() == 2
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "report.png"), full_page=True)
        browser.close()
    assert errors == []
    assert requests == [out.as_uri()]  # the page itself, nothing else
