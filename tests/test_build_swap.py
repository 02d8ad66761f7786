"""The site is never broken by a build: a failed build leaves public/ as it was and says
which file failed; during a successful one, readers always find a whole site."""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsdesk.config import FrontMatterDefaults, load_config
from newsdesk.models import Article, Block
from newsdesk.publish import post_path, render_post, write_atomic
from newsdesk.site import build_site, init_site
from newsdesk.site import hugo as hugo_module
from newsdesk.site import install as install_module
from newsdesk.site.build import BuildResult

TEXT = "Freight rates eased for a third week as new vessels joined the busiest routes. " * 4


def _site(tmp_path: Path, posts: int = 3) -> Path:
    site = tmp_path / "site"
    init_site(site, title="Swap Wire", sources="")
    for n in range(posts):
        article = Article(
            id=f"{n:016x}",
            url=f"https://news.test/{n}",
            source="wire",
            title=f"Story {n}",
            blocks=(Block("p", TEXT), Block("h", "Outlook"), Block("p", TEXT[::-1])),
            published=datetime(2026, 11, 20, 10, n % 60, tzinfo=UTC),
            summary=TEXT[:80],
            categories=("wire",),
            tags=("wire", f"tag{n % 7}"),
        )
        text = render_post(article, FrontMatterDefaults(), timezone="UTC", body_style="paragraphs")
        write_atomic(post_path(site, "posts", article.id), text)
    return site


def _build(site: Path) -> BuildResult:
    result = build_site(site, load_config(site))
    assert result.returncode == 0, result.output
    return result


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _builds(site: Path) -> list[str]:
    """What is left in the build folders' folder (lock files aside)."""
    root = site / install_module.BUILDS
    return sorted(p.name for p in root.iterdir() if not p.name.endswith(".lock"))


@pytest.mark.hugo
@pytest.mark.parametrize(
    ("name", "text", "line", "problem"),
    [
        # A hand-edited post with broken YAML: the quote never closes.
        (
            "broken-yaml",
            '---\ntitle: "Unclosed\ndate: "2026-11-20 10:00:00"\n---\n\nBody.\n',
            3,  # where the YAML parser gives up
            "front matter",
        ),
        ("bad-date", '---\ntitle: "Bad date"\ndate: "soon"\n---\n\nBody.\n', 3, "front matter"),
        (
            "no-end",
            '---\ntitle: "No end"\n\nBody.\n',
            2,
            "front matter",
        ),
        (
            "shortcode",
            '---\ntitle: "Shortcode"\n---\n\nFirst.\n\n{{< missing >}}\n',
            7,
            "cannot render this post",
        ),
    ],
)
def test_a_failed_build_keeps_the_previous_site_and_names_the_post(
    tmp_path: Path, name: str, text: str, line: int, problem: str
) -> None:
    site = _site(tmp_path)
    _build(site)
    before = _snapshot(site / "public")
    assert "index.html" in before
    assert "pagefind/pagefind.js" in before
    (site / "content" / "posts" / f"{name}.md").write_text(text)

    result = build_site(site, load_config(site))

    assert result.returncode != 0
    assert _snapshot(site / "public") == before  # byte for byte, no file added or lost
    where = f"content/posts/{name}.md, line {line}"
    assert where in result.output, result.output
    assert problem in result.output
    assert "Fix that file or delete it" in result.output
    assert "public/ was left as it was" in result.output
    assert result.error_file == Path("content/posts") / f"{name}.md"
    assert result.error_line == line
    assert _builds(site) == []  # the failed build's folder is gone


@pytest.mark.hugo
def test_a_failed_search_index_keeps_the_previous_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = _site(tmp_path)
    _build(site)
    before = _snapshot(site / "public")
    failing = tmp_path / "pagefind"
    failing.write_text("#!/bin/sh\necho 'pagefind: out of memory' >&2\nexit 3\n")
    failing.chmod(0o755)
    monkeypatch.setattr(hugo_module, "pagefind_binary", lambda: failing)
    result = build_site(site, load_config(site))
    assert result.returncode == 3
    assert "out of memory" in result.output
    assert "public/ was left as it was" in result.output
    assert _snapshot(site / "public") == before


@pytest.mark.hugo
def test_readers_always_find_a_whole_site_during_a_rebuild(tmp_path: Path) -> None:
    site = _site(tmp_path, posts=150)  # a build long enough to poll many times
    _build(site)
    (site / "content" / "posts" / "new.md").write_text(
        '---\ntitle: "Just in"\ndate: "2026-11-21 10:00:00"\n---\n\nNew story.\n'
    )
    index = site / "public" / "index.html"
    search = site / "public" / "pagefind" / "pagefind.js"
    done = threading.Event()
    polled = threading.Event()
    missing: list[str] = []
    polls = 0

    def poll() -> None:
        nonlocal polls
        while not done.is_set():
            for path in (index, search):
                if not path.is_file():
                    missing.append(str(path))
            polls += 1
            polled.set()

    reader = threading.Thread(target=poll)
    reader.start()
    try:
        assert polled.wait(10)
        result = _build(site)
    finally:
        done.set()
        reader.join()
    assert result.search
    assert missing == []
    assert polls > 100  # the reader really ran while Hugo and Pagefind worked
    assert "Just in" in index.read_text()  # the new site is the one in place
    assert _builds(site) == []  # the previous site was removed after the swap


@pytest.mark.hugo
def test_without_an_atomic_exchange_two_renames_still_swap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(install_module, "_exchange", lambda first, second: False)
    site = _site(tmp_path)
    _build(site)
    (site / "content" / "posts" / f"{0:016x}.md").unlink()
    _build(site)
    assert not (site / "public" / "posts" / f"{0:016x}").exists()
    assert (site / "public" / "posts" / f"{1:016x}" / "index.html").exists()
    assert _builds(site) == []


def test_exchange_swaps_two_folders(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (first / "a").write_text("first")
    (second / "b").write_text("second")
    if not install_module._exchange(first, second):
        pytest.skip("no renameat2(RENAME_EXCHANGE) on this system")
    assert (first / "b").read_text() == "second"
    assert (second / "a").read_text() == "first"
    with pytest.raises(FileNotFoundError):
        install_module._exchange(first, tmp_path / "missing")


@pytest.mark.hugo
@pytest.mark.skipif(os.name == "nt", reason="build folders are locked with fcntl")
def test_a_killed_build_leaves_nothing_behind(tmp_path: Path) -> None:
    site = _site(tmp_path)
    _build(site)
    root = site / install_module.BUILDS
    killed = root / "build-killed"
    (killed / "public" / "posts").mkdir(parents=True)
    (root / "build-killed.lock").touch()
    running = root / "build-running"
    running.mkdir()
    with install_module._lock(root / "build-running.lock"):  # a build in another process
        _build(site)
        assert _builds(site) == ["build-running"]
    _build(site)
    assert _builds(site) == []


@pytest.mark.hugo
@pytest.mark.skipif(os.name == "nt", reason="build folders are locked with fcntl")
def test_a_build_killed_between_two_renames_gets_the_site_back(tmp_path: Path) -> None:
    site = _site(tmp_path)
    _build(site)
    before = _snapshot(site / "public")
    # Killed after moving public/ away and before moving the new site in (no renameat2).
    killed = site / install_module.BUILDS / "build-killed"
    killed.mkdir()
    os.rename(site / "public", killed / "previous")
    (site / "content" / "posts" / "broken.md").write_text('---\ntitle: "x\n---\n')
    result = build_site(site, load_config(site))
    assert result.returncode != 0
    assert _snapshot(site / "public") == before
