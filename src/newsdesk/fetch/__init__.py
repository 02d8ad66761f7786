"""Stage 2, fetch: polite concurrent HTTP with hard limits, and robots.txt."""

from newsdesk.fetch.charset import decode_html
from newsdesk.fetch.client import Fetcher
from newsdesk.fetch.response import Response
from newsdesk.fetch.retry import retry_after_seconds

__all__ = ["Fetcher", "Response", "decode_html", "retry_after_seconds"]
