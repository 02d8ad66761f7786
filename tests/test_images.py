"""``thumbnail = "auto"``: lead images downloaded once, cleaned, kept with the site, and
never a reason for a post to fail. A real run against the local server, with images that
are fine, hostile, too large, broken, or on addresses a feed may not send newsdesk to."""

from __future__ import annotations

import base64
import io
import zlib
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

import newsdesk
from newsdesk.config import ImagesConfig
from newsdesk.enrich.image import ImageRefused, clean_image
from newsdesk.layout import Site
from newsdesk.publish.outbox import write_item
from newsdesk.site import build_site
from newsdesk.site.hugo import search_input
from newsdesk.store import OutboxEntry
from tests.helpers import split_post
from tests.pages import story_text
from tests.server import LocalServer


def _jpeg(width: int = 1200, height: int = 800, **save: object) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 120, 200)).save(out, format="JPEG", **save)
    return out.getvalue()


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge canvas (a decompression bomb's first line)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    idat = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def _page(title: str, image: str) -> str:
    text = story_text(title)
    return (
        f'<html lang="en"><head><title>{title}</title>'
        f'<meta property="og:image" content="{image}"></head>'
        f"<body><article><h1>{title}</h1><p>{text}</p><p>{text}</p></article></body></html>"
    )


def _feed(server: LocalServer, stories: list[tuple[str, str]]) -> str:
    items = "".join(
        f"<item><title>{title}</title><link>{server.add(f'/p/{n}', _page(title, image))}</link>"
        f"<pubDate>Fri, 20 Nov 2026 10:0{n}:00 GMT</pubDate></item>"
        for n, (title, image) in enumerate(stories)
    )
    rss = (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>w</title>{items}</channel></rss>'
    )
    return server.add("/feed.rss", rss, Content_Type="application/rss+xml")


def _posts(site: Path) -> dict[str, dict[str, object]]:
    posts = {}
    for path in sorted((site / "content" / "posts").glob("*.md")):
        front = yaml.safe_load(split_post(path.read_text())[0].strip("-\n"))
        posts[str(front["title"])] = front | {"id": path.stem}
    return posts


def test_auto_thumbnails_are_downloaded_cleaned_and_never_block_a_post(
    tmp_path: Path, server: LocalServer
) -> None:
    exif = Image.Exif()
    exif[0x010F] = "Secret Camera Maker"  # Make
    good = server.add("/img/good.jpg", _jpeg(exif=exif.tobytes()), Content_Type="image/jpeg")
    svg = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    hostile = server.add("/img/evil.svg", svg, Content_Type="image/svg+xml")
    html = server.add("/img/page.jpg", "<html>not an image</html>", Content_Type="image/jpeg")
    bomb = server.add("/img/bomb.png", _png_claiming(60_000, 60_000), Content_Type="image/png")
    huge = server.add("/img/huge.jpg", b"\xff\xd8" + b"\x00" * 3_000_000, Content_Type="image/jpeg")
    broken = server.add("/img/broken.jpg", _jpeg()[:300], Content_Type="image/jpeg")
    private = server.url("/img/good.jpg").replace("127.0.0.1", "localhost")
    feed = _feed(
        server,
        [
            ("Good image", good),
            ("Script as image", hostile),
            ("Page as image", html),
            ("Bomb image", bomb),
            ("Huge image", huge),
            ("Broken image", broken),
            ("Missing image", server.url("/img/missing.jpg")),
            ("Private image", private),
        ],
    )
    site = tmp_path / "site"
    site.mkdir()
    (site / "newsdesk.toml").write_text(
        "[fetch]\nmin_delay = 0\nrobots = false\n[extract]\nworkers = 1\n"
        '[posts]\nthumbnail = "auto"\n[images]\nmax_bytes = 1_000_000\n'
        f'[[sources]]\nname = "wire"\nurl = "{feed}"\n'
    )
    report = newsdesk.run(site)
    posts = _posts(site)
    assert len(posts) == 8, report.decisions  # every story is published, image or not
    kept = posts["Good image"]
    assert kept["thumbnail"] == f"thumbnails/{kept['id']}.jpg"
    stored = Site(site).thumbnail_path(str(kept["id"]), ".jpg")
    with Image.open(stored) as image:
        assert image.format == "JPEG"
        assert image.size == (1200, 800)
        assert not image.getexif()  # the camera's metadata is gone
    for title in posts.keys() - {"Good image"}:
        assert posts[title]["thumbnail"] == "", title
    assert sorted(p.name for p in Site(site).thumbnails.iterdir()) == [stored.name]
    assert server.hits("/img/good.jpg") == 1  # the private spelling was never fetched
    result = build_site(site)
    assert result.returncode == 0, result.output
    page = (site / "public" / "posts" / str(kept["id"]) / "index.html").read_text()
    assert 'alt="Good image"' in page
    assert ".webp 1200w" in page or ".webp 960w" in page


def test_hotlink_keeps_the_image_url_and_downloads_nothing(
    tmp_path: Path, server: LocalServer
) -> None:
    good = server.add("/img/good.jpg", _jpeg(), Content_Type="image/jpeg")
    feed = _feed(server, [("Good image", good)])
    site = tmp_path / "site"
    site.mkdir()
    (site / "newsdesk.toml").write_text(
        "[fetch]\nmin_delay = 0\nrobots = false\n[extract]\nworkers = 1\n"
        '[posts]\nthumbnail = "hotlink"\n'
        f'[[sources]]\nname = "wire"\nurl = "{feed}"\n'
    )
    newsdesk.run(site)
    assert _posts(site)["Good image"]["thumbnail"] == good
    assert server.hits("/img/good.jpg") == 0


def test_large_images_are_scaled_down_and_transparency_kept_as_png() -> None:
    big = clean_image(_jpeg(5000, 2000), ImagesConfig())
    assert (big.width, big.height, big.suffix) == (2400, 960, ".jpg")
    out = io.BytesIO()
    Image.new("RGBA", (300, 200), (0, 0, 0, 0)).save(out, format="PNG")
    clear = clean_image(out.getvalue(), ImagesConfig())
    assert clear.suffix == ".png"
    gif = io.BytesIO()
    Image.new("P", (40, 30)).save(gif, format="GIF")
    assert clean_image(gif.getvalue(), ImagesConfig()).suffix in (".jpg", ".png")


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"GIF89a",
        b"<svg onload=alert(1)>",
        b"\x89PNG\r\n\x1a\n",
        _png_claiming(0, 10),
        _png_claiming(100_000, 100_000),
    ],
)
def test_what_is_not_a_readable_image_is_refused(data: bytes) -> None:
    with pytest.raises(ImageRefused):
        clean_image(data, ImagesConfig())


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2048), st.integers(min_value=0, max_value=400))
def test_mangled_images_are_refused_or_cleaned_never_crash(noise: bytes, cut: int) -> None:
    data = _jpeg(64, 48)[:cut] + noise
    try:
        image = clean_image(data, ImagesConfig())
    except ImageRefused:
        return
    with Image.open(io.BytesIO(image.data)) as reread:
        assert reread.format in ("JPEG", "PNG")


def test_the_publisher_writes_only_images_of_its_own_thumbnails_folder(tmp_path: Path) -> None:
    site = Site(tmp_path / "site")
    data = clean_image(_jpeg(64, 48), ImagesConfig()).data
    body = base64.b64encode(data).decode()
    paths = [
        "static/thumbnails/abc.jpg",
        "static/thumbnails/../../escape.jpg",
        "/etc/abc.jpg",
        "static/abc.jpg",
        "content/posts/abc.jpg",
        "static/thumbnails/abc.svg",
        "static/thumbnails/a.b.jpg",
    ]
    entries = [OutboxEntry("abc", n, "image", path, body) for n, path in enumerate(paths)]
    entries.append(OutboxEntry("abc", 9, "image", "static/thumbnails/bad.jpg", "not base64!"))
    write_item(site, entries)
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert written == ["site/static/thumbnails/abc.jpg"]
    assert (site.thumbnails / "abc.jpg").read_bytes() == data


def test_the_copy_keeps_no_comment_profile_or_orientation_tag_of_the_original() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to view
    out = io.BytesIO()
    Image.new("RGB", (200, 100)).save(
        out,
        format="JPEG",
        exif=exif.tobytes(),
        comment=b"<script>alert(1)</script>" * 50,
        icc_profile=b"not a real profile",
    )
    clean = clean_image(out.getvalue(), ImagesConfig())
    assert (clean.width, clean.height) == (100, 200)  # turned as the tag said, then dropped
    assert b"script" not in clean.data
    assert b"not a real profile" not in clean.data
    with Image.open(io.BytesIO(clean.data)) as reread:
        assert not reread.getexif()
        assert "comment" not in reread.info


def test_a_png_with_a_transparent_colour_stays_a_png() -> None:
    out = io.BytesIO()
    Image.new("RGB", (50, 40), (0, 0, 0)).save(out, format="PNG", transparency=(0, 0, 0))
    assert clean_image(out.getvalue(), ImagesConfig()).suffix == ".png"


def test_the_search_input_links_each_listed_page_once(tmp_path: Path) -> None:
    public = tmp_path / "public"
    (public / "posts" / "a").mkdir(parents=True)
    (public / "posts" / "a" / "index.html").write_text("<html></html>")
    (public / "search-pages.txt").write_text(
        "/news/posts/a/\n/news/posts/a/\n/news/../etc/passwd\n/news/posts/missing/\n/other/x/\n"
    )
    pages = search_input(public, tmp_path / "scratch", "https://example.test/news/")
    assert [str(p.relative_to(pages)) for p in pages.rglob("*.html")] == ["posts/a/index.html"]
    assert not (public / "search-pages.txt").exists()
