"""A completed response, and reading a body: in full within the size cap (which also bounds
decompression), or a redirect's discarded so its connection can be reused."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import httpx

from newsdesk.errors import FetchError
from newsdesk.fetch.decompress import BoundedDecoder
from newsdesk.numbers import bounded_int


@dataclass(frozen=True, slots=True)
class Response:
    """A completed HTTP response, body read in full (within the size cap)."""

    url: str
    status: int
    headers: httpx.Headers
    content: bytes

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower-case."""
        value: str = self.headers.get("content-type", "")
        return value.split(";")[0].strip().lower()


async def read_body(response: httpx.Response, max_bytes: int) -> bytes:
    """The decoded body of an open response; FetchError when it is (or says it is) longer
    than ``max_bytes``."""
    status = response.status_code
    declared = response.headers.get("content-length", "").strip()
    length = bounded_int(declared, max_bytes + 1)
    if length is not None and length > max_bytes:
        size = f"{declared} bytes" if len(declared) <= 18 else f"{len(declared)} digits"
        raise FetchError(f"response too large ({size}, limit {max_bytes})", status=status)
    decoder = BoundedDecoder(response.headers.get("content-encoding", ""), max_bytes)
    chunks: list[bytes] = []
    async for raw in response.aiter_raw():
        chunks.append(decoder.feed(raw))
    chunks.append(decoder.flush())
    return b"".join(chunks)


async def discard(response: httpx.Response, limit: int = 65_536) -> None:
    """Read a redirect's small body so its connection can serve the next hop; a big one is
    not worth reading, and closing drops the connection instead."""
    read = 0
    with contextlib.suppress(httpx.HTTPError):
        async for chunk in response.aiter_raw():
            read += len(chunk)
            if read > limit:
                break
    await response.aclose()
