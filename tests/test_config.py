"""An invalid newsdesk.toml gets one clear message naming the key, and exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsdesk.config import CONFIG_FILE, load_config
from newsdesk.errors import ConfigError
from newsdesk.site import init_site
from tests.helpers import cli


def _site(tmp_path: Path, text: str) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    (site / CONFIG_FILE).write_text(text, encoding="utf-8")
    return site


@pytest.mark.slow  # three commands in a subprocess per case
@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[[sources]]\nname = "a"\nurl = "https://a.test/f"\nnme = "x"\n',
            "sources[0].nme: unknown key",
        ),
        (
            '[posts]\nsummary_words = "fifty"\n',
            "posts.summary_words: expected a whole number (got 'fifty')",
        ),
        (
            '[[sources]]\nname = "a"\nurl = "https://a.test/1"\n'
            '[[sources]]\nname = "a"\nurl = "https://a.test/2"\n',
            "duplicate source name 'a'",
        ),
        ('[site]\ntimezone = "Mars/Olympus"\n', "site.timezone: unknown time zone 'Mars/Olympus'"),
        ('[posts]\nbody_style = "columns"\n', "posts.body_style: must be one of 'paragraphs' or"),
        ('[[sources]]\nname = "a"\nurl = "ftp://a.test/f"\n', "sources[0].url: must be an http(s)"),
        ('[[sources]]\nname = "a"\n', "sources[0].url: required key is missing"),
        ("[site\n", "is not valid TOML"),
        ("[bogus]\nx = 1\n", "bogus: unknown key"),
        ('[translate]\nto = ["../x"]\n', "translate.to[0]: expected a language code"),
    ],
)
def test_invalid_config_exits_2_with_one_clear_message(
    tmp_path: Path, text: str, message: str
) -> None:
    site = _site(tmp_path, text)
    for command in ("run", "status", "build"):
        done = cli(command, "--site", str(site))
        assert done.returncode == 2, (command, done.stdout, done.stderr)
        assert message in done.stderr
        assert "Traceback" not in done.stderr
        assert done.stderr.count("error:") == 1


def test_missing_config_names_the_file(tmp_path: Path) -> None:
    done = cli("run", "--site", str(tmp_path / "nowhere"))
    assert done.returncode == 2
    assert "newsdesk.toml not found" in done.stderr


def test_init_writes_a_valid_commented_config(tmp_path: Path) -> None:
    done = cli("init", str(tmp_path / "mysite"), "--title", 'Market "Wire"')
    assert done.returncode == 0, done.stderr
    cfg = load_config(tmp_path / "mysite")
    assert cfg.site.title == 'Market "Wire"'
    assert cfg.posts.summary_words == 50
    assert cfg.posts.body_style == "paragraphs"
    assert "# [[sources]]" in (tmp_path / "mysite" / CONFIG_FILE).read_text()
    again = cli("init", str(tmp_path / "mysite"))
    assert again.returncode == 1
    assert "already exists" in again.stderr


def test_source_front_matter_overrides(tmp_path: Path) -> None:
    init_site(
        tmp_path / "s",
        sources='[[sources]]\nname = "x"\nurl = "https://x.test/"\n'
        'sidebar = false\nwidgets = ["recent"]\n',
    )
    cfg = load_config(tmp_path / "s")
    options = cfg.sources[0].front_matter(cfg.posts)
    assert options.sidebar is False
    assert options.widgets == ("recent",)
    assert options.pager is True


def test_language_codes_are_lowercased(tmp_path: Path) -> None:
    site = _site(
        tmp_path,
        '[site]\nlanguage = "EN"\n[filters]\nlanguages = ["DE"]\n'
        '[[sources]]\nname = "a"\nurl = "https://a.test/f"\nlang = "Pt-BR"\n',
    )
    cfg = load_config(site)
    assert (cfg.site.language, cfg.filters.languages, cfg.sources[0].lang) == (
        "en",
        ("de",),
        "pt-br",
    )


def test_config_errors_are_in_newsdesks_words_and_suggest_the_key_meant(tmp_path: Path) -> None:
    (tmp_path / "newsdesk.toml").write_text(
        '[fetch]\ntimout = 3\nconcurrency = "abc"\nmax_attempts = 0\n'
        '[site]\ntitel = "x"\n[posts]\nsidebar = "middle"\n'
        '[[sources]]\nname = "a"\nurll = "https://x.test/"\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    message = str(caught.value)
    assert "fetch.timout: unknown key (did you mean 'timeout'?)" in message
    assert "site.titel: unknown key (did you mean 'title'?)" in message
    assert "sources[0].urll: unknown key (did you mean 'url'?)" in message
    assert "fetch.concurrency: expected a whole number (got 'abc')" in message
    assert "fetch.max_attempts: must be at least 1 (got 0)" in message
    assert "posts.sidebar: must be one of 'right', 'left' or false (got 'middle')" in message
    assert "Input should be" not in message  # never the validation library's wording


def test_a_time_zone_too_long_for_a_file_name_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "newsdesk.toml").write_text(f'[site]\ntimezone = "{"9" * 400}"\n')
    with pytest.raises(ConfigError, match=r"site.timezone: unknown time zone '9{60}\.\.\.'"):
        load_config(tmp_path)


@pytest.mark.parametrize("value", ["9108", "localhost:", ":9108", "127.0.0.1:99999", "x:y"])
def test_watch_metrics_needs_host_and_port(tmp_path: Path, value: str) -> None:
    (tmp_path / "newsdesk.toml").write_text(f'[watch]\nmetrics = "{value}"\n')
    with pytest.raises(ConfigError, match=r"watch.metrics: expected HOST:PORT"):
        load_config(tmp_path)
