"""newsdesk: turn news feeds into a published Hugo site, article by article.

import newsdesk
cfg = newsdesk.load_config(site_dir)
report = newsdesk.run(site_dir, cfg)
result = newsdesk.extract(html, url)
"""

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
    "extract",
    "load_config",
    "run",
]
