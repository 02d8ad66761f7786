"""The demo site in a real headless Chromium: home page, a post, and a search.

Screenshots go to build/screenshots/ for people to look at. Skips, with a message, where
Debian's chromium is not installed (.ci/run installs it).
"""

from __future__ import annotations

import functools
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.helpers import cli

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOTS = Path(__file__).resolve().parents[1] / "build" / "screenshots"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="chromium is not installed (apt-get install chromium); browser tests skipped",
    ),
]


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    site = tmp_path_factory.mktemp("browser") / "demo-site"
    done = cli("demo", "--site", str(site), timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(site / "public"))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", site
    httpd.shutdown()
    httpd.server_close()


def test_home_post_and_search_in_chromium(site_url: tuple[str, Path]) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    base, site = site_url
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    external: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.on("request", lambda r: None if r.url.startswith(base) else external.append(r.url))
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))

        page.goto(base + "/")
        assert page.locator("article.card").count() == 10
        assert page.locator(".widget-recent li").count() == 5
        page.screenshot(path=str(SCREENSHOTS / "home.png"), full_page=True)

        first = page.locator("article.card h2 a").first
        title = first.inner_text()
        first.click()
        page.wait_for_selector("article.post h1")
        assert page.locator("article.post h1").inner_text() == title
        assert page.locator(".body p").count() >= 3
        page.screenshot(path=str(SCREENSHOTS / "post.png"), full_page=True)

        # A rare word from a post body, searched from the sidebar widget.
        page.goto(base + "/")
        page.wait_for_selector(".pagefind-ui__search-input")
        page.fill(".pagefind-ui__search-input", "Marvessa")
        page.wait_for_selector(".pagefind-ui__result-link")
        first_hit = page.locator(".pagefind-ui__result-link").first
        assert "Marvessa" in first_hit.inner_text()  # the story that names it, ranked first
        post_id = (first_hit.get_attribute("href") or "").strip("/").split("/")[-1]
        post = site / "content" / "posts" / f"{post_id}.md"
        assert "Marvessa" in post.read_text(), post  # and the link leads to that story
        page.screenshot(path=str(SCREENSHOTS / "search.png"), full_page=False)
        browser.close()
    assert errors == []
    assert external == []
