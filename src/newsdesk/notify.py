"""``[[notify]]``: after a run, one JSON POST per webhook and event with what the run did.

Bodies (every field always present)::

    {"event": "published", "site": "<title>", "sent_at": "<ISO 8601>",
     "items": [{"title", "url", "path", "source", "date", "summary", "tags": [...]}]}
    {"event": "failed_source", "site": "<title>", "sent_at": "<ISO 8601>",
     "items": [{"source", "url", "error"}]}

A delivery is retried with backoff on a timeout, a connection error, a 5xx or a 429, within
``[fetch]`` timeouts; a failure is recorded for ``status`` and never fails the run.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import asdict
from datetime import UTC, datetime

from newsdesk.config import Config, NotifyConfig
from newsdesk.errors import FetchError
from newsdesk.fetch.client import Fetcher
from newsdesk.fetch.guard import Trust
from newsdesk.report import RunReport
from newsdesk.store import StateStore

log = logging.getLogger("newsdesk")
STATE_KEY = "notify.deliveries"
"""The state setting that remembers each webhook's last success and last failure."""
RETRIES = 3


def notifications(cfg: Config, report: RunReport) -> list[tuple[NotifyConfig, dict[str, object]]]:
    """The (webhook, body) pairs a run's report calls for; none for an event with no items."""
    sent_at = datetime.now(UTC).isoformat(timespec="seconds")
    out: list[tuple[NotifyConfig, dict[str, object]]] = []
    for hook in cfg.notify:
        wanted = set(hook.sources)
        for event in dict.fromkeys(hook.events):
            items: list[dict[str, object]]
            if event == "published":
                items = [
                    {**asdict(p), "tags": list(p.tags)}
                    for p in report.posts
                    if not wanted or p.source in wanted
                ]
            else:
                items = [
                    {"source": s.name, "url": cfg.source(s.name).url, "error": s.error}
                    for s in report.sources.values()
                    if s.error and (not wanted or s.name in wanted)
                ]
            if items:
                body: dict[str, object] = {
                    "event": event,
                    "site": cfg.site.title,
                    "sent_at": sent_at,
                    "items": items,
                }
                out.append((hook, body))
    return out


def notify(cfg: Config, store: StateStore, report: RunReport) -> None:
    """Deliver the run's notifications; record how each webhook fared. Never raises for a
    webhook's failure."""
    pending = notifications(cfg, report)
    if not pending:
        return
    results = asyncio.run(_deliver(cfg, pending))
    try:
        seen = json.loads(store.setting(STATE_KEY, "{}"))
    except ValueError:
        seen = {}
    now = datetime.now(UTC).isoformat(timespec="seconds")
    for (hook, body), error in zip(pending, results, strict=True):
        entry = seen.setdefault(hook.url, {})
        if error is None:
            entry["ok_at"] = now
        else:
            entry.update(failed_at=now, event=body["event"], error=error)
            log.warning(
                "notification failed: %s", error, extra={"url": hook.url, "event": body["event"]}
            )
    store.change_setting(STATE_KEY, json.dumps(seen))


def failed_notifications(store: StateStore) -> list[tuple[str, str, str, str]]:
    """Webhooks whose last delivery failed: (url, event, when, why)."""
    try:
        seen = json.loads(store.setting(STATE_KEY, "{}"))
    except ValueError:
        return []
    return [
        (url, str(e.get("event", "")), str(e["failed_at"]), str(e.get("error", "")))
        for url, e in sorted(seen.items())
        if isinstance(e, dict) and e.get("failed_at", "") > e.get("ok_at", "")
    ]


async def _deliver(
    cfg: Config, pending: list[tuple[NotifyConfig, dict[str, object]]]
) -> list[str | None]:
    async with Fetcher(cfg.fetch) as fetcher:
        return list(await asyncio.gather(*(_post(fetcher, hook, body) for hook, body in pending)))


async def _post(fetcher: Fetcher, hook: NotifyConfig, body: dict[str, object]) -> str | None:
    try:
        # The webhook is the user's own address, wherever it is.
        await fetcher.post_json(hook.url, body, retries=RETRIES, trust=Trust(everything=True))
    except FetchError as exc:
        return str(exc)
    return None
