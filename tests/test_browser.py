"""The demo site in a real headless Chromium: every page type at desktop and phone width,
checked by axe-core, plus search and the keyboard path through a page.

Screenshots go to build/screenshots/ for people to look at. Skips, with a message, where
Debian's chromium is not installed (.ci/run installs it); the accessibility checks skip
where axe-core is not installed (``make venv`` installs it from npm into .venv/axe).
"""

from __future__ import annotations

import functools
import os
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import cli

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
AXE = Path(
    os.environ.get(
        "NEWSDESK_AXE", ROOT / ".venv" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
    )
)
SCREENSHOTS = ROOT / "build" / "screenshots"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTHS = {"desktop": (1280, 1000), "phone": (390, 844)}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="chromium is not installed (apt-get install chromium); browser tests skipped",
    ),
]

# Every violation axe reports, as (rule, impact, first elements): the ones that block a
# reader (serious, critical) fail the test; the others are printed.
AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
  }));
}"""
HEADING_LEVELS = """() => Array.from(document.querySelectorAll("h1,h2,h3,h4,h5,h6"))
  .filter(h => h.offsetParent !== null || h.classList.contains("visually-hidden"))
  .map(h => Number(h.tagName[1]))"""


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


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def _page_types(base: str, site: Path) -> dict[str, str]:
    """One URL of every page type the theme renders."""
    public = site / "public"
    post = next(p for p in sorted((public / "posts").iterdir()) if (p / "index.html").is_file())
    category = next(p for p in sorted((public / "categories").iterdir()) if p.is_dir())
    tag = next(p for p in sorted((public / "tags").iterdir()) if p.is_dir())
    return {
        "home": f"{base}/",
        "home-page-2": f"{base}/page/2/",
        "post": f"{base}/posts/{post.name}/",
        "category": f"{base}/categories/{category.name}/",
        "categories": f"{base}/categories/",
        "tag": f"{base}/tags/{tag.name}/",
        "tags": f"{base}/tags/",
        "404": f"{base}/404.html",
    }


@pytest.mark.parametrize("width", list(WIDTHS))
def test_every_page_type_is_accessible_and_self_contained(
    site_url: tuple[str, Path], browser: Any, width: str
) -> None:
    if not AXE.is_file():
        pytest.skip(f"axe-core is not installed at {AXE} (make venv installs it with npm)")
    base, site = site_url
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    w, h = WIDTHS[width]
    page = browser.new_page(viewport={"width": w, "height": h})
    external: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(base) else external.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    blocking: dict[str, list[dict[str, Any]]] = {}
    for name, url in _page_types(base, site).items():
        response = page.goto(url)
        assert response is not None, url
        assert response.ok, url
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate(AXE_RUN)
        for v in violations:
            print(f"{name} {width}: {v['impact']} {v['id']} {v['nodes']}")
        serious = [v for v in violations if v["impact"] in ("serious", "critical")]
        if serious:
            blocking[name] = serious
        levels = page.evaluate(HEADING_LEVELS)
        assert levels, name
        assert levels[0] == 1, (name, levels)
        gaps = [(a, b) for a, b in zip(levels, levels[1:], strict=False) if b > a + 1]
        assert not gaps, f"{name}: heading levels jump {gaps} in {levels}"
        # The search UI is not loaded until someone uses it.
        assert page.evaluate("() => typeof window.PagefindModularUI") == "undefined", name
    page.close()
    assert blocking == {}
    assert errors == []
    assert external == []


def test_home_post_and_search_in_chromium(site_url: tuple[str, Path], browser: Any) -> None:
    base, site = site_url
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    external: list[str] = []
    requested: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.on("request", lambda r: None if r.url.startswith(base) else external.append(r.url))
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

    # A rare word from a post body, searched from the sidebar's search box, which loads
    # Pagefind only now.
    page.goto(base + "/")
    assert not [u for u in requested if "/pagefind/" in u]
    page.get_by_label("Search").fill("Marvessa")
    page.wait_for_selector(".pagefind-modular-list-link")
    first_hit = page.locator(".pagefind-modular-list-link").first
    assert "Marvessa" in first_hit.inner_text()  # the story that names it, ranked first
    post_id = (first_hit.get_attribute("href") or "").strip("/").split("/")[-1]
    post = site / "content" / "posts" / f"{post_id}.md"
    assert "Marvessa" in post.read_text(), post  # and the link leads to that story
    assert [u for u in requested if u.endswith("pagefind-modular-ui.js")]
    assert not [u for u in requested if u.endswith("pagefind-ui.js")]  # the 117 KiB UI
    page.screenshot(path=str(SCREENSHOTS / "search.png"), full_page=False)
    page.close()
    assert errors == []
    assert external == []


def test_keyboard_and_phone_reach_the_story_and_search(
    site_url: tuple[str, Path], browser: Any
) -> None:
    base, site = site_url
    post = _page_types(base, site)["post"]
    page = browser.new_page(viewport=dict(zip(("width", "height"), WIDTHS["phone"], strict=True)))
    page.goto(post)
    # The first Tab lands on a visible skip link that moves focus to the story.
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert page.evaluate("() => document.activeElement.className") == "skip-link"
    box = skip.bounding_box()
    assert box is not None
    assert box["y"] >= 0
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # focus is visible
    page.keyboard.press("Enter")
    assert page.evaluate("() => location.hash") == "#nd-Main"
    # On a phone the sidebar follows the story; the header's Search link is on the first
    # screen and leads to the search box.
    page.goto(post)
    link = page.locator(".site-nav a", has_text="Search")
    link_box = link.bounding_box()
    assert link_box is not None
    assert link_box["y"] + link_box["height"] <= WIDTHS["phone"][1]
    link.click()
    field = page.get_by_label("Search")
    field_box = field.bounding_box()
    assert field_box is not None
    assert 0 <= field_box["y"] <= WIDTHS["phone"][1]  # scrolled into view
    # Body links are underlined, not told apart by colour alone.
    decoration = page.evaluate(
        "() => { const a = document.querySelector('.body a, .meta a, .tags a');"
        " return a ? getComputedStyle(a).textDecorationLine : 'underline'; }"
    )
    assert "underline" in decoration
    page.close()
