"""One source as a unit of a run: poll it (sources/poll.py), register its new entries in the
store, record the poll; whatever goes wrong is recorded against that source only."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from functools import partial

from newsdesk.config import SourceConfig
from newsdesk.errors import FeedError, FetchError, storage_error
from newsdesk.models import FeedEntry
from newsdesk.runtime import RunContext, unexpected_reason
from newsdesk.schedule import next_poll_after_failure, utcnow
from newsdesk.sources.poll import poll_source
from newsdesk.store import SitemapFile
from newsdesk.urls import canonical_url, item_id

log = logging.getLogger("newsdesk")


async def poll_unit(
    ctx: RunContext, source: SourceConfig, registered: Callable[[int], None]
) -> None:
    """Poll one source and register its new items (``registered`` is told how many);
    failures are recorded against the source."""
    try:
        await _poll(ctx, source, registered)
    except Exception as exc:  # noqa: BLE001 - a bug on one source's input must not stop the run
        ctx.unit_failed(exc, partial(_failed, ctx, source, unexpected_reason(exc), exc))
    finally:
        ctx.progress.source_done(source.name)


async def _poll(ctx: RunContext, source: SourceConfig, registered: Callable[[int], None]) -> None:
    if ctx.fault is not None:
        return
    result = ctx.report.source(source.name)
    extra = {"source": source.name, "url": source.url}
    state = ctx.store.source_state(source.name).for_url(source.url)
    now = utcnow()
    if not ctx.options.force and state.next_poll_at and state.next_poll_at > now:
        result.not_due = state.next_poll_at
        log.info(
            "not polled: the source asked for a pause until %s", state.next_poll_at, extra=extra
        )
        return
    try:
        polled = await poll_source(
            ctx.fetcher,
            source,
            state,
            ctx.trust(source),
            now,
            partial(ctx.store.sitemap_files, source.name),
        )
    except (FetchError, FeedError) as exc:
        _failed(
            ctx,
            source,
            str(exc),
            exc,
            status=exc.status,
            retry_after=getattr(exc, "retry_after", None),
        )
        return
    result.status = polled.record.status
    if polled.not_modified:
        ctx.store.record_poll(source.name, polled.record)
        log.info("not modified", extra=extra)
        return
    result.seen = len(polled.entries)
    limit = source.max_entries if polled.sitemap else None
    truncated = False
    for entry in polled.entries:  # a sitemap's newest first
        if limit is not None and result.new >= limit:
            polled.warnings.append(
                f"registered the newest {limit} new items (max_entries); the rest come with"
                " the next polls"
            )
            truncated = True
            break
        if _register(ctx, entry):
            result.new += 1
    for file in polled.files:
        # Every entry registered: a file need not be read again until it changes. Some left
        # out: it is read again in full (no lastmod or validator kept), yet counts as read,
        # so that files never read come first next time.
        ctx.store.save_sitemap_file(source.name, SitemapFile(file.url) if truncated else file)
    record = polled.record
    if truncated or not polled.complete:  # the next poll reads the whole sitemap again
        record = replace(record, etag=None, last_modified=None)
    if result.new:
        registered(result.new)
    for warning in polled.warnings:
        log.warning(warning, extra=extra)
    ctx.store.record_poll(source.name, replace(record, new=result.new))
    log.info("polled: %d items, %d new", result.seen, result.new, extra=extra)


def _register(ctx: RunContext, entry: FeedEntry) -> bool:
    """Register one feed entry as an item; an entry that cannot be is logged and left out."""
    try:
        url = canonical_url(entry.link)
        return ctx.store.register(item_id(url), url, entry)
    except Exception as exc:  # noqa: BLE001 - one odd entry must not cost the others
        if storage_error(exc) is not None:
            raise
        log.warning(
            "entry left out: %s",
            unexpected_reason(exc),
            extra={"source": entry.source, "url": entry.link},
        )
        return False


def _failed(
    ctx: RunContext,
    source: SourceConfig,
    reason: str,
    exc: Exception | None = None,
    *,
    status: int | None = None,
    retry_after: float | None = None,
) -> None:
    """Record a failed poll: the reason, and a backoff before the next one."""
    result = ctx.report.source(source.name)
    result.status = status or result.status
    result.error = reason
    extra = {"source": source.name, "url": source.url}
    if exc is not None and not isinstance(exc, FetchError | FeedError):
        log.error("feed failed: %s", reason, extra=extra)
        log.debug("traceback", exc_info=exc, extra=extra)
    else:
        log.warning("feed failed: %s", reason, extra=extra)
    now = utcnow()
    ctx.store.record_poll_failure(
        source.name,
        source.url,
        status=result.status,
        error=reason,
        next_poll=lambda failures: next_poll_after_failure(now, failures, retry_after),
    )
