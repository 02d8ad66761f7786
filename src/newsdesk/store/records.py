"""The records a state store takes and gives back: typed, frozen, the same for every backend."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from newsdesk.models import FeedEntry


class ItemStatus(StrEnum):
    """Where an item stands. ``PUBLISHING`` is the short window between reserving a post (its
    path, fingerprint and URL are recorded) and the post's file being on disk, or being
    staged: ``READY`` items were finished by a worker, and their post files wait in the
    store's outbox for the site's publisher to write them."""

    NEW = "new"
    PUBLISHING = "publishing"
    READY = "ready"
    PUBLISHED = "published"
    FAILED = "failed"
    SKIPPED = "skipped"
    PRUNED = "pruned"  # a tombstone: the post was removed, the URL is never imported again


@dataclass(frozen=True, slots=True)
class PendingItem:
    """An item claimed for work: registered, not yet published or given up."""

    id: str
    url: str
    attempts: int
    entry: FeedEntry


@dataclass(frozen=True, slots=True)
class ItemRecord:
    """One item as stored."""

    id: str
    url: str
    source: str
    title: str
    status: ItemStatus
    reason: str | None
    attempts: int
    guid: str | None = None
    final_url: str | None = None
    path: str | None = None
    words: int | None = None
    first_seen_at: str = ""
    updated_at: str = ""
    published_at: str | None = None
    lease_owner: str | None = None
    lease_until: str | None = None


@dataclass(frozen=True, slots=True)
class SourceState:
    """What polling a source needs to remember between runs (and what ``watch`` schedules by)."""

    etag: str | None = None
    last_modified: str | None = None
    next_poll_at: datetime | None = None
    consecutive_failures: int = 0
    last_poll_at: datetime | None = None
    url: str | None = None

    def for_url(self, url: str) -> SourceState:
        """This state as the source at ``url`` may use it: when the source's URL changed
        since its last poll (a fixed typo, a moved feed), it starts fresh, with no
        validators, pause or failures of the old URL; only when it last polled is kept."""
        if self.url is None or self.url == url:
            return self
        return SourceState(last_poll_at=self.last_poll_at, url=url)


@dataclass(frozen=True, slots=True)
class PollRecord:
    """The outcome of one successful poll (a 304 included)."""

    url: str
    status: int | None
    seen: int = 0
    new: int = 0
    feed_title: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    next_poll_at: datetime | None = None
    not_modified: bool = False


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """What ``newsdesk status`` shows for one source."""

    name: str
    url: str
    last_poll_at: str | None
    last_status: int | None
    last_error: str | None
    consecutive_failures: int
    next_poll_at: str | None
    seen: int
    new: int
    published: int
    failed: int
    skipped: int
    ready: int = 0


@dataclass(frozen=True, slots=True)
class DayActivity:
    """One source's day (UTC, ``YYYY-MM-DD``): posts published, items given up, and the
    length in words of each post published that day."""

    source: str
    day: str
    published: int = 0
    failed: int = 0
    words: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Publication:
    """What publishing an item records, in one transaction with the reservation."""

    path: str
    final_url: str
    words: int
    fingerprint: list[int] | None = None
    """MinHash signature (None: same-story detection is off)."""
    threshold: float = 1.0
    """Similarity at or above which another published text is the same story."""


@dataclass(frozen=True, slots=True)
class Conflict:
    """Why an item cannot be published: another item has its final URL or its story."""

    kind: str  # "url" | "story"
    twin: str
    twin_path: str | None = None
    pending: bool = False
    """The twin is reserved, not yet published: it may still fail and be given back."""


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """A file change a worker staged for the site's publisher.

    ``kind`` "post": write ``body`` to ``path`` (relative to the site root). ``kind``
    "image": ``body`` is the base64 of an image file to write to ``path``. ``kind`` "link":
    ``body`` is JSON ``{"source": ..., "url": ...}``, another source's link to add to the post
    at ``path`` (the item itself was skipped as the same story).
    """

    item_id: str
    seq: int
    kind: str
    path: str
    body: str


@dataclass(frozen=True, slots=True)
class WorkerSeen:
    """A worker's last heartbeat: when it started, when it was last seen, items it did."""

    name: str
    started_at: str
    seen_at: str
    done: int


@dataclass(frozen=True, slots=True)
class KeptPage:
    """A published item's page as it was fetched (``[store] keep_html``)."""

    url: str
    html: str
    fetched_at: str


@dataclass(frozen=True, slots=True)
class TranslationDue:
    """A translation to write for a published post: its language, the article to translate
    (``store/articles.py`` JSON) and the tries it has had."""

    item_id: str
    language: str
    article: str
    attempts: int


@dataclass(frozen=True, slots=True)
class TranslationBacklog:
    """What ``status`` says about translations of published posts: waiting for a later run,
    given up (a 4xx, or too many tries), and the backend's failed tries with the last error."""

    waiting: int = 0
    given_up: int = 0
    failures: int = 0
    last_error: str | None = None
    last_failed_at: str | None = None


@dataclass(frozen=True, slots=True)
class SitemapFile:
    """A child file of a source's sitemap index as last read: its ``lastmod`` (as the index
    said it, ISO 8601) and the validators its server sent."""

    url: str
    lastmod: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    checked_at: str | None = None
    """When it was last read (set by the store)."""
