"""Stage 1, sources: read feeds into FeedEntry records."""

from newsdesk.sources.feeds import ParsedFeed, parse_feed

__all__ = ["ParsedFeed", "parse_feed"]
