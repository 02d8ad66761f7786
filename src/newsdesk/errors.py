"""Errors newsdesk raises, each with one job.

NewsdeskError                 base class: anything newsdesk reports to a user
├── ConfigError               newsdesk.toml is missing, unreadable or invalid (exit code 2)
├── SiteLockedError           another run holds the site's lock
├── FetchError                an HTTP request failed (status, timeout, size, type)
├── FeedError                 a response is not a feed newsdesk can read
└── Skip                      an item is deliberately not published (reason in the message)
    └── ExtractionFailed      neither the page nor the feed gave any text
"""

from __future__ import annotations


class NewsdeskError(Exception):
    """Base class of every error newsdesk reports to a user."""


class ConfigError(NewsdeskError):
    """The site's configuration cannot be used; the message names the key."""


class SiteLockedError(NewsdeskError):
    """Another newsdesk process is working on the same site."""


class FetchError(NewsdeskError):
    """An HTTP request failed.

    ``transient`` is true for failures worth retrying later (timeouts, resets, 5xx, 429);
    ``retry_after`` is the server's Retry-After in seconds, when it sent one.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        transient: bool = False,
        retry_after: float | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.transient = transient
        self.retry_after = retry_after


class FeedError(NewsdeskError):
    """A response could not be read as RSS, Atom, RDF or JSON Feed."""


class Skip(NewsdeskError):
    """An item is not published; the message says why (scrapy's ``DropItem``)."""


class ExtractionFailed(Skip):
    """Neither the article page nor the feed entry yielded any text."""
