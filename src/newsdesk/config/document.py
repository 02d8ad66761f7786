"""The whole ``newsdesk.toml`` as one model: every section, and the sources by unique name."""

from __future__ import annotations

from pydantic import model_validator

from newsdesk.config.fields import Model
from newsdesk.config.scale import QueueConfig, StateConfig, StoreConfig
from newsdesk.config.sections import (
    DedupeConfig,
    ExtractConfig,
    FetchConfig,
    FilterRules,
    ImagesConfig,
    NotifyConfig,
    PostsConfig,
    SiteConfig,
    TagsConfig,
    TranslateConfig,
    WatchConfig,
)
from newsdesk.config.sources import SourceConfig


class Config(Model):
    """The whole ``newsdesk.toml``."""

    site: SiteConfig = SiteConfig()
    posts: PostsConfig = PostsConfig()
    images: ImagesConfig = ImagesConfig()
    fetch: FetchConfig = FetchConfig()
    extract: ExtractConfig = ExtractConfig()
    watch: WatchConfig = WatchConfig()
    tags: TagsConfig = TagsConfig()
    filters: FilterRules = FilterRules()
    dedupe: DedupeConfig = DedupeConfig()
    translate: TranslateConfig = TranslateConfig()
    state: StateConfig = StateConfig()
    store: StoreConfig = StoreConfig()
    queue: QueueConfig = QueueConfig()
    sources: tuple[SourceConfig, ...] = ()
    notify: tuple[NotifyConfig, ...] = ()

    @model_validator(mode="after")
    def _unique_names(self) -> Config:
        seen: set[str] = set()
        for source in self.sources:
            if source.name in seen:
                raise ValueError(f"duplicate source name {source.name!r}: names must be unique")
            seen.add(source.name)
        return self

    def source(self, name: str) -> SourceConfig:
        """The source called ``name``."""
        for source in self.sources:
            if source.name == name:
                return source
        raise KeyError(name)
