"""newsdesk: turn news feeds into a published Hugo site, article by article.

import newsdesk
cfg = newsdesk.load_config(site_dir)
report = newsdesk.run(site_dir, cfg)
result = newsdesk.extract(html, url)

Names are imported on first use, so that ``newsdesk --help`` and ``--version`` start fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from newsdesk.config import Config, load_config
    from newsdesk.errors import NewsdeskError
    from newsdesk.extraction import extract
    from newsdesk.models import Article, Block, Extracted, FeedEntry
    from newsdesk.pipeline import run

__version__ = "0.1.0"
__all__ = [
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

_HOMES = {
    "Article": "newsdesk.models",
    "Block": "newsdesk.models",
    "Config": "newsdesk.config",
    "Extracted": "newsdesk.models",
    "FeedEntry": "newsdesk.models",
    "NewsdeskError": "newsdesk.errors",
    "extract": "newsdesk.extraction",
    "load_config": "newsdesk.config",
    "run": "newsdesk.pipeline",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'newsdesk' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
