"""Feed entries as stored with their items: JSON text, read back into ``FeedEntry``."""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from typing import Any

from newsdesk.dates import parse_date
from newsdesk.models import FeedEntry

_OPTIONAL = ("language", "keywords")
"""Fields written only when set: an older version reading the entry (a fleet mid-upgrade)
finds only the fields it knows."""


def entry_to_json(entry: FeedEntry) -> str:
    """``entry`` as JSON text."""
    data = asdict(entry)
    data["published"] = entry.published.isoformat() if entry.published else None
    for name in _OPTIONAL:
        if not data[name]:
            del data[name]
    return json.dumps(data, ensure_ascii=False)


def entry_from_json(text: str) -> FeedEntry:
    """The entry stored as ``text``; ValueError, TypeError or KeyError when it cannot be."""
    data: dict[str, Any] = json.loads(text)
    data["published"] = parse_date(data.get("published"))
    data["authors"] = tuple(data.get("authors") or ())
    data["keywords"] = tuple(data.get("keywords") or ())
    known = {f.name for f in fields(FeedEntry)}
    return FeedEntry(**{k: v for k, v in data.items() if k in known})  # newer fields: unread
