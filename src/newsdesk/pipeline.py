"""One pass over a site: poll -> fetch -> extract -> enrich -> store/dedupe -> publish.

This is the only module that knows the order of the stages. Every stage is called with one
record and returns one; failures of one source or one item never stop the others.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

import httpx

from newsdesk.config import Config, SourceConfig, load_config
from newsdesk.enrich import enrich
from newsdesk.errors import ExtractionFailed, FeedError, FetchError, Skip
from newsdesk.extraction import extract
from newsdesk.extraction.blocks import collect_blocks
from newsdesk.extraction.cleanup import clean_blocks
from newsdesk.fetch import Fetcher
from newsdesk.models import Article, Block, Extracted, FeedEntry, Page
from newsdesk.publish import post_path, remove_stale_temp_files, render_post, write_atomic
from newsdesk.report import Failure, RunReport
from newsdesk.sources import parse_feed
from newsdesk.store import PendingItem, Store, site_lock
from newsdesk.urls import canonical_url, item_id

log = logging.getLogger("newsdesk")

STATE_DIR = ".newsdesk"
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml,"
    " application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"
)


class Progress(Protocol):
    """What the pipeline tells a progress display; every method is optional work."""

    def sources_started(self, total: int) -> None: ...
    def source_done(self, name: str) -> None: ...
    def items_started(self, total: int) -> None: ...
    def item_done(self, source: str, url: str, outcome: str) -> None: ...


class _Quiet:
    def sources_started(self, total: int) -> None:
        pass

    def source_done(self, name: str) -> None:
        pass

    def items_started(self, total: int) -> None:
        pass

    def item_done(self, source: str, url: str, outcome: str) -> None:
        pass


def state_path(site_dir: Path) -> Path:
    """The site's state database file."""
    return Path(site_dir) / STATE_DIR / "state.db"


@dataclass
class _Context:
    site_dir: Path
    cfg: Config
    store: Store
    fetcher: Fetcher
    executor: Executor
    report: RunReport
    progress: Progress


def run(
    site_dir: Path,
    cfg: Config | None = None,
    *,
    wait: float | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    progress: Progress | None = None,
) -> RunReport:
    """Run one pass over the site's sources and publish what is new.

    Args:
        site_dir: the site folder (holds ``newsdesk.toml``).
        cfg: the configuration; read from the site folder when None.
        wait: seconds to wait for another run's lock (None: wait as long as it takes).
        transport: an httpx transport to use instead of the network (tests).
        progress: receives progress events (the CLI shows a bar).
    """
    site_dir = Path(site_dir)
    cfg = cfg or load_config(site_dir)
    with site_lock(site_dir / STATE_DIR, wait=wait):
        remove_stale_temp_files(site_dir / "content")
        with Store(state_path(site_dir)) as store:
            return asyncio.run(_run(site_dir, cfg, store, transport, progress or _Quiet()))


async def _run(
    site_dir: Path,
    cfg: Config,
    store: Store,
    transport: httpx.AsyncBaseTransport | None,
    progress: Progress,
) -> RunReport:
    report = RunReport()
    sources = [s for s in cfg.sources if s.enabled]
    for source in sources:
        report.source(source.name)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="extract") as executor:
        async with Fetcher(cfg.fetch, transport=transport) as fetcher:
            ctx = _Context(site_dir, cfg, store, fetcher, executor, report, progress)
            progress.sources_started(len(sources))
            await asyncio.gather(*(_poll(ctx, source) for source in sources))
            names = [s.name for s in sources]
            pending = list(store.pending(cfg.fetch.max_attempts, names))
            progress.items_started(len(pending))
            await _process_all(ctx, iter(pending))
    return report


async def _poll(ctx: _Context, source: SourceConfig) -> None:
    """Fetch and parse one source's feed and register its new entries."""
    result = ctx.report.source(source.name)
    try:
        response = await ctx.fetcher.get(source.url, headers={"Accept": FEED_ACCEPT})
        result.status = response.status
        feed = parse_feed(
            response.content,
            source=source.name,
            url=response.url,
            zone=ZoneInfo(source.feed_timezone),
            content_type=response.headers.get("content-type", ""),
        )
    except (FetchError, FeedError) as exc:
        result.status = getattr(exc, "status", None) or result.status
        result.error = str(exc)
        log.warning("feed failed: %s", exc, extra={"source": source.name, "url": source.url})
        ctx.store.record_poll(source.name, source.url, status=result.status, error=result.error)
        ctx.progress.source_done(source.name)
        return
    result.seen = len(feed.entries)
    for entry in feed.entries:
        url = canonical_url(entry.link)
        if ctx.store.register(item_id(url), url, entry):
            result.new += 1
    for warning in feed.warnings:
        log.info(warning, extra={"source": source.name, "url": source.url})
    ctx.store.record_poll(
        source.name,
        source.url,
        status=result.status,
        error=None,
        seen=result.seen,
        new=result.new,
        feed_title=feed.title,
    )
    log.info(
        "polled: %d items, %d new",
        result.seen,
        result.new,
        extra={"source": source.name, "url": source.url},
    )
    ctx.progress.source_done(source.name)


async def _process_all(ctx: _Context, items: Iterator[PendingItem]) -> None:
    async def worker() -> None:
        for item in items:  # a shared iterator: each item goes to exactly one worker
            await _process(ctx, item)

    workers = min(ctx.cfg.fetch.concurrency * 2, 64)
    await asyncio.gather(*(worker() for _ in range(workers)))


async def _process(ctx: _Context, item: PendingItem) -> None:
    """Fetch, extract, enrich and publish one item; record the outcome."""
    source = ctx.cfg.source(item.entry.source)
    result = ctx.report.source(source.name)
    extra = {"source": source.name, "url": item.url}
    page: Page | None = None
    extracted: Extracted | None = None
    page_error: FetchError | None = None
    try:
        page = await ctx.fetcher.get_page(item.entry.link)
        loop = asyncio.get_running_loop()
        extracted = await loop.run_in_executor(ctx.executor, extract, page.html, page.url)
    except FetchError as exc:
        page_error = exc
        log.warning("page failed: %s", exc, extra=extra)
    last_try = item.attempts + 1 >= ctx.cfg.fetch.max_attempts
    try:
        if page_error is not None and page_error.transient and not last_try:
            raise page_error
        article = _build_article(ctx.cfg, source, item, page, extracted, page_error)
        article = enrich(article, source, ctx.cfg)
        duplicate = ctx.store.add_alias(article.url, item.id)
        if duplicate is not None:
            raise Skip(f"duplicate of item {duplicate} (same final URL)")
        path = _publish(ctx, source, article)
    except Skip as exc:
        if isinstance(exc, ExtractionFailed):
            ctx.store.mark_failed(item.id, str(exc), retry=False, max_attempts=1)
            result.failed += 1
            ctx.report.failures.append(Failure(source.name, item.url, str(exc), retry=False))
            log.warning("failed: %s", exc, extra=extra)
            ctx.progress.item_done(source.name, item.url, "failed")
        else:
            ctx.store.mark_skipped(item.id, str(exc))
            result.skipped += 1
            log.info("skipped: %s", exc, extra=extra)
            ctx.progress.item_done(source.name, item.url, "skipped")
        return
    except FetchError as exc:
        status = ctx.store.mark_failed(
            item.id, str(exc), retry=True, max_attempts=ctx.cfg.fetch.max_attempts
        )
        retry = status == "new"
        if retry:
            result.retry += 1
        else:
            result.failed += 1
        ctx.report.failures.append(Failure(source.name, item.url, str(exc), retry=retry))
        ctx.progress.item_done(source.name, item.url, "retry" if retry else "failed")
        return
    ctx.store.mark_published(item.id, path=path, final_url=article.url)
    ctx.report.written.append(path)
    result.published += 1
    log.info("published %s", path, extra=extra)
    ctx.progress.item_done(source.name, item.url, "published")


def feed_blocks(entry: FeedEntry) -> list[Block]:
    """The feed entry's own content or summary as blocks (the fallback text)."""
    if not entry.content_html.strip():
        return []
    from newsdesk.extraction import parse_html

    tree = parse_html(f"<html><body>{entry.content_html}</body></html>")
    body = tree.find("body")
    return clean_blocks(collect_blocks(body if body is not None else tree), entry.title)


def _build_article(
    cfg: Config,
    source: SourceConfig,
    item: PendingItem,
    page: Page | None,
    extracted: Extracted | None,
    page_error: FetchError | None,
) -> Article:
    entry = item.entry
    blocks = list(extracted.blocks) if extracted else []
    words = extracted.word_count if extracted else 0
    if words < cfg.extract.min_words:
        fallback = feed_blocks(entry)
        if sum(len(b.text.split()) for b in fallback) > words:
            blocks = fallback
    if not blocks:
        why = f"page failed ({page_error})" if page_error else "the page has no article text"
        raise ExtractionFailed(f"{why} and the feed entry has no content")
    title = entry.title or (extracted.title if extracted else "")
    if not title:
        raise ExtractionFailed("no title in the feed entry or the page")
    blocks = clean_blocks(blocks, title)  # the feed's headline may differ from the page's
    if not blocks:
        raise ExtractionFailed("the article text is only its headline")
    final_url = canonical_url(page.url) if page is not None else item.url
    published = entry.published or (extracted.date if extracted else None)
    return Article(
        id=item.id,
        url=final_url,
        source=source.name,
        title=title,
        blocks=tuple(blocks),
        published=published or datetime.now(UTC),
        authors=entry.authors or (extracted.authors if extracted else ()),
        image=(extracted.image if extracted else "") or (entry.image or ""),
        description=extracted.description if extracted else "",
        language=extracted.language if extracted else "",
    )


def _publish(ctx: _Context, source: SourceConfig, article: Article) -> str:
    options = source.front_matter(ctx.cfg.posts)
    text = render_post(
        article, options, timezone=ctx.cfg.site.timezone, body_style=ctx.cfg.posts.body_style
    )
    path = post_path(ctx.site_dir, ctx.cfg.posts.section, article.id)
    write_atomic(path, text)
    return str(path.relative_to(ctx.site_dir))
