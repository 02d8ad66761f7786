"""Posts changed in place (``publish/revise.py``): a new body and summary under the front
matter as the editor left it, and a language added to ``translations``; for any text."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from newsdesk.config import FrontMatterDefaults
from newsdesk.models import Article, Block
from newsdesk.publish import render_post
from newsdesk.publish.files import add_source_link
from newsdesk.publish.markdown import render_body
from newsdesk.publish.revise import (
    NotAPost,
    set_key,
    split_post,
    with_language,
    with_new_text,
    word_changes,
)
from newsdesk.xmltext import xml_safe

any_text = st.text(st.characters(codec="utf-8"), min_size=1, max_size=120)
paragraphs = st.lists(any_text.filter(lambda t: t.split()), min_size=1, max_size=5)


def _front(text: str) -> dict[str, object]:
    data = yaml.safe_load(split_post(text).front[4:-5])
    assert isinstance(data, dict)
    return data


def _post(title: str, texts: list[str], summary: str = "s", languages: tuple[str, ...] = ()) -> str:
    article = Article(
        id="abc123",
        url="https://example.com/a?b=1&c=2",
        source="Wire [x]",
        title=title,
        blocks=tuple(Block("p", t) for t in texts),
        published=datetime(2026, 11, 20, 10, 0, tzinfo=UTC),
        language="en",
        summary=summary,
        categories=("Wire",),
        tags=("Wire",),
        translations=languages,
    )
    return render_post(article, FrontMatterDefaults(), timezone="UTC", body_style="paragraphs")


@settings(max_examples=200)
@given(title=any_text, texts=paragraphs)
def test_a_post_cuts_into_parts_and_back(title: str, texts: list[str]) -> None:
    text = _post(title, texts)
    parts = split_post(text)
    assert parts.text() == text
    assert parts.links.startswith("[Wire \\[x\\]](https://example.com/a")


@settings(max_examples=200)
@given(title=any_text, old=paragraphs, new=paragraphs, summary=any_text)
def test_a_new_text_keeps_every_other_key_and_the_links(
    title: str, old: list[str], new: list[str], summary: str
) -> None:
    text = _post(title, old)
    body = render_body(tuple(Block("p", t) for t in new), "paragraphs")
    revised = with_new_text(text, body, summary)
    before, after = _front(text), _front(revised)
    assert after.pop("summary") == xml_safe(summary)  # as every value newsdesk writes
    before.pop("summary")
    assert after == before
    assert split_post(revised).body == body.strip("\n")
    assert split_post(revised).links == split_post(text).links


def test_links_added_for_the_same_story_stay(tmp_path: pytest.TempPathFactory) -> None:
    post = tmp_path / "p.md"  # type: ignore[operator]
    post.write_text(_post("T", ["old text"]))
    add_source_link(post, "Desk", "https://desk.example/b")
    revised = with_new_text(post.read_text(), "new text", "new...")
    assert revised.endswith(
        "\n\nnew text\n\n[Wire \\[x\\]](https://example.com/a?b=1&c=2)\n"
        "[Desk](https://desk.example/b)\n"
    )


def test_front_matter_written_by_other_tools_is_changed_one_key_at_a_time() -> None:
    front = (
        "---\n"
        "title: Hand written\n"
        "summary: >\n"
        "  folded over\n"
        "  two lines\n"
        "translations:\n"
        "- en\n"
        "tags: [a, b]\n"
        "---\n"
    )
    text = front + "\nbody\n\n[w](https://w.example/)\n"
    revised = with_new_text(text, "new body", 'a "new" summary')
    data = _front(revised)
    assert data == {
        "title": "Hand written",
        "summary": 'a "new" summary',
        "translations": ["en"],
        "tags": ["a", "b"],
    }
    both = with_language(revised, "de")
    assert _front(both)["translations"] == ["en", "de"]
    assert with_language(both, "de") == both  # once only
    assert _front(both)["tags"] == ["a", "b"]


def test_a_language_is_added_where_the_list_is_empty_or_missing() -> None:
    text = _post("T", ["x y z"])
    assert _front(with_language(text, "ja"))["translations"] == ["en", "ja"]
    bare = "---\ntitle: T\nlang:\n  - fr\n---\n\nbody\n"
    assert _front(with_language(bare, "ja"))["translations"] == ["fr", "ja"]


def test_a_removed_summary_is_not_put_back() -> None:
    text = "---\ntitle: T\n---\n\nold\n\n[w](https://w.example/)\n"
    assert (
        with_new_text(text, "new", "S") == "---\ntitle: T\n---\n\nnew\n\n[w](https://w.example/)\n"
    )


def test_set_key_adds_only_when_asked() -> None:
    front = "---\ntitle: T\n---\n"
    assert set_key(front, "x", "1") == front
    assert set_key(front, "x", ["a"], add=True) == '---\ntitle: T\nx:\n  - "a"\n---\n'


@pytest.mark.parametrize("text", ["no front matter", "---\ntitle: T\nno end\n", ""])
def test_what_is_not_a_post_is_refused(text: str) -> None:
    with pytest.raises(NotAPost):
        split_post(text)


def test_an_editors_trailing_blank_lines_and_spaces_keep_the_links() -> None:
    text = '---\ntitle: "T"\nsummary: "old"\n---\n\nold body\n\n[src](https://x/y) \n\n'
    revised = with_new_text(text, "new body", "s")
    assert revised.endswith("\n\nnew body\n\n[src](https://x/y)\n")


def test_a_post_without_its_source_link_is_not_rewritten() -> None:
    with pytest.raises(NotAPost, match="source link"):
        with_new_text('---\ntitle: "T"\n---\n\nbody only\n', "new", "s")


def test_block_scalars_with_blank_lines_and_comments_are_replaced_whole() -> None:
    text = (
        "---\ntitle: T\nsummary: |\n  first\n\n  second\n"
        "translations:\n  - en\n# a comment\n  - ja\ntags: [a]\n---\n\nbody\n\n[w](https://w/)\n"
    )
    revised = with_language(with_new_text(text, "new", "S"), "de")
    assert _front(revised) == {
        "title": "T",
        "summary": "S",
        "translations": ["en", "ja", "de"],
        "tags": ["a"],
    }


def test_a_summary_is_written_xml_safe() -> None:
    revised = with_new_text(_post("T", ["old"]), "new", "bad \ufffe\x01 chars")
    assert _front(revised)["summary"] == "bad  chars"


def test_words_gained_and_lost_count_changed_words_not_moved_ones() -> None:
    assert word_changes("a b c\n\nd e", "d e\n\na b c") == (0, 0)
    assert word_changes("a b c", "a b x y") == (2, 1)
