"""The public API is what ``__all__`` says, and starting the command line stays light."""

from __future__ import annotations

import subprocess
import sys

import pytest

import newsdesk
import newsdesk.store

# pydantic is left out: typer itself imports it to render a command's help.
HEAVY = ("trafilatura", "lxml", "httpx", "feedparser", "newsdesk.pipeline", "newsdesk.config")


def test_the_package_exports_exactly_its_api() -> None:
    assert sorted(newsdesk.__all__) == [
        "Article",
        "Block",
        "Config",
        "Extracted",
        "FeedEntry",
        "NewsdeskError",
        "__version__",
        "extract",
        "load_config",
        "run",
    ]
    for name in newsdesk.__all__:
        assert getattr(newsdesk, name) is not None
    assert newsdesk.run.__module__ == "newsdesk.pipeline"
    with pytest.raises(AttributeError, match="no attribute 'Store'"):
        _ = newsdesk.Store


def test_the_store_exports_its_protocol_records_and_default_backend() -> None:
    assert set(newsdesk.store.__all__) == {
        "FAILED",
        "NEW",
        "PRUNED",
        "PUBLISHED",
        "PUBLISHING",
        "READY",
        "SKIPPED",
        "Conflict",
        "DayActivity",
        "ItemRecord",
        "ItemStatus",
        "KeptPage",
        "PendingItem",
        "PollRecord",
        "Publication",
        "OutboxEntry",
        "SQLiteStore",
        "SitemapFile",
        "SourceState",
        "SourceStatus",
        "StateStore",
        "StateURLError",
        "TranslationBacklog",
        "TranslationDue",
        "WorkerSeen",
        "copy_state",
        "describe_state_url",
        "open_store",
        "site_lock",
        "snapshot_store",
    }
    for name in newsdesk.store.__all__:
        assert getattr(newsdesk.store, name) is not None


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["run", "--help"]])
def test_help_and_version_import_no_heavy_library(argv: list[str]) -> None:
    probe = (
        "import sys\n"
        f"sys.argv = ['newsdesk', *{argv!r}]\n"
        "from newsdesk.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r} or m in {HEAVY!r}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    loaded = done.stdout.strip().splitlines()[-1]
    assert loaded == "[]", loaded
    if argv == ["--version"]:
        assert done.stdout.startswith(f"newsdesk {newsdesk.__version__}\n")
