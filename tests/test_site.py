"""The built-in theme and the Hugo build: every front matter key, hostile text, search."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote

import pytest
from lxml import etree
from lxml import html as lxml_html
from PIL import Image

from newsdesk.config import FrontMatterDefaults, load_config
from newsdesk.errors import ConfigError
from newsdesk.layout import Site
from newsdesk.models import Article, Block
from newsdesk.publish import render_post, write_atomic
from newsdesk.site import build_site, init_site

HOSTILE = (
    '<script>alert("x")</script> {{< shortcode >}} {{% md %}} </textarea> --- '
    "[click](javascript:alert(1)) ![img](http://evil.test/x.png) <img src=x onerror=alert(1)>"
)


def _article(n: int, title: str, blocks: list[Block], **extra: object) -> Article:
    values: dict[str, object] = {
        "id": f"{n:016x}",
        "url": f"https://news.test/story-{n}",
        "source": "wire",
        "title": title,
        "blocks": tuple(blocks),
        "published": datetime(2026, 11, 20, 10, n % 60, tzinfo=UTC),
        "summary": " ".join(" ".join(b.text for b in blocks).split()[:50]) + "...",
        "categories": ("wire",),
        "tags": ("wire", "markets"),
        "language": "en",
    }
    values.update(extra)
    return Article(**values)  # type: ignore[arg-type]


def _site(tmp_path: Path, posts: list[tuple[Article, FrontMatterDefaults]]) -> Path:
    site = tmp_path / "site"
    init_site(site, title="Test Wire", sources="")
    for article, options in posts:
        text = render_post(article, options, timezone="UTC", body_style="paragraphs")
        write_atomic(Site(site).post_path(article.id), text)
    return site


def _build(site: Path) -> str:
    result = build_site(site, load_config(site))
    assert result.returncode == 0, result.output
    assert not re.search(r"\b(WARN|ERROR)\b", result.output), result.output
    return result.output


def _html(site: Path, article: Article) -> str:
    return (site / "public" / "posts" / article.id / "index.html").read_text()


PROSE = [
    Block("p", f"Paragraph {i} about bond yields, tariffs and the yen. " * 3) for i in range(3)
]


def test_hostile_text_stays_text(tmp_path: Path) -> None:
    article = _article(
        1, HOSTILE, [Block("p", HOSTILE), Block("h", HOSTILE), Block("li", HOSTILE), *PROSE]
    )
    site = _site(tmp_path, [(article, FrontMatterDefaults())])
    _build(site)
    built = [p.read_text() for p in (site / "public").rglob("*.html")]
    built += [p.read_text() for p in (site / "public").rglob("*.xml")]
    for html in built:
        assert "<script>alert" not in html
        assert 'href="javascript:' not in html.lower()
        assert "<img src=x" not in html
        assert 'src="http://evil.test' not in html
        assert "<textarea" not in html
    page = _html(site, article)
    assert "&lt;script&gt;alert" in page  # shown as text
    assert "{{&lt; shortcode &gt;}}" in page
    assert "{{% md %}}" in page
    assert page.count("shortcode") >= 3  # title, body, heading: rendered, not executed


def test_front_matter_keys_change_the_page(tmp_path: Path) -> None:
    plain = _article(1, "Plain post", PROSE)
    fancy_blocks = [
        Block("p", "Intro paragraph with enough words to read well."),
        Block("h", "First section"),
        *PROSE,
        Block("h", "Second section"),
        *PROSE,
    ]
    fancy = _article(2, "Fancy post", fancy_blocks, image="https://img.test/a.jpg")
    left = _article(3, "Left sidebar", PROSE)
    bare = _article(4, "No sidebar", PROSE)
    defaults = FrontMatterDefaults()
    site = _site(
        tmp_path,
        [
            (plain, defaults),
            (
                fancy,
                defaults.model_copy(
                    update={
                        "toc": True,
                        "authorbox": True,
                        "comments": True,
                        "pager": True,
                        "thumbnail": "hotlink",
                        "lead": "Breaking",
                        "menu": "main",
                        "widgets": ("search", "recent", "categories", "taglist"),
                    }
                ),
            ),
            (left, defaults.model_copy(update={"sidebar": "left", "pager": False})),
            (bare, defaults.model_copy(update={"sidebar": False})),
        ],
    )
    _build(site)
    p, f, lft, b = (_html(site, a) for a in (plain, fancy, left, bare))
    assert 'class="layout sidebar-right"' in p
    assert 'class="layout sidebar-left"' in lft
    assert 'class="layout no-sidebar"' in b
    assert '<aside class="sidebar">' not in b
    assert 'class="toc"' in f
    assert 'class="toc"' not in p
    assert 'class="authorbox"' in f
    assert 'class="authorbox"' not in p
    assert 'class="comments"' in f
    assert 'class="comments"' not in p
    assert 'src="https://img.test/a.jpg"' in f
    assert '<p class="lead">Breaking</p>' in f
    assert 'class="pager"' in p
    assert 'class="pager"' not in lft
    assert 'class="widget widget-categories"' in f
    assert "widget-categories" not in p
    for html in (p, f, lft):
        assert 'id="nd-Query"' in html
        assert "widget-recent" in html
        assert "widget-taglist" in html
    home = (site / "public" / "index.html").read_text()
    assert '<a href="/posts/0000000000000002/">Fancy post</a>' in home.split("</header>")[0]
    assert 'class="thumb"' in home


def test_summary_keeps_its_three_dots(tmp_path: Path) -> None:
    article = _article(1, "Dots", PROSE, summary='He said "no" -- and left...')
    site = _site(tmp_path, [(article, FrontMatterDefaults())])
    _build(site)
    home = lxml_html.parse(str(site / "public" / "index.html")).getroot()
    shown = home.xpath("//article[@class='card']/p[@class='summary']")
    assert [p.text_content() for p in shown] == ['He said "no" -- and left...']
    assert [len(p) for p in shown] == [0]  # text, no markup


def test_math_renders_at_build_time_only_when_asked(tmp_path: Path) -> None:
    site = _site(tmp_path, [])
    (site / "content" / "posts").mkdir(parents=True)
    for n, flag in ((1, "true"), (2, "false")):
        (site / "content" / "posts" / f"m{n}.md").write_text(
            f'---\ntitle: "Math {n}"\ndate: "2026-11-20 10:00:00"\nmathjax: {flag}\n---\n\n'
            "Euler: \\(e^{i\\pi} + 1 = 0\\)\n"
        )
    _build(site)
    with_math = (site / "public" / "posts" / "m1" / "index.html").read_text()
    without = (site / "public" / "posts" / "m2" / "index.html").read_text()
    assert "<math" in with_math
    assert "<script" not in with_math.split('class="body"')[1][:500]
    assert "<math" not in without
    assert "e^{i\\pi}" in without


def test_square_brackets_in_page_text_stay_text(tmp_path: Path) -> None:
    blocks = [Block("p", "Shares rose [1] after the report [see note] on Tuesday. " * 3)]
    article = _article(1, "Brackets", blocks)
    site = _site(tmp_path, [(article, FrontMatterDefaults(mathjax=True))])
    _build(site)
    body = _html(site, article).split('class="body"')[1]
    assert "Shares rose [1] after the report [see note]" in body
    assert "<math" not in body
    assert "\\[" not in body


def test_category_links_lead_to_the_category_page(tmp_path: Path) -> None:
    article = _article(1, "Power prices", PROSE, categories=("Énergie & Co",))
    site = _site(tmp_path, [(article, FrontMatterDefaults())])
    _build(site)
    home = (site / "public" / "index.html").read_text()
    href = re.search(r'class="category" href="([^"]+)"', home)
    assert href is not None
    target = site / "public" / unquote(href.group(1)).strip("/") / "index.html"
    assert target.exists(), href.group(1)


def test_no_external_requests_in_the_theme(tmp_path: Path) -> None:
    article = _article(1, "One", PROSE)
    site = _site(tmp_path, [(article, FrontMatterDefaults())])
    _build(site)
    found: dict[Path, list[str]] = {}
    for page in (site / "public").rglob("*.html"):
        html = page.read_text()
        found[page] = re.findall(r'(?:src|href)="((?:https?:)?//[^"]+)"', html)
    links = [url for urls in found.values() for url in urls]
    assert links, "the scan found no link at all: it would pass whatever the pages load"
    assert set(links) == {article.url}, found  # only the source link leaves the site
    assert article.url in found[site / "public" / "posts" / article.id / "index.html"]


@pytest.mark.parametrize("count", [25])
def test_list_pages_paginate(tmp_path: Path, count: int) -> None:
    posts = [(_article(n, f"Story {n}", PROSE), FrontMatterDefaults()) for n in range(count)]
    site = _site(tmp_path, posts)
    _build(site)
    public = site / "public"
    assert (public / "page" / "3" / "index.html").exists()
    assert (public / "tags" / "markets" / "page" / "2" / "index.html").exists()
    assert (public / "categories" / "wire" / "index.html").exists()
    assert (public / "404.html").exists()
    assert (public / "sitemap.xml").exists()
    assert (public / "pagefind" / "pagefind-ui.js").exists()


def _post_file(site: Path, name: str, front: str, body: str) -> Path:
    """A hand-written post (not escaped by newsdesk)."""
    path = site / "content" / "posts" / f"{name}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'---\ntitle: "{name}"\ndate: "2026-11-20 10:00:00"\n{front}---\n\n{body}\n')
    return path


def test_goldmark_gives_page_characters_no_meaning(tmp_path: Path) -> None:
    # Raw Markdown, as if escaping had missed something: the site's Goldmark settings alone
    # must keep these characters text.
    site = _site(tmp_path, [])
    _post_file(
        site,
        "raw",
        "",
        '## Heading {style="color:red" id="search"}\n\n'
        "Visit www.evil.test or https://evil.test now.\n\n"
        '"Quotes" -- dashes --- and... << >>\n\n'
        "~~struck~~ ==marked== H~2~O x^2^ ++ins++\n\n"
        "| a | b |\n|---|---|\n| c | d |\n\n"
        "- [ ] task\n\n"
        "Term\n: definition\n\n"
        "Note[^1].\n\n[^1]: footnote\n\n"
        ":smile:\n\n"
        "Paragraph\n{.class #id}\n",
    )
    _build(site)
    body = (site / "public" / "posts" / "raw" / "index.html").read_text().split('class="body"')[1]
    body = body.split("</div>")[0]
    forbidden = [
        'id="search"',  # heading attributes
        'style="',
        'class="class"',  # block attributes
        'href="http',  # linkify
        "doc-noteref",  # footnotes
        "doc-endnotes",
        *("<del>", "<mark>", "<sub>", "<sup>", "<ins>"),  # strikethrough and extras
        *("<table>", "<input", "<dl>"),  # tables, task lists, definition lists
        *("&ldquo;", "“", "&ndash;", "&laquo;", "&hellip;", "…"),  # typographer
        "😄",  # emoji
    ]
    assert [markup for markup in forbidden if markup in body] == []
    assert "&quot;Quotes&quot; -- dashes --- and... &lt;&lt; &gt;&gt;" in body


@pytest.mark.parametrize("control", ["", "\x01"])  # a control character made RSS invalid XML
def test_rss_carries_titles_and_summaries_as_text(tmp_path: Path, control: str) -> None:
    summary = "See [the filing](http://evil.test/f) and <b>bold</b> &amp; **more**..."
    title = f"Oil{control} <i>rises</i> & [falls](http://evil.test)"
    article = _article(1, title, PROSE, summary=summary)
    site = _site(tmp_path, [(article, FrontMatterDefaults())])
    _build(site)
    public = site / "public"
    for feed in [public / "index.xml", *public.glob("*/index.xml"), *public.glob("*/*/index.xml")]:
        tree = etree.parse(str(feed), etree.XMLParser(recover=False))  # well-formed XML
        for item in tree.findall("channel/item"):
            if not item.findtext("link", "").startswith("/posts/"):
                continue
            assert item.findtext("title") == "Oil <i>rises</i> & [falls](http://evil.test)"
            # A description is HTML to a feed reader: it must render as the summary's text.
            shown = lxml_html.fragment_fromstring(item.findtext("description", ""), "div")
            assert len(shown) == 0, (feed, etree.tostring(shown))
            assert shown.text_content() == summary
    etree.parse(str(public / "sitemap.xml"), etree.XMLParser(recover=False))


@pytest.mark.parametrize("full", [False, True])
def test_rss_carries_full_text_only_when_asked(tmp_path: Path, full: bool) -> None:
    article = _article(2, "Full text", [Block("p", HOSTILE), *PROSE])
    site = _site(tmp_path, [(article, FrontMatterDefaults())])
    if full:
        config = site / "newsdesk.toml"
        config.write_text(
            config.read_text().replace("[site]\n", "[site]\nrss_full_text = true\n", 1)
        )
    _build(site)
    tree = etree.parse(str(site / "public" / "index.xml"), etree.XMLParser(recover=False))
    encoded = "{http://purl.org/rss/1.0/modules/content/}encoded"
    [item] = tree.findall("channel/item")
    body = item.findtext(encoded)
    if not full:
        assert body is None
        return
    assert body is not None
    shown = lxml_html.fragment_fromstring(body, "div")
    assert "Paragraph 2 about bond yields" in shown.text_content()
    assert HOSTILE.split(" {{")[0] in shown.text_content()  # the script tag, as text
    assert not shown.xpath("//script|//img|//textarea")


TERMS = [
    "..",
    ".",
    "a/b",
    "x/../../y",
    "/",
    "a\\b",
    "index.html",
    "index.xml",
    "%41",
    "!!!",
    ".NET",
    "#hash",
    "~tilde",
    "a~47~b",
    "page",
    "Energy & Co",
    "<b>bold</b>",
    "{{< x >}}",
    "日本/経済",
    "U.S.",
    # Ordinary names with a path character: only that character is written as ~NN~.
    "World / Europe",
    "Sci/Tech",
    "100%",
    "C#",
    "Q&A?",
    "-",
    "?",
    "!.a",
]


def test_term_names_that_are_path_tricks_stay_in_their_folder(tmp_path: Path) -> None:
    articles = [
        _article(n, f"Story {n}", PROSE, categories=(name,), tags=("wire", name))
        for n, name in enumerate(TERMS, start=1)
    ]
    site = _site(tmp_path, [(a, FrontMatterDefaults()) for a in articles])
    _build(site)
    public = site / "public"
    # Nothing outside the folders a site has; the home page and term lists are themselves.
    assert {p.name for p in public.iterdir()} == {
        "404.html", "categories", "css", "favicon.svg", "index.html", "index.xml", "js",
        "news-sitemap.xml", "page", "pagefind", "posts", "robots.txt", "sitemap.xml", "tags",
    }  # fmt: skip
    home = lxml_html.parse(str(public / "index.html")).getroot()
    assert home.xpath("//h1[@class='visually-hidden']/text()") == ["Test Wire"]
    for taxonomy in ("tags", "categories"):
        listing = lxml_html.parse(str(public / taxonomy / "index.html")).getroot()
        names = listing.xpath("//ul[@class='terms']/li/a/text()")
        assert set(TERMS) <= set(names), taxonomy
    for article, name in zip(articles, TERMS, strict=True):
        page = lxml_html.parse(str(public / "posts" / article.id / "index.html")).getroot()
        links = page.xpath("//p[@class='tags']/a")
        assert [a.text for a in links] == ["#wire", f"#{name}"]
        href = unquote(links[1].get("href"))
        segment = href.removeprefix("/tags/").removesuffix("/")
        assert href == f"/tags/{segment}/", href
        assert segment not in ("", ".", "..")
        assert "/" not in segment
        assert "\\" not in segment
        term = lxml_html.parse(str(public / "tags" / segment / "index.html")).getroot()
        assert term.xpath("//main/h1/text()") == [name]
        assert term.xpath("//head/title/text()") == [f"{name} · Test Wire"]
        feed = etree.parse(str(public / "tags" / segment / "index.xml"))
        assert feed.findtext("channel/title") == f"{name} on Test Wire"
    # Each card on the home page links its category, under the name as written.
    categories = home.xpath("//article[@class='card']//a[@class='category']")
    assert len(categories) == len(home.xpath("//article[@class='card']")) == 10
    for link in categories:
        assert link.text in TERMS
        target = public / unquote(link.get("href")).strip("/") / "index.html"
        assert lxml_html.parse(str(target)).getroot().xpath("//main/h1/text()") == [link.text]


def _head(page: str) -> etree._Element:
    head = lxml_html.fromstring(page).find("head")
    assert head is not None
    return head


def test_pages_say_how_to_share_and_index_them_even_for_hostile_titles(tmp_path: Path) -> None:
    title = 'Rates </script><script>alert("x")</script> & "quotes" <b>bold</b>'
    article = _article(7, title, PROSE)
    site = _site(tmp_path, [(article, FrontMatterDefaults(thumbnail="https://img.test/a.jpg"))])
    config = site / "newsdesk.toml"
    config.write_text(
        config.read_text().replace(
            "[site]\n", '[site]\ndescription = "Markets, </script> and <b>rates</b>"\n', 1
        )
    )
    _build(site)
    head = _head(_html(site, article))
    meta = {(m.get("property") or m.get("name")): m.get("content") for m in head.iter("meta")}
    assert meta["og:title"] == title
    assert meta["twitter:title"] == title
    assert meta["og:type"] == "article"
    assert meta["og:image"] == meta["twitter:image"] == "https://img.test/a.jpg"
    assert meta["twitter:card"] == "summary_large_image"
    assert meta["description"] == article.summary
    assert meta["article:section"] == "wire"
    assert meta["article:published_time"] == "2026-11-20T10:07:00Z"
    links = {link.get("rel"): link.get("href") for link in head.iter("link")}
    assert str(links["canonical"]).endswith(f"/posts/{article.id}/")
    assert links["icon"] == "/favicon.svg"
    scripts = list(head.iter("script"))
    assert [s.get("type") for s in scripts] == ["application/ld+json"]  # nothing else runs
    data = json.loads(scripts[0].text or "")
    assert (data["@type"], data["headline"], data["image"]) == (
        "NewsArticle",
        title,
        ["https://img.test/a.jpg"],
    )
    assert data["datePublished"] == "2026-11-20T10:07:00Z"
    home = _head((site / "public" / "index.html").read_text())
    home_meta = {(m.get("property") or m.get("name")): m.get("content") for m in home.iter("meta")}
    assert home_meta["description"] == "Markets, </script> and <b>rates</b>"  # as text
    assert home_meta["og:type"] == "website"
    assert not list(home.iter("script"))
    assert (site / "public" / "favicon.svg").read_text().startswith("<svg")


def test_news_sitemap_lists_the_last_two_days_and_robots_names_it(tmp_path: Path) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    fresh = _article(1, 'Rates & "yields" <b>jump</b>', PROSE, published=now - timedelta(hours=2))
    older = _article(2, "Yesterday's close", PROSE, published=now - timedelta(hours=30))
    stale = _article(3, "Last week", PROSE, published=now - timedelta(days=7))
    site = _site(tmp_path, [(a, FrontMatterDefaults()) for a in (fresh, older, stale)])
    config = site / "newsdesk.toml"
    config.write_text(
        re.sub(r"(?m)^base_url = .*$", 'base_url = "https://news.test/"', config.read_text())
    )
    _build(site)
    tree = etree.parse(str(site / "public" / "news-sitemap.xml"))
    ns = {
        "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
        "n": "http://www.google.com/schemas/sitemap-news/0.9",
    }
    urls = tree.getroot().findall("s:url", ns)
    assert [u.findtext("s:loc", namespaces=ns) for u in urls] == [
        f"https://news.test/posts/{fresh.id}/",
        f"https://news.test/posts/{older.id}/",
    ]
    news = urls[0].find("n:news", ns)
    assert news is not None
    assert news.findtext("n:title", namespaces=ns) == fresh.title  # as text, escaped once
    assert news.findtext("n:publication/n:name", namespaces=ns) == "Test Wire"
    assert news.findtext("n:publication/n:language", namespaces=ns) == "en"
    published = news.findtext("n:publication_date", namespaces=ns) or ""
    assert datetime.fromisoformat(published) == fresh.published
    robots = (site / "public" / "robots.txt").read_text().splitlines()
    assert "Sitemap: https://news.test/sitemap.xml" in robots
    assert "Sitemap: https://news.test/news-sitemap.xml" in robots


MINIMAL_THEME = {
    "baseof.html": '<!DOCTYPE html><html><body class="plain">{{ block "main" . }}{{ end }}'
    "</body></html>",
    "home.html": '{{ define "main" }}<ul>{{ range site.RegularPages }}'
    '<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}',
    "single.html": '{{ define "main" }}<h1 class="plain-title">{{ .Title }}</h1>'
    "{{ .Content }}{{ end }}",
    "list.html": '{{ define "main" }}<h1>{{ .Title }}</h1>{{ end }}',
}


def test_site_theme_selects_a_theme_from_the_sites_themes_folder(tmp_path: Path) -> None:
    article = _article(4, "Plain <b>theme</b>", PROSE)
    site = _site(tmp_path, [(article, FrontMatterDefaults())])
    config = site / "newsdesk.toml"
    config.write_text(config.read_text().replace("[site]\n", '[site]\ntheme = "plain"\n', 1))
    with pytest.raises(ConfigError, match=r"themes/plain is not a folder"):
        build_site(site, load_config(site))
    layouts = site / "themes" / "plain" / "layouts"
    layouts.mkdir(parents=True)
    for name, text in MINIMAL_THEME.items():
        (layouts / name).write_text(text)
    _build(site)
    page = _html(site, article)
    assert '<h1 class="plain-title">Plain &lt;b&gt;theme&lt;/b&gt;</h1>' in page
    assert "site-header" not in page  # the built-in theme is not in the way
    assert "Plain &lt;b&gt;theme&lt;/b&gt;" in (site / "public" / "index.html").read_text()
    assert 'theme = "plain"' in Site(site).hugo_config.read_text()


@pytest.mark.parametrize("name", ["../newsdesk", "/etc", "a/b", ".hidden", "", "x" * 65])
def test_site_theme_is_a_folder_name_never_a_path(tmp_path: Path, name: str) -> None:
    site = _site(tmp_path, [])
    config = site / "newsdesk.toml"
    config.write_text(config.read_text().replace("[site]\n", f"[site]\ntheme = {name!r}\n", 1))
    with pytest.raises(ConfigError, match="theme"):
        load_config(site)


def test_kept_images_are_served_in_responsive_sizes_with_alt_text(tmp_path: Path) -> None:
    image = Image.new("RGB", (1600, 900), (200, 40, 40))
    kept = _article(5, "Copper <rallies>", PROSE)
    hotlinked = _article(6, "Hotlinked", PROSE, image="https://img.test/h.jpg")
    site = _site(tmp_path, [(hotlinked, FrontMatterDefaults(thumbnail="hotlink"))])
    path = Site(site).thumbnail_path(kept.id, ".jpg")
    path.parent.mkdir(parents=True)
    image.save(path, format="JPEG")
    text = render_post(
        kept,
        FrontMatterDefaults(thumbnail="auto"),
        timezone="UTC",
        body_style="paragraphs",
        thumbnail=Site(site).thumbnail_ref(path),
    )
    write_atomic(Site(site).post_path(kept.id), text)
    _build(site)
    public = site / "public"
    post = lxml_html.fromstring(_html(site, kept))
    img = next(post.iter("img"))
    assert img.get("alt") == kept.title
    widths = [c.split()[1] for c in (img.get("srcset") or "").split(", ")]
    assert widths == ["480w", "960w", "1440w"]  # never wider than the 1,600 px original
    for candidate in (img.get("srcset") or "").split(", "):
        served = public / candidate.split()[0].lstrip("/")
        assert served.suffix == ".webp"
        assert served.is_file()
    meta = {m.get("property"): m.get("content") for m in post.iter("meta")}
    assert meta["og:image"] == f"/thumbnails/{kept.id}.jpg"
    assert (public / "thumbnails" / f"{kept.id}.jpg").is_file()
    home = lxml_html.parse(str(public / "index.html")).getroot()
    cards = {a.get("href"): a for a in home.iter("a") if a.get("class") == "thumb-link"}
    card_img = next(cards[f"/posts/{kept.id}/"].iter("img"))
    assert card_img.get("alt") == ""  # the title beside it names the story
    assert [c.split()[1] for c in (card_img.get("srcset") or "").split(", ")] == ["160w", "320w"]
    hot = next(cards[f"/posts/{hotlinked.id}/"].iter("img"))
    assert hot.get("src") == "https://img.test/h.jpg"  # "hotlink": today's behaviour


@pytest.mark.parametrize(("limit", "indexed"), [(2, 2), (0, 5)])
def test_search_holds_the_newest_search_posts_posts(
    tmp_path: Path, limit: int, indexed: int
) -> None:
    articles = [_article(n, f"Story {n}", PROSE) for n in range(1, 6)]
    site = _site(tmp_path, [(a, FrontMatterDefaults()) for a in articles])
    config = site / "newsdesk.toml"
    config.write_text(
        config.read_text().replace("[site]\n", f"[site]\nsearch_posts = {limit}\n", 1)
    )
    _build(site)
    public = site / "public"
    entry = json.loads((public / "pagefind" / "pagefind-entry.json").read_text())
    assert entry["languages"]["en"]["page_count"] == indexed
    assert not (public / "search-pages.txt").exists()  # newsdesk's list is not deployed
    bodies = [
        "data-pagefind-body" in (public / "posts" / a.id / "index.html").read_text()
        for a in articles
    ]
    assert bodies == [False] * (5 - indexed) + [True] * indexed  # the newest ones


def test_a_kept_image_that_is_missing_or_unreadable_shows_nothing(tmp_path: Path) -> None:
    missing = _article(7, "Missing image", PROSE)
    unreadable = _article(8, "Unreadable image", PROSE)
    medium = _article(9, "Medium image", PROSE)
    site = _site(tmp_path, [])
    thumbs = Site(site).thumbnails
    thumbs.mkdir(parents=True)
    (thumbs / f"{unreadable.id}.jpg").write_bytes(b"not really a jpeg")
    Image.new("RGB", (700, 400)).save(thumbs / f"{medium.id}.jpg", format="JPEG")
    for article in (missing, unreadable, medium):
        text = render_post(
            article,
            FrontMatterDefaults(thumbnail="auto"),
            timezone="UTC",
            body_style="paragraphs",
            thumbnail=f"thumbnails/{article.id}.jpg",
        )
        write_atomic(Site(site).post_path(article.id), text)
    _build(site)  # the unreadable file fails nothing
    for article in (missing, unreadable):
        assert "<img" not in _html(site, article)
    home = (site / "public" / "index.html").read_text()
    assert home.count('class="thumb-link"') == 1  # no empty links where images are missing
    page = lxml_html.fromstring(_html(site, medium))
    srcset = next(page.iter("img")).get("srcset") or ""
    assert [c.split()[1] for c in srcset.split(", ")] == ["480w", "700w"]  # never upscaled


def test_pages_outside_the_main_sections_are_always_searched(tmp_path: Path) -> None:
    articles = [_article(n, f"Story {n}", PROSE) for n in range(1, 4)]
    site = _site(tmp_path, [(a, FrontMatterDefaults()) for a in articles])
    about = site / "content" / "about.md"
    about.write_text('---\ntitle: "About"\ndate: "2020-01-01 00:00:00"\n---\n\nWho we are.\n')
    config = site / "newsdesk.toml"
    config.write_text(config.read_text().replace("[site]\n", "[site]\nsearch_posts = 1\n", 1))
    _build(site)
    public = site / "public"
    entry = json.loads((public / "pagefind" / "pagefind-entry.json").read_text())
    assert entry["languages"]["en"]["page_count"] == 2  # the newest post and the About page
    assert "data-pagefind-body" in (public / "about" / "index.html").read_text()
