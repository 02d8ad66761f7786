"""``[[sources]]``: one feed, with its own overrides of the global settings and front matter."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from newsdesk.config.durations import Duration
from newsdesk.config.fields import LanguageCode, Model, check_timezone, http_url
from newsdesk.config.sections import FetchConfig, FilterRules, FrontMatterDefaults, Sidebar


class SourceConfig(Model):
    """``[[sources]]``: one feed or sitemap."""

    name: str
    """Unique name; used as category, tag and source link text."""
    url: str
    """Feed URL (RSS, Atom, RDF or JSON Feed), or a sitemap's (a urlset, a sitemap index, or
    a Google News sitemap; gzip or not)."""
    type: Literal["auto", "feed", "sitemap"] = "auto"
    """What ``url`` is: ``auto`` tells a sitemap from a feed by the document itself."""
    max_entries: int = Field(default=200, ge=1, le=50_000)
    """A sitemap source registers at most this many new items per poll, the newest first
    (the rest come with the next polls)."""
    lang: LanguageCode | None = None
    """Language of the source's posts; detected from the page when unset."""
    categories: tuple[str, ...] | None = None
    """Post categories (default: the source name)."""
    tags: tuple[str, ...] | None = None
    """Post tags (default: the source name)."""
    feed_timezone: str = "UTC"
    """Time zone of feed dates that carry none (investing.com's ``YYYY-MM-DD HH:MM:SS``)."""
    enabled: bool = True
    """Set to false to stop polling the source without forgetting it."""
    robots: bool | None = None
    """Check robots.txt for this source's articles (default: ``[fetch].robots``)."""
    allow_private: bool | None = None
    """Let this source's links reach non-public addresses (default: ``[fetch].allow_private``)."""
    extra_tags: tuple[str, ...] = ()
    """Tags added to every post of this source."""
    filters: FilterRules | None = None
    """Filters for this source, applied after the global ``[filters]``."""
    interval: Duration | None = None
    """Poll interval for ``newsdesk watch`` (default: ``[watch].interval``)."""
    menu: str | None = None
    thumbnail: str | None = None
    lead: str | None = None
    comments: bool | None = None
    authorbox: bool | None = None
    pager: bool | None = None
    toc: bool | None = None
    mathjax: bool | None = None
    sidebar: Sidebar | None = None
    widgets: tuple[str, ...] | None = None
    draft: bool | None = None

    _tz = field_validator("feed_timezone")(check_timezone)

    @field_validator("name")
    @classmethod
    def _sane_name(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must not be empty")
        if any(ch in value for ch in "\r\n\t") or len(value) > 100:
            raise ValueError("must be one short line of text")
        return value

    _url = field_validator("url")(http_url)

    def checks_robots(self, fetch: FetchConfig) -> bool:
        """Whether robots.txt is checked for this source's articles."""
        return self.robots if self.robots is not None else fetch.robots

    def front_matter(self, defaults: FrontMatterDefaults) -> FrontMatterDefaults:
        """The front matter options for this source: its overrides on top of ``defaults``."""
        names = FrontMatterDefaults.model_fields
        overrides = {k: v for k in names if (v := getattr(self, k)) is not None}
        base = {k: getattr(defaults, k) for k in names}
        return FrontMatterDefaults(**{**base, **overrides})
