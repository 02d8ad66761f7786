"""Bounded decompression of response bodies: a gzip bomb cannot take more than the size cap."""

from __future__ import annotations

import zlib

from newsdesk.errors import FetchError


class BoundedDecoder:
    """Decodes a Content-Encoding incrementally, never producing more than ``limit`` bytes."""

    def __init__(self, encoding: str, limit: int):
        encoding = encoding.strip().lower()
        self.limit = limit
        self.size = 0
        self._raw_deflate = False
        if encoding in ("", "identity"):
            self._decoder: zlib._Decompress | None = None
        elif encoding in ("gzip", "x-gzip"):
            self._decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._decoder = zlib.decompressobj(zlib.MAX_WBITS)
            self._raw_deflate = True  # servers send zlib-wrapped or raw deflate; try both
        else:
            raise FetchError(f"unsupported content encoding {encoding!r}")

    def _count(self, data: bytes) -> bytes:
        self.size += len(data)
        if self.size > self.limit:
            raise FetchError(f"response larger than the {self.limit}-byte limit once decompressed")
        return data

    def feed(self, data: bytes) -> bytes:
        """Decode one chunk of the raw body."""
        if self._decoder is None:
            return self._count(data)
        out: list[bytes] = []
        while data:
            try:
                chunk = self._decoder.decompress(data, self.limit - self.size + 1)
            except zlib.error as exc:
                if self._raw_deflate and self.size == 0 and not out:
                    self._decoder = zlib.decompressobj(-zlib.MAX_WBITS)
                    self._raw_deflate = False
                    continue
                raise FetchError(f"response could not be decompressed: {exc}") from None
            out.append(self._count(chunk))
            data = self._decoder.unconsumed_tail
        return b"".join(out)

    def flush(self) -> bytes:
        """The bytes left in the decoder at the end of the body."""
        if self._decoder is None:
            return b""
        return self._count(self._decoder.flush())
