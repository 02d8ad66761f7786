"""Front matter stays valid YAML and round-trips for any title or summary."""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from newsdesk.publish.frontmatter import quote, render_front_matter


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
