"""The sections of ``newsdesk.toml`` other than ``[[sources]]``: ``[site]``, ``[posts]`` (and
the front matter a source may override), ``[fetch]``, ``[extract]``, ``[watch]``,
``[filters]``, ``[tags]``, ``[dedupe]`` and ``[translate]``. Each has a default for every key.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from newsdesk.config.durations import Duration
from newsdesk.config.fields import LanguageCode, Model, check_timezone, http_url, one_line

DEFAULT_WIDGETS = ("search", "recent", "taglist")


class SiteConfig(Model):
    """``[site]``: the Hugo site as a whole."""

    title: str = "newsdesk"
    """Site title shown in the header and the browser tab."""
    timezone: str = "UTC"
    """IANA time zone that post dates are written in."""
    language: LanguageCode = "en"
    """Site language code; also the post language when neither source nor page says."""
    base_url: str = "/"
    """Hugo ``baseURL`` for the built site."""
    description: str = Field(default="", max_length=500)
    """What the site is about: the meta description (and OpenGraph/Twitter card text) of
    every page that has no summary of its own."""
    rss_full_text: bool = False
    """RSS feeds carry each post's full text (``content:encoded``), not only its summary."""
    search_posts: int = Field(default=20_000, ge=0)
    """How many of the newest posts the search index holds (0: all). Pagefind's memory grows
    with the posts it indexes: about 9 GB at 100,000."""
    theme: str = Field(default="newsdesk", pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
    """Hugo theme: ``"newsdesk"`` is the built-in one; any other name is a folder in the
    site's ``themes/`` (a plain folder name, never a path)."""

    _tz = field_validator("timezone")(check_timezone)


Sidebar = Literal["right", "left", False]


class FrontMatterDefaults(Model):
    """Front matter keys of the Mainroad theme; ``[posts]`` sets them, a source may override."""

    menu: str = ""
    """Menu the post appears in (empty: none)."""
    thumbnail: str = ""
    """Thumbnail image: ``"auto"`` downloads the article's lead image and keeps it with the
    site (``static/thumbnails/``); ``"hotlink"`` names the lead image's own URL; any other
    value (a URL, a path of the site's) is written as it is."""
    lead: str = ""
    """Lead text shown above the title."""
    comments: bool = False
    """Show the comments block."""
    authorbox: bool = False
    """Show the author box."""
    pager: bool = True
    """Show previous/next links."""
    toc: bool = False
    """Show a table of contents."""
    mathjax: bool = False
    """Load MathJax on the page."""
    sidebar: Sidebar = "right"
    """Sidebar position: "right", "left" or false."""
    widgets: tuple[str, ...] = DEFAULT_WIDGETS
    """Sidebar widgets, in order."""
    draft: bool = False
    """Write posts as drafts (``draft: true``): off the built site until ``newsdesk approve``."""


class PostsConfig(FrontMatterDefaults):
    """``[posts]``: where and how posts are written."""

    section: str = "posts"
    """Posts go to ``content/<section>/``."""
    summary_words: int = Field(default=50, ge=1, le=1000)
    """The summary is the first N words of the body followed by ``...``."""
    body_style: Literal["paragraphs", "single"] = "paragraphs"
    """``paragraphs``: one block per paragraph; ``single``: the whole body on one line."""

    @field_validator("section")
    @classmethod
    def _plain_section(cls, value: str) -> str:
        if not value or not all(
            part.isidentifier() or part.replace("-", "_").isidentifier()
            for part in value.split("/")
        ):
            raise ValueError("must be a plain folder name like 'posts' or 'news/markets'")
        return value


class ImagesConfig(Model):
    """``[images]``: lead images that ``thumbnail = "auto"`` downloads and keeps with the site."""

    max_bytes: int = Field(default=5_000_000, ge=1024, le=100_000_000)
    """A larger image is not downloaded (the post goes out without one)."""
    max_pixels: int = Field(default=40_000_000, ge=10_000, le=89_000_000)
    """An image with more pixels than this is refused before it is decoded."""
    max_side: int = Field(default=2400, ge=64, le=10_000)
    """A longer side is scaled down to this when the image is stored."""


class FetchConfig(Model):
    """``[fetch]``: how newsdesk talks to other people's servers."""

    user_agent: str = Field(
        default="newsdesk/0.1 (+https://github.com/newsdesk/newsdesk)", min_length=1, max_length=500
    )
    """User-Agent header sent with every request."""
    contact: str = Field(default="", max_length=500)
    """A URL or address where site owners can reach you; appended to the User-Agent."""
    timeout: float = Field(default=20.0, gt=0, le=3600)
    """Total seconds allowed for one request, body included."""
    concurrency: int = Field(default=16, ge=1, le=256)
    """Requests in flight at once, all hosts together."""
    per_host: int = Field(default=2, ge=1, le=32)
    """Requests in flight at once to one host."""
    max_bytes: int = Field(default=10_000_000, ge=1024, le=2_000_000_000)
    """Largest response body read; longer ones are cut off and fail."""
    max_redirects: int = Field(default=10, ge=0, le=30)
    """Redirects followed before giving up."""
    max_attempts: int = Field(default=5, ge=1, le=1000)
    """An article is given up after this many failed attempts across runs."""
    min_delay: float = Field(default=1.0, ge=0, le=600)
    """Seconds between the starts of two requests to the same host."""
    retries: int = Field(default=2, ge=0, le=10)
    """Extra tries within one run for a transient failure (timeout, reset, 5xx, 429)."""
    backoff: float = Field(default=0.5, ge=0, le=60)
    """First retry waits about this many seconds, doubling each time, with jitter."""
    max_retry_wait: float = Field(default=30.0, ge=0, le=3600)
    """A longer Retry-After is not waited for in this run: the item or source is retried
    in a later one."""
    robots: bool = True
    """Check robots.txt before fetching an article (a source can turn it off)."""
    allow_private: bool = False
    """Let links from feeds and pages (and their redirects) reach loopback, private and other
    non-public addresses. The feed URL itself, and links to its exact origin, always may."""

    _header_safe = field_validator("user_agent", "contact")(one_line)

    @property
    def user_agent_header(self) -> str:
        """The User-Agent with the contact appended when one is configured."""
        return f"{self.user_agent} {self.contact}".strip() if self.contact else self.user_agent


class ExtractConfig(Model):
    """``[extract]``: turning pages into text."""

    min_words: int = Field(default=30, ge=1, le=100_000)
    """A page with fewer words falls back to the feed's own content."""
    workers: int = Field(default=0, ge=0, le=64)
    """Processes extracting pages in parallel (0: one per CPU core)."""


class WatchConfig(Model):
    """``[watch]``: the ``newsdesk watch`` daemon."""

    interval: Duration = 900.0
    """How often each source is polled (seconds, or "15m"); a source may override it."""
    jitter: float = Field(default=0.1, ge=0, le=1)
    """Each poll time moves by up to this fraction of the interval, so sources spread out."""
    debounce: Duration = 30.0
    """After something new is published, wait this long for more before rebuilding the site."""
    build: bool = True
    """Rebuild the site (Hugo and search) when something new was published."""
    metrics: str = ""
    """Serve Prometheus metrics at ``http://HOST:PORT/metrics`` (e.g. "127.0.0.1:9108");
    empty: none."""

    @field_validator("metrics")
    @classmethod
    def _host_and_port(cls, value: str) -> str:
        if not value:
            return value
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"expected HOST:PORT like '127.0.0.1:9108', got {value!r}")
        return value


class FilterRules(Model):
    """Which items are published: ``[filters]`` for all sources, ``filters`` per source."""

    include: tuple[str, ...] = ()
    """Publish only items whose title or body matches one of these (a keyword, or /regex/)."""
    exclude: tuple[str, ...] = ()
    """Skip items whose title or body matches one of these (a keyword, or /regex/)."""
    min_words: int = Field(default=0, ge=0, le=1_000_000)
    """Skip items with fewer words in the body."""
    max_age: Duration | None = None
    """Skip items published longer ago than this (seconds, or "2d", "12h")."""
    languages: tuple[LanguageCode, ...] = ()
    """Publish only items in these languages (empty: any)."""

    @field_validator("include", "exclude")
    @classmethod
    def _valid_patterns(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        for value in values:
            if len(value) > 1 and value.startswith("/") and value.endswith("/"):
                try:
                    re.compile(value[1:-1])
                except re.error as exc:
                    raise ValueError(f"bad regular expression {value!r}: {exc}") from None
        return values


class TagsConfig(Model):
    """``[tags]``: tags beyond the source's name."""

    tickers: bool = False
    """Tag ticker symbols found in the text, like ``NYSE:TM`` or ``(TSX:RY)``."""
    keywords: dict[str, str] = Field(default_factory=dict)
    """Keyword or phrase -> tag; matched case-insensitively on word boundaries."""
    max: int = Field(default=10, ge=1, le=100)
    """At most this many tags per post."""


NotifyEvent = Literal["published", "failed_source"]


class NotifyConfig(Model):
    """``[[notify]]``: a webhook told what a run did."""

    url: str
    """Where the JSON is POSTed (an address of your own: any host, private ones included)."""
    sources: tuple[str, ...] = ()
    """Only these sources' events (empty: every source)."""
    events: tuple[NotifyEvent, ...] = ("published",)
    """``published``: the posts a run wrote; ``failed_source``: the feeds that failed."""

    _url = field_validator("url")(http_url)


class DedupeConfig(Model):
    """``[dedupe]``: the same story arriving through several sources."""

    mode: Literal["skip", "link", "off"] = "skip"
    """``skip`` the later copy, add it to the first post as another source ``link``, or ``off``."""
    threshold: float = Field(default=0.5, gt=0, le=1)
    """Two texts sharing at least this fraction of their 3-word shingles (estimated Jaccard
    similarity) are the same story."""


class TranslateConfig(Model):
    """``[translate]``: machine translations written next to each post."""

    to: tuple[LanguageCode, ...] = ()
    """Languages to translate every post into, e.g. ["ja", "de"]."""
    backend: Literal["openai", "argos"] = "openai"
    """``openai``: any OpenAI-compatible chat-completions server; ``argos``: offline models."""
    url: str = "http://127.0.0.1:8080/v1"
    """Base URL of the chat-completions API (llama.cpp, vLLM, Ollama, or a hosted one)."""
    model: str = "default"
    """Model name sent to the API."""
    api_key_env: str = "OPENAI_API_KEY"
    """Environment variable holding the API key (none needed for local servers)."""
    timeout: float = Field(default=120.0, gt=0, le=3600)
    """Seconds for one translation request."""
    max_attempts: int = Field(default=10, ge=1, le=1000)
    """Tries of one post's translation, the first included, before it is given up: a
    backend that was down is tried again by each later run (a 4xx answer is not)."""
