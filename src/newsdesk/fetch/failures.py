"""How a request fails, in plain words: a URL that cannot be requested, a connection error,
or an HTTP error status (transient or not, with its ``Retry-After``)."""

from __future__ import annotations

import httpx

from newsdesk.errors import FetchError
from newsdesk.fetch.retry import retry_after_seconds

TRANSIENT_STATUS = {408, 425, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524}


class BadURL(FetchError):
    """A URL that cannot be requested at all (not http(s), a bad port, a host httpx refuses)."""


_BY_TYPE: tuple[tuple[type[httpx.TransportError], str], ...] = (
    (httpx.ReadError, "the connection was reset or closed mid-response"),
    (httpx.WriteError, "the connection was reset while sending the request"),
    (httpx.RemoteProtocolError, "the server broke the HTTP protocol"),
    (httpx.ConnectError, "could not connect"),
    (httpx.ProxyError, "the proxy refused the request"),
)


def plain_reason(exc: httpx.TransportError) -> str:
    """What went wrong with the connection, in words a user reads in a log."""
    text = str(exc)
    if not text:
        return next(
            (words for kind, words in _BY_TYPE if isinstance(exc, kind)), type(exc).__name__
        )
    lowered = text.lower()
    for needle, words in (
        ("connection refused", "connection refused"),
        ("all connection attempts failed", "could not connect (refused or unreachable)"),
        ("name or service not known", "host name not found"),
        ("nodename nor servname", "host name not found"),
        ("temporary failure in name resolution", "host name lookup failed"),
        ("reset by peer", "connection reset by the server"),
        ("server disconnected", "the server closed the connection mid-response"),
        ("incomplete", "the server closed the connection mid-response"),
        ("certificate", "TLS certificate problem"),
    ):
        if needle in lowered:
            return words
    return text


def status_error(response: httpx.Response) -> FetchError:
    """The error for an HTTP error status (400 and up): transient for 5xx, 429 and the like,
    with the ``Retry-After`` of a 429 or 503."""
    status = response.status_code
    return FetchError(
        f"HTTP {status} {response.reason_phrase}".strip(),
        status=status,
        transient=status in TRANSIENT_STATUS,
        retry_after=retry_after_seconds(response.headers.get("retry-after"))
        if status in (429, 503)
        else None,
    )
