"""Reading Hugo's error output: the file and line it names, wherever newsdesk runs from."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsdesk.site.hugo import error_position, explain_failure

POST = '---\ntitle: "Bad date"\ndate: "soon"\n---\n\nBody.\n'


def _site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    (site / "content" / "posts").mkdir(parents=True)
    (site / "content" / "posts" / "bad.md").write_text(POST)
    return site


def test_a_relative_path_after_see_is_read_against_the_site_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = _site(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "content" / "posts").mkdir(parents=True)  # the same relative path, no file
    monkeypatch.chdir(elsewhere)
    output = 'ERROR the "date" front matter field is not a parsable date: see content/posts/bad.md'
    assert error_position(output, site) == (site / "content" / "posts" / "bad.md", None)
    failure = explain_failure(output, site)
    assert failure.file == Path("content/posts/bad.md")
    assert failure.line == 3
    assert failure.advice.startswith("content/posts/bad.md, line 3: Hugo cannot read the front")


def test_an_absolute_path_after_see_and_a_quoted_position_are_found(tmp_path: Path) -> None:
    site = _site(tmp_path)
    post = site / "content" / "posts" / "bad.md"
    see = f'ERROR the "date" front matter field is not a parsable date: see {post}.'
    assert error_position(see, site) == (post, None)
    quoted = f'ERROR error building site: "{post}:7:1": failed to extract shortcode'
    assert error_position(quoted, site) == (post, 7)
    assert error_position("WARN see content/posts/bad.md", site) == (None, None)


def test_the_failing_post_is_read_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = _site(tmp_path)
    post = site / "content" / "posts" / "bad.md"
    reads: list[Path] = []
    read_text = Path.read_text

    def counting(self: Path, *args: object, **kwargs: object) -> str:
        reads.append(self)
        return read_text(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "read_text", counting)
    output = f'ERROR the "date" front matter field is not a parsable date: see {post}'
    assert explain_failure(output, site).line == 3
    assert reads == [post]
