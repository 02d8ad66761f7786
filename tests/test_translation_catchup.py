"""Translations that catch up: a language whose backend was down when its post was published
is written by a later run; a 4xx is not tried again; a re-extracted post's translations
follow its new text. Through the real CLI, with a local chat-completions server."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from newsdesk.config import load_config
from newsdesk.layout import Site
from newsdesk.store import open_store
from tests.helpers import cli, write_site
from tests.pages import investing_current_page, investing_feed, story_text
from tests.server import LocalServer, chat_backend

TEXT = story_text("a story to translate", 60)


def _site(tmp_path: Path, server: LocalServer, api: str, to: list[str]) -> Path:
    page = server.add("/wire/s", investing_current_page("Yen slides", [("p", TEXT)]))
    feed = server.add(
        "/wire.rss",
        investing_feed([{"title": "Yen slides", "date": "2026-11-20 10:00:00", "link": page}]),
    )
    return write_site(
        tmp_path / "site",
        [{"name": "wire", "url": feed}],
        fetch={"robots": False, "retries": 0},
        extract={"workers": 1},
        translate={"to": to, "url": api, "model": "test"},
    )


def _translations(post: Path) -> list[str]:
    data = yaml.safe_load(post.read_text().split("---\n")[1])
    return list(data["translations"])


def _main(site: Path) -> Path:
    return next(p for p in (site / "content" / "posts").glob("*.md") if p.name.count(".") == 1)


def _run(site: Path) -> str:
    done = cli("run", "--site", str(site), "--force")
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _status(site: Path) -> str:
    done = cli("status", "--site", str(site))
    assert done.returncode == 0, done.stderr
    return " ".join(done.stdout.split())


def test_a_backend_down_in_one_run_and_up_in_the_next_fills_the_language(
    tmp_path: Path, server: LocalServer
) -> None:
    calls: list[str] = []
    answers = {"de": 503}
    site = _site(tmp_path, server, chat_backend(server, calls, answers), ["ja", "de"])
    _run(site)
    main = _main(site)
    ja, de = main.with_name(main.stem + ".ja.md"), main.with_name(main.stem + ".de.md")
    assert ja.exists()
    assert not de.exists()
    assert _translations(main) == ["en", "ja"]
    status = _status(site)
    assert "translations: 1 waiting for the next run, 0 given up" in status
    assert "the backend failed 1 time(s)" in status
    assert "503" in status

    answers.clear()  # the backend is back
    out = _run(site)
    assert "translations of earlier posts: 1 written, 0 failed, 0 still waiting" in out
    assert de.exists()
    front, body = de.read_text().split("---\n")[1:3]
    assert 'title: "[de] Yen slides"' in front
    assert "\\[de\\] " in body
    # Every post of the story lists the new language; the main post keeps its bytes otherwise.
    assert _translations(main) == ["en", "ja", "de"]
    assert _translations(ja) == ["en", "ja", "de"]
    assert _translations(de) == ["en", "ja", "de"]
    assert "translations: 0 waiting for the next run" in _status(site)
    before = len(calls)
    _run(site)
    assert len(calls) == before  # nothing left to catch up
    assert cli("build", "--site", str(site)).returncode == 0


def test_a_refusal_is_not_tried_again(tmp_path: Path, server: LocalServer) -> None:
    calls: list[str] = []
    site = _site(tmp_path, server, chat_backend(server, calls, {"fr": 400}), ["fr"])
    _run(site)
    assert calls == ["fr"]
    assert "0 waiting for the next run, 1 given up" in _status(site)
    _run(site)
    assert calls == ["fr"]  # a 4xx is never retried


def test_a_post_gone_since_drops_its_waiting_translation(
    tmp_path: Path, server: LocalServer
) -> None:
    calls: list[str] = []
    answers = {"de": 503}
    site = _site(tmp_path, server, chat_backend(server, calls, answers), ["de"])
    _run(site)
    main = _main(site)
    assert cli("prune", "--site", str(site), "--older-than", "0s").returncode == 0
    assert not main.exists()
    answers.clear()
    _run(site)
    assert "de" not in calls[1:]
    assert "translations:" not in _status(site)  # nothing waits


def test_a_reextracted_post_has_its_translations_made_again(
    tmp_path: Path, server: LocalServer
) -> None:
    calls: list[str] = []
    site = _site(tmp_path, server, chat_backend(server, calls, {}), ["ja"])
    _run(site)
    main = _main(site)
    ja = main.with_name(main.stem + ".ja.md")
    ja_front = ja.read_text().split("---\n")[1]
    added = "The ministry declined to comment further on the matter this week."
    server.add("/wire/s", investing_current_page("Yen slides", [("p", TEXT), ("p", added)]))
    done = cli("reextract", "--site", str(site))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "their translations: 1 made again, 0 failed" in done.stdout
    text = ja.read_text()
    assert f"\\[ja\\] {added}" in text
    assert text.split("---\n")[1].replace(_summary(text), "") == ja_front.replace(
        _summary("---\n" + ja_front + "---\n"), ""
    )  # its front matter kept, but for the summary
    cfg = load_config(site)
    with open_store(Site(site), cfg.state.url) as store:
        assert store.translation_backlog().waiting == 0


def _summary(text: str) -> str:
    match = re.search(r'\nsummary: "[^\n]*"', text)
    assert match is not None
    return match.group(0)


def test_a_run_killed_between_a_translation_and_the_lists_is_finished_later(
    tmp_path: Path, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import newsdesk.publish.translations as catchup
    from newsdesk.pipeline import run
    from newsdesk.runtime import RunOptions

    answers = {"de": 503}
    site = _site(tmp_path, server, chat_backend(server, [], answers), ["de"])
    _run(site)
    main = _main(site)
    de = main.with_name(main.stem + ".de.md")
    answers.clear()

    def killed(old: str, language: str) -> str:
        raise KeyboardInterrupt  # the process dies right after the translation was written

    monkeypatch.setattr(catchup, "with_language", killed)
    with pytest.raises(KeyboardInterrupt):
        run(site, options=RunOptions(force=True))
    monkeypatch.undo()
    assert de.exists()
    assert _translations(main) == ["en"]
    _run(site)
    assert _translations(main) == ["en", "de"]
    assert _translations(de) == ["en", "de"]


def test_a_waiting_translation_is_made_from_the_reextracted_text(
    tmp_path: Path, server: LocalServer
) -> None:
    answers = {"de": 503}
    site = _site(tmp_path, server, chat_backend(server, [], answers), ["de"])
    _run(site)
    added = "The ministry declined to comment further on the matter this week."
    server.add("/wire/s", investing_current_page("Yen slides", [("p", TEXT), ("p", added)]))
    done = cli("reextract", "--site", str(site))
    assert done.returncode == 0, done.stdout + done.stderr
    answers.clear()
    _run(site)
    main = _main(site)
    assert f"\\[de\\] {added}" in main.with_name(main.stem + ".de.md").read_text()


def test_a_reextract_killed_after_its_write_still_refreshes_the_translations(
    tmp_path: Path, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import newsdesk.reextract as module

    site = _site(tmp_path, server, chat_backend(server, [], {}), ["ja"])
    _run(site)
    main = _main(site)
    added = "The ministry declined to comment further on the matter this week."
    server.add("/wire/s", investing_current_page("Yen slides", [("p", TEXT), ("p", added)]))
    from newsdesk.publish.files import write_atomic as write

    def write_then_die(path: Path, text: str) -> None:
        write(path, text)
        raise KeyboardInterrupt

    monkeypatch.setattr(module, "write_atomic", write_then_die)
    with pytest.raises(KeyboardInterrupt):
        module.reextract(site)
    monkeypatch.undo()
    assert added in main.read_text()
    _run(site)  # the next run finds the translation waiting
    assert f"\\[ja\\] {added}" in main.with_name(main.stem + ".ja.md").read_text()


def test_a_refusal_is_tried_again_once_the_backend_configuration_changes(
    tmp_path: Path, server: LocalServer
) -> None:
    calls: list[str] = []
    answers = {"fr": 404}  # a wrong URL or model
    site = _site(tmp_path, server, chat_backend(server, calls, answers), ["fr"])
    _run(site)
    assert "1 given up" in _status(site)
    answers.clear()
    config = site / "newsdesk.toml"
    config.write_text(config.read_text().replace('model = "test"', 'model = "fixed"'))
    out = _run(site)
    assert "translations of earlier posts: 1 written" in out
    assert calls == ["fr"] * 3  # refused at the title; then the title and the body
