"""The typed configuration model, read from ``newsdesk.toml`` in the site folder.

Every section has defaults except ``[[sources]]``. With the defaults the front matter of a post
matches the Mainroad-style reference post; ``body_style = "single"`` makes the whole file match.

The names below are the public API; the modules hold them by concern: ``durations`` (duration
values), ``fields`` (the base model and checked value types), ``sections`` (the global
sections), ``sources`` (``[[sources]]``), ``document`` (the whole file) and ``loading``
(reading and validating it).
"""

from newsdesk.config.document import Config
from newsdesk.config.durations import MAX_DURATION, Duration, parse_duration
from newsdesk.config.fields import LanguageCode
from newsdesk.config.loading import load_config, parse_config
from newsdesk.config.scale import DEFAULT_STATE_URL, QueueConfig, StateConfig, StoreConfig
from newsdesk.config.sections import (
    DEFAULT_WIDGETS,
    DedupeConfig,
    ExtractConfig,
    FetchConfig,
    FilterRules,
    FrontMatterDefaults,
    ImagesConfig,
    NotifyConfig,
    PostsConfig,
    Sidebar,
    SiteConfig,
    TagsConfig,
    TranslateConfig,
    WatchConfig,
)
from newsdesk.config.sources import SourceConfig
from newsdesk.layout import CONFIG_FILE

__all__ = [
    "CONFIG_FILE",
    "DEFAULT_STATE_URL",
    "DEFAULT_WIDGETS",
    "MAX_DURATION",
    "Config",
    "DedupeConfig",
    "Duration",
    "ExtractConfig",
    "FetchConfig",
    "FilterRules",
    "FrontMatterDefaults",
    "ImagesConfig",
    "NotifyConfig",
    "LanguageCode",
    "PostsConfig",
    "QueueConfig",
    "Sidebar",
    "SiteConfig",
    "SourceConfig",
    "StateConfig",
    "StoreConfig",
    "TagsConfig",
    "TranslateConfig",
    "WatchConfig",
    "load_config",
    "parse_config",
    "parse_duration",
]
