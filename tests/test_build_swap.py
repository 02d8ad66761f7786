"""The site is never broken by a build: a failed build leaves public/ as it was and says
which file failed; during a successful one, readers always find a whole site; public/ itself
(its mode, a mount on it, a process holding it, hidden entries in it) is kept."""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import re
import shutil
import stat
import subprocess
import threading
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from newsdesk.config import FrontMatterDefaults, load_config
from newsdesk.layout import Site
from newsdesk.models import Article, Block
from newsdesk.publish import render_post, write_atomic
from newsdesk.site import build as build_module
from newsdesk.site import build_site, init_site
from newsdesk.site import hugo as hugo_module
from newsdesk.site import install as install_module
from newsdesk.site.build import BuildResult
from newsdesk.site.install import install, install_order

TEXT = "Freight rates eased for a third week as new vessels joined the busiest routes. " * 4
linux_only = pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs Linux /proc")


def _article(n: int, title: str = "") -> Article:
    return Article(
        id=f"{n:016x}",
        url=f"https://news.test/{n}",
        source="wire",
        title=title or f"Story {n}",
        blocks=(Block("p", TEXT), Block("h", "Outlook"), Block("p", TEXT[::-1])),
        published=datetime(2026, 11, 20, 10, n % 60, tzinfo=UTC),
        summary=TEXT[:80],
        categories=("wire",),
        tags=("wire", f"tag{n % 7}"),
    )


def _write(site: Path, article: Article) -> None:
    text = render_post(article, FrontMatterDefaults(), timezone="UTC", body_style="paragraphs")
    write_atomic(Site(site).post_path(article.id), text)


def _site(tmp_path: Path, posts: int = 3) -> Path:
    site = tmp_path / "site"
    init_site(site, title="Swap Wire", sources="")
    for n in range(posts):
        _write(site, _article(n))
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


def _visible(folder: Path) -> dict[str, bytes]:
    """The snapshot without hidden entries."""
    return {
        path: data
        for path, data in _snapshot(folder).items()
        if not any(part.startswith(".") for part in Path(path).parts)
    }


def _builds(site: Path) -> list[str]:
    """What is left in the build folders' folder."""
    return sorted(p.name for p in Site(site).builds.iterdir())


def _new_post(site: Path) -> None:
    (site / "content" / "posts" / "new.md").write_text(
        '---\ntitle: "Just in"\ndate: "2026-11-21 10:00:00"\n---\n\nNew story.\n'
    )


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
def test_a_failed_first_build_leaves_no_public_folder(tmp_path: Path) -> None:
    site = _site(tmp_path, posts=0)
    (site / "content" / "posts").mkdir(parents=True, exist_ok=True)
    (site / "content" / "posts" / "bad.md").write_text('---\ntitle: "x\n---\n')
    assert build_site(site, load_config(site)).returncode != 0
    assert not (site / "public").exists()


_DCD = b"pagefind_dcd"  # what every decompressed Pagefind file starts with, before its CBOR


def _cbor(data: bytes, at: int = 0) -> tuple[object, int]:
    """The CBOR item at ``at`` in ``data``, and where the next one starts. Only what
    Pagefind's pf_meta holds (minicbor, definite lengths): integers, strings, arrays, maps,
    booleans and null."""
    major, info = data[at] >> 5, data[at] & 0x1F
    at += 1
    if info < 24:
        length = info
    elif info <= 27:  # the length follows in 1, 2, 4 or 8 bytes
        size = 1 << (info - 24)
        length, at = int.from_bytes(data[at : at + size], "big"), at + size
    else:
        raise ValueError(f"CBOR item {data[at - 1]:#x} at {at - 1}: not in a pf_meta")
    if major in (0, 1):
        return (length if major == 0 else -1 - length), at
    if major in (2, 3):
        raw = data[at : at + length]
        return (raw if major == 2 else raw.decode()), at + length
    if major in (4, 5):
        items: list[object] = []
        for _ in range(length * (1 if major == 4 else 2)):
            item, at = _cbor(data, at)
            items.append(item)
        return (items if major == 4 else dict(zip(items[::2], items[1::2], strict=True))), at
    if major == 7 and length in (20, 21, 22):
        return {20: False, 21: True, 22: None}[length], at
    raise ValueError(f"CBOR item {data[at - 1]:#x}: not in a pf_meta")


def _search_files(meta: bytes) -> list[str]:
    """The files (relative to pagefind/) that a gzip'd pf_meta names: its pages' fragments,
    its word index chunks and its filter chunks. Pagefind's MetaIndex is a CBOR array:
    [version, [[page hash, word count]...], [[from word, to word, chunk hash]...],
    [[filter, chunk hash]...], [[sort, pages]...], ...]."""
    data = gzip.decompress(meta)
    assert data.startswith(_DCD), data[:20]
    index, end = _cbor(data, len(_DCD))
    assert end == len(data), (end, len(data))
    assert isinstance(index, list), index
    fields: dict[str, tuple[int, int]] = {"fragment": (1, 0), "index": (2, 2), "filter": (3, 1)}
    names: list[str] = []
    for kind, (field, at) in fields.items():
        rows = index[field]
        assert isinstance(rows, list), rows
        for row in rows:
            assert isinstance(row, list), row
            name = row[at]
            assert isinstance(name, str), row
            assert re.fullmatch(r"\w+_[0-9a-f]{7,}", name), row
            names.append(f"{kind}/{name}.pf_{kind}")
    assert any(name.startswith("index/") for name in names), names  # a search has words
    return names


def _search_is_whole(public: Path) -> str | None:
    """What a reader of the search would miss right now: pagefind.js, the index that
    pagefind-entry.json names, or a fragment or chunk that index names (None: nothing).

    Reading the entry, then the index it names, then checking each file is no single
    instant: an install can put the new entry in place and remove the old build's chunks
    between those steps, and the old chunks are meant to go once the new search is whole.
    So the look counts only when the entry was the same before and after it; otherwise it
    is taken again, on the entry now in place."""
    pagefind = public / "pagefind"
    while True:
        if not (pagefind / "pagefind.js").is_file():
            return "pagefind.js"
        entry = (pagefind / "pagefind-entry.json").read_bytes()
        lost = _search_lost(pagefind, entry)
        if lost is None or (pagefind / "pagefind-entry.json").read_bytes() == entry:
            return lost


def _search_lost(pagefind: Path, entry: bytes) -> str | None:
    """The first file that the entry ``entry`` needs and ``pagefind`` lacks (None: none)."""
    for index in json.loads(entry)["languages"].values():
        meta = pagefind / f"pagefind.{index['hash']}.pf_meta"
        try:
            names = _search_files(meta.read_bytes())
        except FileNotFoundError:
            return str(meta)
        for name in names:
            if not (pagefind / name).is_file():
                return name
    return None


@pytest.mark.hugo
def test_readers_always_find_a_whole_site_during_a_rebuild(tmp_path: Path) -> None:
    site = _site(tmp_path, posts=150)  # a build long enough to poll many times
    _build(site)
    _new_post(site)
    public = site / "public"
    index = public / "index.html"
    done = threading.Event()
    polled = threading.Event()
    missing: list[str] = []
    polls = 0

    def poll() -> None:
        nonlocal polls
        while not done.is_set():
            try:
                home = index.read_text()
            except FileNotFoundError:
                missing.append("index.html")
                continue
            # Every post the home page links to is there (posts go in before lists).
            for href in re.findall(r'href="/(posts/[^"/]+/)"', home):
                if not (public / href / "index.html").is_file():
                    missing.append(href)
            if (lost := _search_is_whole(public)) is not None:
                missing.append(lost)
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
    assert _search_is_whole(public) is None
    assert _builds(site) == []  # the build folder was removed after the install


@pytest.mark.hugo
def test_the_search_check_sees_each_file_the_index_names_go_missing(tmp_path: Path) -> None:
    site = _site(tmp_path)
    _build(site)
    public = site / "public"
    pagefind = public / "pagefind"
    assert _search_is_whole(public) is None
    entry = json.loads((pagefind / "pagefind-entry.json").read_text())
    meta = pagefind / f"pagefind.{entry['languages']['en']['hash']}.pf_meta"
    named = _search_files(meta.read_bytes())
    assert {name.partition("/")[0] for name in named} == {"fragment", "index"}
    assert len([name for name in named if name.startswith("fragment/")]) == 3  # one a post
    fragment = next(name for name in named if name.startswith("fragment/"))
    chunk = next(name for name in named if name.startswith("index/"))
    for name in (fragment, chunk):
        data = (pagefind / name).read_bytes()
        (pagefind / name).unlink()
        assert _search_is_whole(public) == name
        (pagefind / name).write_bytes(data)
    assert _search_is_whole(public) is None
    meta.unlink()
    assert _search_is_whole(public) == str(meta)


@pytest.mark.hugo
def test_what_the_new_build_lacks_is_removed_and_hidden_entries_stay(tmp_path: Path) -> None:
    site = _site(tmp_path)
    _build(site)
    public = site / "public"
    planted = {
        ".git/HEAD": "ref: refs/heads/gh-pages\n",  # a GitHub Pages checkout
        ".git/objects/ab/cdef": "x",
        ".well-known/security.txt": "Contact: mailto:security@example.com\n",
        ".htaccess": "Options -Indexes\n",
        "posts/.keep": "",  # hidden, inside a folder the build writes
    }
    for path, text in planted.items():
        (public / path).parent.mkdir(parents=True, exist_ok=True)
        (public / path).write_text(text)
    (public / "stray.html").write_text("not from this build")
    (public / "old" / "folder").mkdir(parents=True)
    (site / "content" / "posts" / f"{0:016x}.md").unlink()

    _build(site)

    assert {path: (public / path).read_text() for path in planted} == planted
    assert not (public / "stray.html").exists()
    assert not (public / "old").exists()
    assert not (public / "posts" / f"{0:016x}").exists()  # the removed post, folder and all
    assert (public / "posts" / f"{1:016x}" / "index.html").exists()
    fresh = tmp_path / "fresh"
    shutil.copytree(site, fresh, ignore=shutil.ignore_patterns("public", ".newsdesk"))
    _build(fresh)
    assert _visible(public).keys() == _snapshot(fresh / "public").keys()


@pytest.mark.hugo
@linux_only
def test_public_keeps_its_mode_and_a_process_holding_it_sees_the_new_site(
    tmp_path: Path,
) -> None:
    site = _site(tmp_path)
    _build(site)
    public = site / "public"
    os.chmod(public, 0o2750)  # setgid: files made in it get its group
    group = 4242 if os.geteuid() == 0 else os.getegid()
    os.chown(public, -1, group)
    inode = public.stat().st_ino
    held = os.open(public, os.O_RDONLY)  # as a web server's bind mount or cwd holds it
    try:
        _new_post(site)
        _build(site)
        info = public.stat()
        assert stat.S_IMODE(info.st_mode) == 0o2750
        assert (info.st_ino, info.st_gid) == (inode, group)
        seen = Path(f"/proc/self/fd/{held}")
        assert "new" in os.listdir(seen / "posts")
        assert "Just in" in (seen / "index.html").read_text()
        assert (public / "index.html").stat().st_gid == group
        assert (public / "posts" / "new" / "index.html").stat().st_gid == group
    finally:
        os.close(held)


@pytest.mark.hugo
def test_public_as_a_link_to_a_folder_elsewhere(tmp_path: Path) -> None:
    site = _site(tmp_path)
    www = tmp_path / "www" / "html"
    www.mkdir(parents=True)
    (site / "public").symlink_to(www)
    _build(site)
    _new_post(site)
    _build(site)
    assert (site / "public").is_symlink()
    assert "Just in" in (www / "index.html").read_text()
    assert os.listdir(www.parent) == ["html"]  # no build folder beside it or inside it
    assert not any(name.startswith(".") for name in os.listdir(www))
    assert _builds(site) == []


@pytest.mark.hugo
def test_where_renames_cannot_reach_public_the_build_happens_inside_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = _site(tmp_path)
    _build(site)
    monkeypatch.setattr(install_module, "_renames_into", lambda root, target: False)
    seen: list[Path] = []
    real = hugo_module.run_hugo

    def spy(site_dir: Path, destination: Path, themes: Path) -> hugo_module.Run:
        seen.append(destination)
        return real(site_dir, destination, themes)

    monkeypatch.setattr(build_module, "run_hugo", spy)
    _new_post(site)
    _build(site)
    (destination,) = seen
    assert destination.parent.parent == site / "public" / install_module.IN_PUBLIC
    assert "Just in" in (site / "public" / "index.html").read_text()
    assert not (site / "public" / install_module.IN_PUBLIC).exists()


@contextlib.contextmanager
def _mounted(*command: str) -> Iterator[None]:
    target = command[-1]
    done = subprocess.run(["mount", *command], capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount here: {done.stderr.decode().strip()}")
    try:
        yield
    finally:
        subprocess.run(["umount", target], check=False)


@pytest.mark.hugo
@linux_only
@pytest.mark.skipif(shutil.which("mount") is None or os.geteuid() != 0, reason="needs root")
@pytest.mark.parametrize("kind", ["tmpfs", "bind"])
def test_public_as_a_mount_point(tmp_path: Path, kind: str) -> None:
    site = _site(tmp_path)
    public = site / "public"
    public.mkdir()
    if kind == "tmpfs":  # another file system: the build goes inside public/
        mount: tuple[str, ...] = ("-t", "tmpfs", "tmpfs", str(public))
    else:  # the same file system, but rename() does not cross a mount point
        shared = tmp_path / "shared"
        shared.mkdir()
        mount = ("--bind", str(shared), str(public))
    with _mounted(*mount):
        _build(site)
        _new_post(site)
        _build(site)
        assert "Just in" in (public / "index.html").read_text()
        assert not (public / install_module.IN_PUBLIC).exists()
        assert _builds(site) == []


@pytest.mark.hugo
@linux_only
@pytest.mark.skipif(shutil.which("mount") is None or os.geteuid() != 0, reason="needs root")
def test_a_bind_mount_of_public_serves_the_new_site(tmp_path: Path) -> None:
    # docker-compose: ./public:/usr/share/nginx/html. The mount holds the folder, not the path.
    site = _site(tmp_path)
    _build(site)
    html = tmp_path / "nginx-html"
    html.mkdir()
    with _mounted("--bind", str(site / "public"), str(html)):
        _new_post(site)
        _build(site)
        assert "Just in" in (html / "index.html").read_text()
        assert (html / "pagefind" / "pagefind.js").is_file()


@pytest.mark.hugo
@pytest.mark.skipif(os.name == "nt", reason="builds are locked with fcntl")
def test_a_killed_build_leaves_nothing_behind(tmp_path: Path) -> None:
    site = _site(tmp_path)
    _build(site)
    root = Site(site).builds
    (root / "build-killed" / "public" / "posts").mkdir(parents=True)
    (root / "build-killed.lock").touch()  # left by earlier versions
    (root / ".lock").touch()
    inside = site / "public" / install_module.IN_PUBLIC / "build-killed2"
    (inside / "public").mkdir(parents=True)
    _build(site)
    assert _builds(site) == []
    assert not inside.parent.exists()


class _Killed(BaseException):
    pass


@pytest.mark.hugo
def test_a_build_killed_while_installing_loses_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = _site(tmp_path, posts=12)
    _build(site)
    public = site / "public"
    before = set(_snapshot(public))
    (site / "content" / "posts" / f"{0:016x}.md").unlink()
    _new_post(site)
    order = install_order

    def killed_halfway(files: Iterable[str]) -> Iterator[str]:
        ordered = order(files)
        yield from ordered[: len(ordered) // 2]
        raise _Killed

    monkeypatch.setattr(install_module, "install_order", killed_halfway)
    with pytest.raises(_Killed):
        _build(site)
    assert before <= set(_snapshot(public))  # nothing was removed before all was in place
    monkeypatch.undo()
    _build(site)
    assert f"posts/{0:016x}/index.html" not in _snapshot(public)
    assert "Just in" in (public / "index.html").read_text()


@pytest.mark.hugo
@pytest.mark.skipif(os.name == "nt", reason="builds are locked with fcntl")
def test_two_builds_at_once_the_later_one_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = _site(tmp_path)
    _build(site)
    indexing = threading.Event()
    real = hugo_module.run_pagefind

    def slow(public: Path, hugo_output: str, **options: Any) -> hugo_module.Run:
        if threading.current_thread().name == "first":
            indexing.set()
            time.sleep(2)  # as a large site's search index takes a while
        return real(public, hugo_output, **options)

    monkeypatch.setattr(build_module, "run_pagefind", slow)
    results: list[BuildResult] = []
    first = threading.Thread(target=lambda: results.append(_build(site)), name="first")
    first.start()
    try:
        assert indexing.wait(30)
        _new_post(site)  # after the first build read the posts
        second = _build(site)
    finally:
        first.join()
    assert [r.returncode for r in (*results, second)] == [0, 0]
    assert "Just in" in (site / "public" / "index.html").read_text()
    assert (site / "public" / "posts" / "new" / "index.html").is_file()


@pytest.mark.hugo
@pytest.mark.skipif(os.name == "nt", reason="builds are locked with fcntl")
def test_a_build_waits_for_the_build_lock(tmp_path: Path) -> None:
    site = _site(tmp_path)
    with install_module.build_lock(site):  # another build, in this or another process
        waiting = threading.Thread(target=lambda: _build(site))
        waiting.start()
        waiting.join(1.5)
        assert waiting.is_alive()
        assert not (site / "public").exists()
    waiting.join(30)
    assert not waiting.is_alive()
    assert (site / "public" / "index.html").is_file()


def test_install_order_puts_what_is_linked_to_first() -> None:
    files = [
        "index.html",
        "index.xml",
        "404.html",
        "sitemap.xml",
        "page/2/index.html",
        "css/style.css",
        "posts/index.html",
        "posts/index.xml",
        "posts/a/index.html",
        "posts/a/photo.jpg",
        "posts/page/2/index.html",
        "tags/index.html",
        "tags/index.xml",
        "tags/x/index.html",
        "tags/x/index.xml",
        "tags/x/page/2/index.html",
        "de/index.html",
        "de/index.xml",
        "de/posts/b/index.html",
        "pagefind/pagefind.js",
        "pagefind/pagefind-entry.json",
        "pagefind/pagefind-ui.js",
        "pagefind/pagefind.en_0123456789.pf_meta",
        "pagefind/wasm.en.pagefind",
        "pagefind/index/en_0123456.pf_index",
        "pagefind/fragment/en_abcdef0.pf_fragment",
    ]
    order = install_order(reversed(files))
    assert sorted(order) == sorted(files)

    def before(first: str, then: str) -> None:
        assert order.index(first) < order.index(then), (first, then)

    chunks = ("pagefind/index/en_0123456.pf_index", "pagefind/fragment/en_abcdef0.pf_fragment")
    for chunk in chunks:
        before(chunk, "pagefind/pagefind.en_0123456789.pf_meta")
    before("pagefind/pagefind.en_0123456789.pf_meta", "posts/a/index.html")
    before("pagefind/pagefind-ui.js", "posts/a/index.html")
    before("css/style.css", "posts/a/index.html")
    before("posts/a/photo.jpg", "posts/a/index.html")
    for page in ("posts/a/index.html", "de/posts/b/index.html"):
        for listing in (
            "tags/x/page/2/index.html",
            "tags/x/index.html",
            "posts/page/2/index.html",
            "posts/index.html",
            "page/2/index.html",
            "de/index.html",
            "404.html",
            "sitemap.xml",
            "index.xml",
        ):
            before(page, listing)
    before("tags/x/index.html", "tags/index.html")
    assert order[-3:] == ["pagefind/pagefind-entry.json", "pagefind/pagefind.js", "index.html"]


def _tree(root: Path, files: dict[str, str]) -> Path:
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return root


def test_install_replaces_files_folders_and_pages_that_changed_kind(tmp_path: Path) -> None:
    target = _tree(
        tmp_path / "public",
        {
            "index.html": "old home",
            "a": "a file where the new site has a folder",
            "b/index.html": "a folder where the new site has a file",
            "b/.hidden": "inside a folder that goes",
            "gone/deep/index.html": "old page",
            ".git/HEAD": "kept",
        },
    )
    elsewhere = _tree(tmp_path / "elsewhere", {"old.jpg": "media"})
    (target / "media").symlink_to(elsewhere)  # a link to a folder the build writes into
    fresh = _tree(
        tmp_path / "fresh",
        {"index.html": "new home", "a/index.html": "new a", "b": "new b", "media/new.jpg": "n"},
    )
    install(fresh, target)
    assert _snapshot(target) == {
        ".git/HEAD": b"kept",
        "a/index.html": b"new a",
        "b": b"new b",
        "index.html": b"new home",
    }
    assert (target / "media").is_symlink()
    assert _snapshot(elsewhere) == {"new.jpg": b"n", "old.jpg": b"media"}
    assert [p for p in fresh.rglob("*") if not p.is_dir()] == []  # every file moved
