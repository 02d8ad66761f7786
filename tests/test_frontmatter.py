"""Front matter stays valid YAML and round-trips for any title or summary."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from newsdesk.config import FrontMatterDefaults
from newsdesk.models import Article, Block
from newsdesk.publish import render_post
from newsdesk.publish.frontmatter import quote, render_front_matter
from newsdesk.publish.post import term_name
from newsdesk.xmltext import xml_safe
from tests.helpers import split_post


def _load(text: str) -> dict[str, object]:
    assert text.startswith("---\n")
    assert text.endswith("---\n")
    data = yaml.safe_load(text[4:-4])
    assert isinstance(data, dict)
    return data


# Any text, including controls, quotes, YAML indicators and astral characters.
any_text = st.text(st.characters(codec="utf-8"), max_size=200)


@settings(max_examples=500)
@given(title=any_text, summary=any_text, tags=st.lists(any_text, max_size=5))
def test_any_text_round_trips_through_front_matter(
    title: str, summary: str, tags: list[str]
) -> None:
    text = render_front_matter(
        [("title", title), ("summary", summary), ("tags", tags), ("comments", False)]
    )
    assert _load(text) == {"title": title, "summary": summary, "tags": tags, "comments": False}


@given(any_text)
def test_quoted_value_is_one_line(value: str) -> None:
    assert "\n" not in quote(value)
    assert "\r" not in quote(value)


def test_hostile_titles_stay_data() -> None:
    for title in [
        '"; rm -rf /',
        "---\nlayout: evil",
        "key: value",
        "- item",
        "!!python/object",
        "{{< shortcode >}}",
        "<script>alert(1)</script>",
        "\u2028\u0085\ufeff",
        "'",
    ]:
        assert _load(render_front_matter([("title", title)]))["title"] == title


def test_reference_style() -> None:
    text = render_front_matter(
        [
            ("title", "A 'quoted' title"),
            ("categories", ["investing_us"]),
            ("pager", True),
            ("sidebar", "right"),
        ]
    )
    assert text == (
        '---\ntitle: "A \'quoted\' title"\ncategories:\n  - "investing_us"\n'
        'pager: true\nsidebar: "right"\n---\n'
    )


# --- what render_post writes ------------------------------------------------------------


def _article(**values: object) -> Article:
    fields: dict[str, object] = {
        "id": "00000000000000a1",
        "url": "https://news.test/a",
        "source": "wire",
        "title": "Title",
        "blocks": (Block("p", "Body."),),
        "published": datetime(2026, 11, 20, 10, 0, tzinfo=UTC),
        "summary": "Body...",
        "categories": ("wire",),
        "tags": ("wire",),
    }
    fields.update(values)
    return Article(**fields)  # type: ignore[arg-type]


def test_control_characters_never_reach_the_post() -> None:
    # A control character in a title made the site's RSS invalid XML.
    dirty = "Oil\x01 \x08prices\x7f \x85rise \ud800\ufffe"
    article = _article(
        title=dirty,
        summary=dirty,
        source="wi\x1bre",
        url="https://news.test/\x00a",
        categories=(dirty,),
        tags=(dirty,),
        image="https://img.test/\x0ba.png",
        blocks=tuple(Block(kind, dirty) for kind in ("p", "h", "li", "quote", "pre")),
    )
    options = FrontMatterDefaults(thumbnail="hotlink")
    for style in ("paragraphs", "single"):
        text = render_post(article, options, timezone="UTC", body_style=style)
        assert text == xml_safe(text)
        text.encode("utf-8")  # the lone surrogate became U+FFFD
        front = _load(split_post(text)[0])
        assert front["title"] == "Oil prices rise \ufffd"
        assert front["summary"] == "Oil prices rise \ufffd"
        assert front["thumbnail"] == "https://img.test/a.png"


@pytest.mark.parametrize(
    ("name", "written"),
    [
        ("investing_us", "investing_us"),
        ("Energy & Co", "Energy & Co"),
        ("NYSE:TM", "NYSE:TM"),
        ("U.S.", "U.S."),
        ("C++", "C++"),
        ("C#", "C#"),  # Hugo encodes "#" in the link
        ("Q&A?", "Q&A?"),  # Hugo drops "?"
        ("page", "page"),
        ("index", "index"),
        ("x.", "x."),
        ("-", "-"),
        ("#", "#"),
        ("..", "~46~~46~"),  # replaced the home page
        (".", "~46~"),  # replaced the list of all tags
        ("a/b", "a~47~b"),  # a page inside term "a"
        ("x/../../y", "x~47~..~47~..~47~y"),  # outside the taxonomy folder
        ("a\\b", "a~92~b"),
        ("index.html", "index~46~html"),  # broke the build: tags/index.html is a file
        ("index.xml", "index~46~xml"),
        ("Index.HTML", "Index~46~HTML"),  # Hugo lower-cases the path
        (".NET", "~46~NET"),  # a hidden folder
        ("!.a", "!~46~a"),  # Hugo drops "!": the path would start with "."
        ("%41", "~37~41"),  # a link that the server decodes to /tags/A/
        ("100%", "100~37~"),
        ("!!!", "~33~~33~~33~"),  # no path at all: the tags list again
        ("?", "~63~"),
        ("a~47~b", "a~126~47~126~b"),  # "~" is the escape character itself
        ("日本/経済", "日本~47~経済"),
        # Only what makes the trick is escaped; the rest stays as written.
        ("Sci/Tech", "Sci~47~Tech"),
        ("World / Europe", "World ~47~ Europe"),
        ("Markets: Stocks & Bonds / Europe", "Markets: Stocks & Bonds ~47~ Europe"),
    ],
)
def test_term_names_that_are_path_tricks_get_safe_spellings(name: str, written: str) -> None:
    assert term_name(name) == written
    assert _shown(written) == name


def _shown(written: str) -> str:
    """What the theme shows for a term (layouts/_partials/term-name.html)."""
    if "~" not in written:
        return written
    return re.sub(r"~([0-9]{1,7})~", lambda m: chr(int(m[1])), written)


def _hugo_path(name: str) -> str:
    """The path segment Hugo 0.165 makes of a term name: its paths.UnicodeSanitize, then
    lower case."""
    out: list[str] = []
    hyphen = was_hyphen = False
    for ch in name:
        category = unicodedata.category(ch)
        if ch in "._#+-@~/\\" or category[0] in "LM" or category == "Nd":
            was_hyphen = ch == "-"
            if hyphen and not was_hyphen:
                out.append("-")
            hyphen = False
            out.append(ch)
        elif out and not was_hyphen and ch.isspace():
            hyphen = True
    return "".join(out).lower()


def _safe_segment(segment: str) -> bool:
    return segment != "" and not segment.startswith((".", "index."))


@settings(max_examples=500)
@given(any_text | st.text(st.sampled_from("./\\%~!? aI-#ndex"), max_size=12))
def test_every_term_name_is_shown_as_written_and_has_one_plain_segment(name: str) -> None:
    written = term_name(name)
    assert _shown(written) == xml_safe(name)
    assert not any(ch in written for ch in "/\\%")
    assert re.fullmatch(r"(?:[^~]|~\d+~)*", written)  # every "~" is an escape
    assert _safe_segment(_hugo_path(written)) or not xml_safe(name)
    # A name that is no path trick is written as it is.
    if not any(ch in name for ch in "/\\%~") and _safe_segment(_hugo_path(xml_safe(name))):
        assert written == xml_safe(name)


def test_render_post_writes_safe_term_names() -> None:
    article = _article(categories=("..",), tags=("a/b", "markets"))
    text = render_post(article, FrontMatterDefaults(), timezone="UTC", body_style="single")
    front = _load(split_post(text)[0])
    assert front["categories"] == ["~46~~46~"]
    assert front["tags"] == ["a~47~b", "markets"]
