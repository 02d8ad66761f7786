"""Drafts: ``[posts] draft = true`` (or per source) keeps posts off the built site until
``newsdesk approve``; ``newsdesk reject`` deletes one for good. Through the real CLI against
the local fixture server and the real Hugo build."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import cli
from tests.pages import story_feed
from tests.server import LocalServer


def _site(tmp_path: Path, server: LocalServer, draft_source: str = "") -> Path:
    site = tmp_path / "site"
    site.mkdir()
    text = "[fetch]\nmin_delay = 0\nrobots = false\n[extract]\nworkers = 1\n"
    if not draft_source:
        text += "[posts]\ndraft = true\n"
    for name in ("wire", "desk"):
        feed = story_feed(server, name, [f"{name} story {n}" for n in range(2)])
        text += f'[[sources]]\nname = "{name}"\nurl = "{feed}"\n'
        if name == draft_source:
            text += "draft = true\n"
    (site / "newsdesk.toml").write_text(text)
    done = cli("run", "--site", str(site))
    assert done.returncode == 0, done.stdout + done.stderr
    return site


def _ids(site: Path) -> list[str]:
    return sorted(p.stem for p in (site / "content" / "posts").glob("*.md"))


def _built(site: Path) -> list[str]:
    posts = site / "public" / "posts"
    return sorted(p.parent.name for p in posts.glob("*/index.html") if p.parent.name != "page")


def test_drafts_stay_off_the_site_until_approved(tmp_path: Path, server: LocalServer) -> None:
    site = _site(tmp_path, server)
    ids = _ids(site)
    assert len(ids) == 4
    assert all(
        "\ndraft: true\n" in (site / "content" / "posts" / f"{i}.md").read_text() for i in ids
    )
    assert cli("build", "--site", str(site)).returncode == 0
    assert _built(site) == []
    status = cli("status", "--site", str(site))
    assert "4 draft(s) waiting (2 from desk, 2 from wire)" in " ".join(status.stdout.split())
    records = json.loads(cli("status", "--site", str(site), "--json").stdout)
    assert [r["drafts"] for r in records] == [2, 2]

    done = cli("approve", ids[0], "--site", str(site))
    assert done.returncode == 0, done.stderr
    assert "approved 1 draft(s)" in done.stdout
    assert cli("approve", "--source", "wire", "--site", str(site)).returncode == 0
    assert cli("build", "--site", str(site)).returncode == 0
    built = _built(site)
    assert ids[0] in built
    assert len(built) >= 2  # the one named, and wire's
    approved = (site / "content" / "posts" / f"{ids[0]}.md").read_text()
    assert "draft:" not in approved
    assert approved.endswith(")\n")  # the body and source link untouched


def test_a_rejected_draft_never_comes_back(tmp_path: Path, server: LocalServer) -> None:
    site = _site(tmp_path, server)
    victim, *others = _ids(site)
    done = cli("reject", victim, "--site", str(site))
    assert done.returncode == 0, done.stderr
    assert _ids(site) == others
    again = cli("run", "--site", str(site), "--force")  # the feed still lists it
    assert again.returncode == 0, again.stderr
    assert _ids(site) == others
    missing = cli("approve", victim, "--site", str(site))
    assert missing.returncode == 1
    assert f"not drafts of this site: {victim}" in missing.stderr
    nothing = cli("approve", "--site", str(site))
    assert nothing.returncode == 1
    assert "--source NAME or --all" in nothing.stderr


def test_a_source_can_be_drafted_alone(tmp_path: Path, server: LocalServer) -> None:
    site = _site(tmp_path, server, draft_source="desk")
    assert cli("build", "--site", str(site)).returncode == 0
    assert len(_built(site)) == 2  # wire's posts; desk's wait
    assert cli("approve", "--all", "--site", str(site)).returncode == 0
    assert cli("build", "--site", str(site)).returncode == 0
    assert len(_built(site)) == 4
