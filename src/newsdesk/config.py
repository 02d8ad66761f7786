"""The typed configuration model, read from ``newsdesk.toml`` in the site folder.

Every section has defaults except ``[[sources]]``. With the defaults the front matter of a post
matches the Mainroad-style reference post; ``body_style = "single"`` makes the whole file match.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from newsdesk.errors import ConfigError

CONFIG_FILE = "newsdesk.toml"
DEFAULT_WIDGETS = ("search", "recent", "taglist")


class _Model(BaseModel):
    # No inf or nan anywhere: "timeout = inf" is refused here, not by a crash in a later run.
    model_config = ConfigDict(
        extra="forbid", use_attribute_docstrings=True, frozen=True, allow_inf_nan=False
    )


_DURATION = re.compile(r"^\s*([0-9]{1,12}(?:\.[0-9]{1,9})?)\s*(ms|s|m|h|d)?\s*$")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}
MAX_DURATION = 3650 * 86400.0
"""Ten years: the longest duration any setting or flag takes (and far below what overflows
a date)."""


def _seconds(value: object) -> object:
    """``90``, ``"90s"``, ``"15m"``, ``"1h"``, ``"7d"`` -> seconds (other values pass through
    to pydantic's own error)."""
    if isinstance(value, str):
        match = _DURATION.match(value)
        if not match:
            raise ValueError(f"expected a duration like '90s', '15m' or '1h', got {value!r}")
        return float(match.group(1)) * _UNITS[match.group(2)]
    return value


Duration = Annotated[float, BeforeValidator(_seconds), Field(ge=0, le=MAX_DURATION)]


_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")


def _language_code(value: object) -> object:
    """``"EN"`` -> ``"en"``; a code is also a file-name part (``<id>.<lang>.md``) and a Hugo
    language key, so anything but ``xx``, ``xxx`` or ``xx-yyyy`` is refused."""
    if isinstance(value, str):
        code = value.strip().lower()
        if not _LANGUAGE_CODE.match(code):
            raise ValueError(f"expected a language code like 'en', 'pt-br', got {value!r}")
        return code
    return value


LanguageCode = Annotated[str, BeforeValidator(_language_code)]


def parse_duration(text: str) -> float:
    """Seconds in a duration like "90d", "12h", "15m" or "30" (at most ten years); raise
    ValueError for anything else."""
    seconds = float(_seconds(text))  # type: ignore[arg-type]  # a str always gives a float
    if seconds > MAX_DURATION:
        raise ValueError(f"{text!r} is longer than the ten years newsdesk accepts")
    return seconds


def _one_line(value: str) -> str:
    """Header values and names: no control characters (a newline would split a header)."""
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        raise ValueError("must be one line of text without control characters")
    return value


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r} (use an IANA name like 'UTC')") from None
    return value


class SiteConfig(_Model):
    """``[site]``: the Hugo site as a whole."""

    title: str = "newsdesk"
    """Site title shown in the header and the browser tab."""
    timezone: str = "UTC"
    """IANA time zone that post dates are written in."""
    language: LanguageCode = "en"
    """Site language code; also the post language when neither source nor page says."""
    base_url: str = "/"
    """Hugo ``baseURL`` for the built site."""

    _tz = field_validator("timezone")(_check_timezone)


Sidebar = Literal["right", "left", False]


class FrontMatterDefaults(_Model):
    """Front matter keys of the Mainroad theme; ``[posts]`` sets them, a source may override."""

    menu: str = ""
    """Menu the post appears in (empty: none)."""
    thumbnail: str = ""
    """Thumbnail image URL; ``"auto"`` uses the article's lead image."""
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


class FetchConfig(_Model):
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

    _header_safe = field_validator("user_agent", "contact")(_one_line)

    @property
    def user_agent_header(self) -> str:
        """The User-Agent with the contact appended when one is configured."""
        return f"{self.user_agent} {self.contact}".strip() if self.contact else self.user_agent


class ExtractConfig(_Model):
    """``[extract]``: turning pages into text."""

    min_words: int = Field(default=30, ge=1, le=100_000)
    """A page with fewer words falls back to the feed's own content."""
    workers: int = Field(default=0, ge=0, le=64)
    """Processes extracting pages in parallel (0: one per CPU core)."""


class WatchConfig(_Model):
    """``[watch]``: the ``newsdesk watch`` daemon."""

    interval: Duration = 900.0
    """How often each source is polled (seconds, or "15m"); a source may override it."""
    jitter: float = Field(default=0.1, ge=0, le=1)
    """Each poll time moves by up to this fraction of the interval, so sources spread out."""
    debounce: Duration = 30.0
    """After something new is published, wait this long for more before rebuilding the site."""
    build: bool = True
    """Rebuild the site (Hugo and search) when something new was published."""


class FilterRules(_Model):
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


class TagsConfig(_Model):
    """``[tags]``: tags beyond the source's name."""

    tickers: bool = False
    """Tag ticker symbols found in the text, like ``NYSE:TM`` or ``(TSX:RY)``."""
    keywords: dict[str, str] = Field(default_factory=dict)
    """Keyword or phrase -> tag; matched case-insensitively on word boundaries."""
    max: int = Field(default=10, ge=1, le=100)
    """At most this many tags per post."""


class DedupeConfig(_Model):
    """``[dedupe]``: the same story arriving through several sources."""

    mode: Literal["skip", "link", "off"] = "skip"
    """``skip`` the later copy, add it to the first post as another source ``link``, or ``off``."""
    threshold: float = Field(default=0.5, gt=0, le=1)
    """Two texts sharing at least this fraction of their 3-word shingles (estimated Jaccard
    similarity) are the same story."""


class TranslateConfig(_Model):
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


class SourceConfig(_Model):
    """``[[sources]]``: one feed."""

    name: str
    """Unique name; used as category, tag and source link text."""
    url: str
    """Feed URL (RSS, Atom, RDF or JSON Feed)."""
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

    _tz = field_validator("feed_timezone")(_check_timezone)

    @field_validator("name")
    @classmethod
    def _sane_name(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must not be empty")
        if any(ch in value for ch in "\r\n\t") or len(value) > 100:
            raise ValueError("must be one short line of text")
        return value

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"must be an http(s) URL, got {value!r}")
        try:
            parts.port  # noqa: B018 - raises for a port out of range
        except ValueError:
            raise ValueError(f"the port is not a number from 0 to 65535 in {value!r}") from None
        return _one_line(value.strip())

    def front_matter(self, defaults: FrontMatterDefaults) -> FrontMatterDefaults:
        """The front matter options for this source: its overrides on top of ``defaults``."""
        names = FrontMatterDefaults.model_fields
        overrides = {k: v for k in names if (v := getattr(self, k)) is not None}
        base = {k: getattr(defaults, k) for k in names}
        return FrontMatterDefaults(**{**base, **overrides})


class Config(_Model):
    """The whole ``newsdesk.toml``."""

    site: SiteConfig = SiteConfig()
    posts: PostsConfig = PostsConfig()
    fetch: FetchConfig = FetchConfig()
    extract: ExtractConfig = ExtractConfig()
    watch: WatchConfig = WatchConfig()
    tags: TagsConfig = TagsConfig()
    filters: FilterRules = FilterRules()
    dedupe: DedupeConfig = DedupeConfig()
    translate: TranslateConfig = TranslateConfig()
    sources: tuple[SourceConfig, ...] = ()

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


def _location(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def _describe(error: Any) -> str:
    where = _location(tuple(error["loc"]))
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"{where}: unknown key"
    if kind == "missing":
        return f"{where}: required key is missing"
    message = str(error["msg"]).removeprefix("Value error, ")
    got = error.get("input")
    detail = (
        f"{message} (got {got!r})" if kind not in ("value_error",) and got is not None else message
    )
    return f"{where}: {detail}" if where else detail


def parse_config(data: dict[str, Any], origin: str = CONFIG_FILE) -> Config:
    """Validate a parsed TOML document; raise ConfigError naming each bad key."""
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        problems = "\n".join(f"  - {_describe(error)}" for error in exc.errors())
        raise ConfigError(f"{origin} is invalid:\n{problems}") from None


def load_config(site_dir: Path) -> Config:
    """Read and validate ``<site_dir>/newsdesk.toml``."""
    path = Path(site_dir) / CONFIG_FILE
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"{path} not found (create a site with `newsdesk init {site_dir}`)"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path} cannot be read: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{path} is not valid TOML: nested too deeply") from None
    return parse_config(data, str(path))
