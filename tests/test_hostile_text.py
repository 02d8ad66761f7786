"""Text is text, in every output format: what a page or feed says reaches the built site as
written, and nothing in it becomes markup.

Posts go through the real publisher (render_post, write_atomic) into a real site folder and
the real Hugo and Pagefind build it. The checks read the built HTML with lxml and the RSS,
sitemap and search index as XML and JSON. Builds take about a second, so each one holds many
texts: every text as each kind of block, as a whole body, a title, a summary and a source.
"""

from __future__ import annotations

import gzip
import json
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lxml import etree, html

import newsdesk.site
from newsdesk.config import FrontMatterDefaults, load_config
from newsdesk.layout import Site
from newsdesk.models import Article, Block
from newsdesk.publish import render_post, write_atomic
from newsdesk.publish.markdown import one_line
from newsdesk.site import build_site, init_site
from newsdesk.xmltext import xml_safe

pytestmark = pytest.mark.slow  # left out of `make unit-fast`

SITE_TITLE = "Test Wire"
KINDS = ("p", "h", "li", "quote", "pre")
# What the theme and Goldmark make of plain text in each kind of block, and nothing more.
ALLOWED = {
    "p": {"p"},
    "h": {"h2"},
    "li": {"ul", "li"},
    "quote": {"blockquote", "p"},
    "pre": {"p", "br"},
    "single": {"p"},
}
ATTRIBUTES = {"h2": {"id"}}  # Goldmark's heading ids (for the table of contents)
# The ids the theme's templates give elements, and the one Hugo's table of contents has: no
# id in a post's body may equal one (a heading "Search" took the search widget's place).
THEME = Path(newsdesk.site.__file__).parent / "themes" / "newsdesk" / "layouts"
TEMPLATE_IDS = {
    match
    for template in THEME.rglob("*.html")
    for match in re.findall(r'\bid="([^"{}]+)"', template.read_text())
} | {"TableOfContents"}
# Math on (page text must never reach the \( \) passthrough), a table of contents of headings.
OPTIONS = FrontMatterDefaults(mathjax=True, toc=True)

HOSTILE = [
    # Hugo shortcodes and template actions, in every spelling.
    "{{< shortcode >}}",
    "{{% md %}}",
    "{{{% raw %}}}",
    "{{{< x >}}}",
    "{{</* comment */>}}",
    "{{< /x >}}",
    "{{ .Site.Title }}",
    "{{- printf `x` -}}",
    "}} {{",
    "{ {< x > } }",
    "{{",
    "<!--more-->",
    # Attribute blocks (Goldmark's parser.attribute), after a heading or on their own line.
    'Heading {style="color:red" id="search"}',
    "{.class #id}",
    "{#main}",
    # HTML, comments, entities.
    '<script>alert("x")</script>',
    "<img src=x onerror=alert(1)>",
    "</textarea></div>",
    "<!-- comment -->",
    "&amp; &lt;b&gt; &#60;i&#62; &#x3C;u&#x3E; &copy &nbsp;",
    "AT&T & R&D; &",
    # Links, images, autolinks, linkify.
    "[x](javascript:alert(1))",
    "![i](http://evil.test/x.png)",
    "[ref]: http://evil.test/",
    "[ref]",
    "<http://evil.test>",
    "<mail@evil.test>",
    "www.evil.com",
    "http://evil.test/a?b=c",
    "see https://evil.test.",
    "[^1] and [^1]: note",
    # GFM: tables, task lists, strikethrough; definition lists; extras.
    "| a | b |\n|---|---|\n| c | d |",
    "- [ ] x",
    "- [x] done",
    "~~x~~ ~y~ ==mark== ++ins++ ^sup^ H~2~O",
    "Term\n: definition",
    # Math passthrough, dollars, escapes.
    "\\(x\\)",
    "\\[x\\]",
    "$x$ and $$y$$ cost $5",
    "\\\\(x\\\\)",
    "a\\",
    "\\",
    # Block syntax at the start of a line, or after a line break.
    "---",
    "***",
    "___",
    "===",
    "1. x",
    "1) x",
    "2024. A year",
    "+ x",
    "* x",
    "> quoted",
    "# heading",
    "Heading #",
    "C# and F#",
    # Headings whose ids would be the theme's own ("search", "main") if ids kept their case.
    "Search",
    "Main",
    "nd-Search",
    "nd-Query",
    "ND Main",
    "TableOfContents",
    "Score ###  ",
    "#",
    "```\ncode\n```",
    "~~~",
    "    four spaces",
    "\tTabbed\tline\t",
    "one\n\n# two\n\n- three\n\n> four",
    "a\n===",
    "line one\nline two",
    "   \n  \n",
    # Emphasis and typography.
    "*em* _em_ __strong__ **strong** snake_case _leading trailing_",
    "\"Quotes\" and 'single' -- dashes --- and... << >>",
    "2 * 3 * 4",
    # Odd characters.
    "NBSP\u00a0here\u00a0\u00a0twice",
    "line\u2028separator\u2029paragraph",
    "controls \x00\x01\x07\x08\x0b\x0c\x1b\x7f\x85\x9f end",
    "lone \ud800 surrogate \udfff and pair \ud83d\ude00",
    "BOM \ufeff zero\u200bwidth",
    "noncharacters \ufffe\uffff\ufdd0",
    "CRLF\r\nline\rCR",
    ":smile: :+1:",
    "\u202eright-to-left override",
    "",
]


def norm(text: str) -> str:
    """Text as compared: without what XML forbids, whitespace runs as one space."""
    return " ".join(xml_safe(text).split())


@dataclass(frozen=True, slots=True)
class Post:
    article: Article
    kind: str  # a block kind, or "single": the body style of the reference post
    text: str

    @property
    def body_text(self) -> str:
        return " ".join([self.text] * len(self.article.blocks))


def _articles(texts: Sequence[str]) -> Iterable[Post]:
    n = 0
    for number, text in enumerate(texts):
        for kind in (*KINDS, "single"):
            n += 1
            kinds = KINDS if kind == "single" else (kind,)
            article = Article(
                id=f"{n:016x}",
                url=f"https://news.test/{n}/{text}",
                source=text,
                title=text,
                blocks=tuple(Block(k, text) for k in kinds),  # type: ignore[arg-type]
                published=datetime(2026, 11, 20, 10, n % 60, tzinfo=UTC),
                summary=text,
                categories=("wire",),
                tags=("wire", f"text{number}"),  # a feed per text: RSS holds only 50 items
                language="en",
            )
            yield Post(article, kind, text)


def build(root: Path, texts: Sequence[str]) -> tuple[Path, list[Post]]:
    """A site with every text in every place, built with Hugo and Pagefind."""
    site = root / "site"
    init_site(site, title=SITE_TITLE, sources="")
    posts = list(_articles(texts))
    for post in posts:
        style = "single" if post.kind == "single" else "paragraphs"
        text = render_post(post.article, OPTIONS, timezone="UTC", body_style=style)
        write_atomic(Site(site).post_path(post.article.id), text)
    result = build_site(site, load_config(site))
    assert result.returncode == 0, result.output
    assert "ERROR" not in result.output, result.output
    return site / "public", posts


def _no_children(element: html.HtmlElement, where: str) -> None:
    assert len(element) == 0, f"{where}: markup from text: {html.tostring(element)!r}"


def check_post_page(public: Path, post: Post) -> None:
    """The post's own page: body, title, description and source link."""
    page = html.parse(str(public / "posts" / post.article.id / "index.html")).getroot()
    where = f"{post.kind} {post.text!r}"
    (body,) = page.xpath("//div[@class='body']")
    links = body.xpath(".//a")
    assert len(links) == 1, f"{where}: links {[html.tostring(a) for a in links]!r}"
    (link,) = links
    source = link.getparent()
    assert source.tag == "p"
    assert source.getparent() is body
    assert source is body[-1]
    _no_children(link, where)
    assert norm(link.text_content()) == norm(post.article.source), where
    assert set(link.attrib) == {"href"}, where
    assert unquote(link.get("href")) == unquote(_destination(post.article.url)), where

    blocks = [child for child in body if child is not source]
    elements = [e for block in blocks for e in block.iter()]
    tags = [str(e.tag) for e in elements]
    assert set(tags) <= ALLOWED[post.kind], f"{where}: {tags}"
    for tag in ("p", "h2", "ul", "li", "blockquote"):
        assert tags.count(tag) <= 1, f"{where}: {tags}"
    for element in elements:
        assert set(element.attrib) <= ATTRIBUTES.get(str(element.tag), set()), where
    body_ids = {e.get("id") for e in elements if e.get("id") is not None}
    page_ids = [e.get("id") for e in page.iter() if e.get("id") is not None]
    theme_ids = TEMPLATE_IDS | {i for i in page_ids if i not in body_ids}
    assert not body_ids & theme_ids, f"{where}: ids from text {body_ids & theme_ids}"
    assert len(page_ids) == len(set(page_ids)), f"{where}: ids twice {page_ids}"
    shown = " ".join(block.text_content() for block in blocks)
    assert norm(shown) == norm(post.body_text), where

    for toc in page.xpath("//nav[@class='toc']"):
        entries = toc.xpath(".//a")
        assert {str(e.tag) for e in toc.iter()} <= {"nav", "h2", "ul", "li", "a"}, where
        assert " ".join(norm(a.text_content()) for a in entries) == norm(post.text), where

    (h1,) = page.xpath("//h1[@data-pagefind-meta='title']")
    _no_children(h1, where)
    assert norm(h1.text_content()) == norm(post.article.title), where
    (title,) = page.xpath("//head/title")
    assert norm(title.text_content()) == norm(f"{xml_safe(post.article.title)} · {SITE_TITLE}")
    descriptions = page.xpath("//head/meta[@name='description']/@content")
    if xml_safe(post.article.summary):
        assert [norm(d) for d in descriptions] == [norm(post.article.summary)], where


def _destination(url: str) -> str:
    """The URL as the source link writes it (see newsdesk.publish.markdown.source_link)."""
    from urllib.parse import quote

    return quote(one_line(xml_safe(url)), safe=":/?#@!$&'*+,;=%~-._")


def check_cards(public: Path, posts: Sequence[Post]) -> None:
    """Home page cards: the title and the summary as written."""
    by_id = {post.article.id: post for post in posts}
    seen = set()
    for page_file in [public / "index.html", *public.glob("page/*/index.html")]:
        page = html.parse(str(page_file)).getroot()
        for card in page.xpath("//article[@class='card']"):
            (link,) = card.xpath("./h2/a")
            post = by_id[link.get("href").strip("/").split("/")[-1]]
            seen.add(post.article.id)
            _no_children(link, f"card title {post.text!r}")
            assert norm(link.text_content()) == norm(post.article.title)
            (summary,) = card.xpath("./p[@class='summary']")
            _no_children(summary, f"card summary {post.text!r}")
            if xml_safe(post.article.summary):
                assert norm(summary.text_content()) == norm(post.article.summary)
    assert seen == set(by_id)


def check_feeds(public: Path, posts: Sequence[Post]) -> None:
    """Every XML file is well-formed; RSS titles are text, descriptions are text as HTML."""
    for xml_file in public.rglob("*.xml"):
        etree.parse(str(xml_file), etree.XMLParser(recover=False))  # raises if not XML
    by_id = {post.article.id: post for post in posts}
    items = [
        item
        for feed in public.glob("tags/text*/index.xml")
        for item in etree.parse(str(feed)).findall("channel/item")
    ]
    assert sorted(item.findtext("link", "") for item in items) == sorted(
        f"/posts/{post.article.id}/" for post in posts
    )
    for item in items:
        post = by_id[item.findtext("link", "").strip("/").split("/")[-1]]
        where = f"RSS {post.text!r}"
        title = item.find("title")
        assert title is not None
        assert len(title) == 0, where
        assert norm(title.text or "") == norm(post.article.title), where
        description = item.findtext("description", "")
        if xml_safe(post.article.summary):
            # RSS descriptions are HTML: what a feed reader renders must be the text.
            fragment = html.fragment_fromstring(description, create_parent="div")
            _no_children(fragment, where)
            assert norm(fragment.text_content()) == norm(post.article.summary), where


def check_search_index(public: Path, posts: Sequence[Post]) -> None:
    """Pagefind's fragments: the title as written, the body text inside the content."""
    fragments = {}
    for path in (public / "pagefind" / "fragment").glob("*"):
        raw = gzip.decompress(path.read_bytes())
        assert raw.startswith(b"pagefind_dcd")
        fragment = json.loads(raw[len(b"pagefind_dcd") :])
        fragments[fragment["url"].strip("/").split("/")[-1]] = fragment
    for post in posts:
        fragment = fragments.get(post.article.id)
        if fragment is None:  # Pagefind leaves out pages without a single word
            assert not any(ch.isalnum() for ch in post.body_text + post.article.source)
            continue
        assert norm(fragment["meta"]["title"]) == norm(post.article.title), post.text


def check_site(public: Path, posts: Sequence[Post]) -> None:
    """Every check above, for every post of the site."""
    for post in posts:
        check_post_page(public, post)
    check_cards(public, posts)
    check_feeds(public, posts)
    check_search_index(public, posts)


@pytest.mark.hugo
def test_hostile_strings_read_as_written_everywhere(tmp_path: Path) -> None:
    public, posts = build(tmp_path, HOSTILE)
    check_site(public, posts)


# Text made of what Markdown, HTML and Hugo give a meaning to, with any other character.
_TOKENS = st.sampled_from(
    [
        "{{<", "{{%", "{{", "}}", "%}}", ">}}", "{", "}", "<", ">", "</", "<!--", "-->", "&",
        "&amp;", "&#60;", "&#x3c;", ";", "[", "]", "(", ")", "![", "](", "[^", "]:", "*",
        "**", "_", "__", "`", "```", "~", "~~", "|", "\\", "\\(", "\\)", "\\[", "$", "#", "##",
        " #", "=", "==", "-", "---", "+", "1.", "1)", ":", "^", "www.", "http://x.test",
        "@", "!", '"', "'", "...", "--", " ", "  ", "    ", "\t", "\n", "\n\n", "\r",
        "\u00a0", "\u2028", "\x00", "\x1b", "\x85", "\ufeff", "\ufffe", "\ud800", "a", "Z", "7",
    ]
)  # fmt: skip
_CHARACTERS = st.characters() | st.characters(categories=["Cs", "Cc", "Zs", "Zl", "Zp"])
TEXTS = st.lists(_TOKENS | _CHARACTERS, max_size=24).map("".join)


@pytest.mark.hugo
@settings(
    deadline=None,
    max_examples=40,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(texts=st.lists(TEXTS, min_size=1, max_size=6))
@example(texts=["{{{% raw %}}}", 'Title {style="x" id="search"}', "[x](http://e.test)"])
def test_any_text_reads_as_written_everywhere(texts: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        public, posts = build(Path(tmp), texts)
        check_site(public, posts)
