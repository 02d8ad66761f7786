"""One pass over a site: poll -> fetch -> extract -> enrich -> store/dedupe -> publish.

This is the only module that knows the order of the stages. Every stage is called with one
record and returns one. Each source poll and each item is a unit of failure: whatever it
raises, bugs included, is recorded against that source or item with its reason, and the run
goes on. Only a ``StorageError`` (disk full, read-only site, damaged state database) stops the
run, since no other unit could do better; the state is left as it was.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import BrokenExecutor, Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from newsdesk.assemble import build_article
from newsdesk.config import Config, SourceConfig, load_config
from newsdesk.enrich import apply_filters, enrich
from newsdesk.enrich.language import warm_up as warm_up_language
from newsdesk.enrich.translate import TranslationError, translate_article
from newsdesk.errors import (
    ExtractionFailed,
    FeedError,
    FetchError,
    Skip,
    StorageError,
    storage_error,
)
from newsdesk.extraction import extract
from newsdesk.fetch import Fetcher, Response
from newsdesk.fetch.guard import Trust, source_trust
from newsdesk.fetch.robots import Loader, Robots, RobotsRules, Saver
from newsdesk.models import Article, Extracted, FeedEntry, Page, word_count
from newsdesk.publish import (
    add_source_link,
    post_path,
    remove_stale_temp_files,
    render_post,
    write_atomic,
)
from newsdesk.report import Decision, Failure, RunReport
from newsdesk.schedule import next_poll_after_failure, next_poll_after_success, utcnow
from newsdesk.sources import parse_feed
from newsdesk.store import NEW, PendingItem, Store, site_lock
from newsdesk.store.minhash import signature
from newsdesk.urls import canonical_url, item_id, without_userinfo

log = logging.getLogger("newsdesk")

STATE_DIR = ".newsdesk"
ROBOTS_MAX_AGE = 24 * 3600.0
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml,"
    " application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"
)


class Progress(Protocol):
    """What the pipeline tells a progress display."""

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


@dataclass(frozen=True)
class RunOptions:
    """What one run does beyond the defaults."""

    force: bool = False
    """Poll every source now, even those whose server asked for a pause."""
    only: frozenset[str] | None = None
    """Poll only these sources (None: every enabled source)."""
    fetch_articles: bool = True
    """False: poll and register new items, fetch no article (``newsdesk poll``)."""
    stop: threading.Event = field(default_factory=threading.Event)
    """Set it to stop taking new items; items in flight are finished and recorded."""
    dry_run: bool = False
    """Decide everything, write nothing: state and posts go to a throwaway copy."""


def state_path(site_dir: Path) -> Path:
    """The site's state database file."""
    return Path(site_dir) / STATE_DIR / "state.db"


class _WorkerDied(FetchError):
    """The extraction process died while working on a page (out of memory, a parser crash):
    a passing failure of the page, tried again in a later run like a timeout."""


class _ExtractionPool:
    """Where extraction runs: processes for a big run, one thread otherwise. When a worker
    process dies the pool is broken for every item; it is replaced and the page tried once
    more, so one page that kills a worker costs only that page a try."""

    def __init__(self, cfg: Config, expected: int):
        self._cfg = cfg
        self._expected = expected
        self.executor = _extraction_pool(cfg, expected)

    async def run(self, task: partial[Extracted]) -> Extracted:
        """Run ``task`` in the pool."""
        loop = asyncio.get_running_loop()
        breaks = 0  # pools that broke while this page was in them
        for _ in range(6):  # a bound, for pools that fail even to take the page
            executor = self.executor
            try:
                # A submit that fails says the pool is broken or closing (its pipes may be
                # closed before it says "broken"): never the page's doing.
                future = loop.run_in_executor(executor, task)
            except (BrokenExecutor, RuntimeError, OSError):
                self._replace(executor)
                continue
            try:
                return await future
            except BrokenExecutor:
                self._replace(executor)
                breaks += 1
                if breaks == 2:
                    break
        raise _WorkerDied(
            "the extraction process died on this page (out of memory, or a crash in a parser)",
            transient=True,
        )

    def _replace(self, broken: Executor) -> None:
        """A new pool in place of ``broken``, unless another item has replaced it already."""
        if broken is not self.executor:
            return
        log.warning("an extraction process died; starting new ones")
        _reap(broken)  # before shutdown(), which forgets the processes
        broken.shutdown(wait=False, cancel_futures=True)
        self.executor = _extraction_pool(self._cfg, self._expected)

    def close(self) -> None:
        """Stop the workers."""
        self.executor.shutdown()


def _reap(executor: Executor) -> None:
    """Kill what is left of a broken process pool. CPython may start a worker into a pool
    while it breaks; nothing stops that worker, and the pool's thread waits for it at exit,
    holding the run forever."""
    for process in list((getattr(executor, "_processes", None) or {}).values()):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            process.kill()


@dataclass
class _Context:
    site_dir: Path
    cfg: Config
    store: Store
    fetcher: Fetcher
    robots: Robots
    pool: _ExtractionPool | None
    report: RunReport
    progress: Progress
    options: RunOptions
    fault: StorageError | None = None
    """Set when the disk or the state database failed: no unit takes new work."""

    def trust(self, source: SourceConfig) -> Trust:
        """Which of the source's requests may reach non-public addresses."""
        return source_trust(source, self.cfg.fetch)

    def halt(self, fault: StorageError) -> None:
        """Stop taking new work; the run ends with ``fault``."""
        if self.fault is None:
            log.error("stopping: %s", fault)
            self.fault = fault


def run(
    site_dir: Path,
    cfg: Config | None = None,
    *,
    wait: float | None = None,
    progress: Progress | None = None,
    options: RunOptions | None = None,
) -> RunReport:
    """Run one pass over the site's sources and publish what is new.

    Args:
        site_dir: the site folder (holds ``newsdesk.toml``).
        cfg: the configuration; read from the site folder when None.
        wait: seconds to wait for another run's lock (None: as long as it takes; 0: not at all).
        progress: receives progress events (the CLI shows a bar).
        options: force, a subset of sources, poll only, a stop signal.
    """
    site_dir = Path(site_dir)
    cfg = cfg or load_config(site_dir)
    options = options or RunOptions()
    try:
        with site_lock(site_dir / STATE_DIR, wait=wait):
            if options.dry_run:
                return _dry_run(site_dir, cfg, progress or _Quiet(), options)
            remove_stale_temp_files(site_dir / "content")
            with Store(state_path(site_dir)) as store:
                return asyncio.run(_run(site_dir, cfg, store, progress or _Quiet(), options))
    except (OSError, sqlite3.Error) as exc:
        raise storage_error(exc, state_path(site_dir)) or exc from None


def _dry_run(
    site_dir: Path,
    cfg: Config,
    progress: Progress,
    options: RunOptions,
) -> RunReport:
    """The same run against a copy of the state, publishing into a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="newsdesk-dry-run-") as scratch:
        copy = Path(scratch)
        source_db = state_path(site_dir)
        if source_db.exists():
            with Store(source_db) as live, Store(state_path(copy)) as target:
                live.db.backup(target.db)  # a consistent snapshot, WAL included
        with Store(state_path(copy)) as store:
            return asyncio.run(_run(copy, cfg, store, progress, options))


async def _run(
    site_dir: Path,
    cfg: Config,
    store: Store,
    progress: Progress,
    options: RunOptions,
) -> RunReport:
    report = RunReport()
    sources = [
        s for s in cfg.sources if s.enabled and (options.only is None or s.name in options.only)
    ]
    for source in sources:
        report.source(source.name)
    _reconcile(site_dir, cfg, store)
    async with Fetcher(cfg.fetch) as fetcher:
        robots = Robots(fetcher, *_robots_cache(store))
        ctx = _Context(site_dir, cfg, store, fetcher, robots, None, report, progress, options)
        progress.sources_started(len(sources))
        await asyncio.gather(*(_poll(ctx, source) for source in sources))
        if options.fetch_articles and ctx.fault is None:
            # Pending items are streamed from the database, never held in a list.
            names = [s.name for s in sources]
            total = store.pending_count(cfg.fetch.max_attempts, names)
            progress.items_started(total)
            ctx.pool = _ExtractionPool(cfg, total)
            try:
                if isinstance(ctx.pool.executor, ProcessPoolExecutor):  # a big run: worth it
                    warm_up_language()
                await _process_all(ctx, store.pending(cfg.fetch.max_attempts, names))
            finally:
                ctx.pool.close()
    if ctx.fault is not None:
        raise ctx.fault
    return report


def _extraction_pool(cfg: Config, expected: int) -> Executor:
    """Processes for extraction (it is CPU-bound) when there is enough work to pay for
    starting them; a single thread otherwise, so that a run with a few items starts fast."""
    workers = cfg.extract.workers or os.cpu_count() or 1
    if workers > 1 and expected >= 4 * workers:
        context = multiprocessing.get_context("forkserver")
        # The fork server imports the extractors once; workers fork from it ready to go.
        context.set_forkserver_preload(["newsdesk.extraction"])
        return ProcessPoolExecutor(max_workers=workers, mp_context=context)
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="extract")


def _robots_cache(store: Store) -> tuple[Loader, Saver]:
    async def load(origin: str) -> RobotsRules | None:
        stored = store.robots(origin, ROBOTS_MAX_AGE)
        return RobotsRules(*stored) if stored else None

    def save(origin: str, rules: RobotsRules) -> None:
        store.save_robots(origin, rules.status, rules.text)

    return load, save


def _reconcile(site_dir: Path, cfg: Config, store: Store) -> None:
    """A run killed between writing a post and recording it left the item "new": the post
    file is complete (writes are atomic), so record it as published."""
    for item in store.pending(max_attempts=1_000_000):
        path = post_path(site_dir, cfg.posts.section, item.id)
        if path.exists():
            store.mark_published(item.id, path=str(path.relative_to(site_dir)), final_url=item.url)


async def _poll(ctx: _Context, source: SourceConfig) -> None:
    """Poll one source; whatever goes wrong is recorded against it, and only against it."""
    try:
        await _poll_feed(ctx, source)
    except Exception as exc:  # noqa: BLE001 - a bug on one source's input must not stop the run
        record = partial(_source_failed, ctx, source, _unexpected_reason(exc), exc)
        _unit_failed(ctx, exc, record)
    finally:
        ctx.progress.source_done(source.name)


def _unit_failed(ctx: _Context, exc: Exception, record: Callable[[], None]) -> None:
    """What a unit (a source, an item) raised: the disk or the state database stops the run;
    anything else is recorded against the unit by ``record``."""
    fault = storage_error(exc, state_path(ctx.site_dir))
    if fault is None:
        try:
            record()
            return
        except Exception as again:  # noqa: BLE001 - recording it failed too: say so, go on
            fault = storage_error(again, state_path(ctx.site_dir))
            if fault is None:
                log.error("could not record a failure: %r", again, exc_info=again)
                return
    ctx.halt(fault)


def _unexpected_reason(exc: BaseException) -> str:
    return f"unexpected error: {type(exc).__name__}: {exc}"


def _source_failed(
    ctx: _Context,
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
    failures = ctx.store.source_state(source.name).consecutive_failures + 1
    ctx.store.record_poll(
        source.name,
        source.url,
        status=result.status,
        error=reason,
        next_poll_at=next_poll_after_failure(utcnow(), failures, retry_after),
    )


async def _poll_feed(ctx: _Context, source: SourceConfig) -> None:
    """Fetch and parse one source's feed and register its new entries."""
    if ctx.fault is not None:
        return
    result = ctx.report.source(source.name)
    extra = {"source": source.name, "url": source.url}
    state = ctx.store.source_state(source.name)
    now = utcnow()
    if not ctx.options.force and state.next_poll_at and state.next_poll_at > now:
        result.status = None
        result.not_due = state.next_poll_at
        log.info(
            "not polled: the source asked for a pause until %s", state.next_poll_at, extra=extra
        )
        return
    headers = {"Accept": FEED_ACCEPT}
    if state.etag:
        headers["If-None-Match"] = state.etag
    if state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    try:
        response = await ctx.fetcher.get(source.url, headers=headers, trust=ctx.trust(source))
        result.status = response.status
        if response.status == 304:
            ctx.store.record_poll(
                source.name,
                source.url,
                status=304,
                error=None,
                not_modified=True,
                next_poll_at=next_poll_after_success(
                    now, response.headers.get("cache-control"), None
                ),
            )
            log.info("not modified", extra=extra)
            return
        # In a thread: a big feed takes feedparser seconds, during which the other sources'
        # requests must go on (their deadlines run).
        feed = await asyncio.to_thread(
            parse_feed,
            response.content,
            source=source.name,
            url=response.url,
            zone=ZoneInfo(source.feed_timezone),
            content_type=response.headers.get("content-type", ""),
        )
    except (FetchError, FeedError) as exc:
        _source_failed(
            ctx,
            source,
            str(exc),
            exc,
            status=getattr(exc, "status", None),
            retry_after=getattr(exc, "retry_after", None),
        )
        return
    result.seen = len(feed.entries)
    for entry in feed.entries:
        if _register(ctx, entry):
            result.new += 1
    for warning in feed.warnings:
        log.warning(warning, extra=extra)
    ctx.store.record_poll(
        source.name,
        source.url,
        status=result.status,
        error=None,
        seen=result.seen,
        new=result.new,
        feed_title=feed.title,
        etag=_header(response, "etag"),
        last_modified=_header(response, "last-modified"),
        next_poll_at=next_poll_after_success(now, response.headers.get("cache-control"), feed.ttl),
    )
    log.info("polled: %d items, %d new", result.seen, result.new, extra=extra)


def _register(ctx: _Context, entry: FeedEntry) -> bool:
    """Register one feed entry as an item; an entry that cannot be is logged and left out."""
    try:
        url = canonical_url(entry.link)
        return ctx.store.register(item_id(url), url, entry)
    except Exception as exc:  # noqa: BLE001 - one odd entry must not cost the others
        if storage_error(exc) is not None:
            raise
        log.warning(
            "entry left out: %s",
            _unexpected_reason(exc),
            extra={"source": entry.source, "url": entry.link},
        )
        return False


def _header(response: Response, name: str) -> str | None:
    """A validator header to send back (ETag, Last-Modified), if it is sane to store."""
    value = response.headers.get(name)
    ok = value and len(value) <= 1000 and value.isascii() and value.isprintable()
    return value if ok else None


async def _process_all(ctx: _Context, items: Iterator[PendingItem]) -> None:
    async def worker() -> None:
        for item in items:  # a shared iterator: each item goes to exactly one worker
            if ctx.options.stop.is_set() or ctx.fault is not None:
                return
            try:
                await _process(ctx, item)
            except Exception as exc:  # noqa: BLE001 - a bug on one page must not stop the run
                _unit_failed(ctx, exc, partial(_unexpected, ctx, item, exc))

    workers = min(ctx.cfg.fetch.concurrency * 2, 64)
    await asyncio.gather(*(worker() for _ in range(workers)))


def _unexpected(ctx: _Context, item: PendingItem, exc: Exception) -> None:
    """Count an unexpected error as one failed try of the item, with its traceback logged."""
    reason = _unexpected_reason(exc)
    log.error(reason, exc_info=exc, extra={"source": item.entry.source, "url": item.url})
    status = ctx.store.mark_failed(
        item.id, reason, retry=True, max_attempts=ctx.cfg.fetch.max_attempts
    )
    _count(ctx, item.entry.source, item.url, reason, "retry" if status == NEW else "failed")


async def _fetch_and_extract(
    ctx: _Context, source: SourceConfig, entry: FeedEntry
) -> tuple[Page | None, Extracted | None, FetchError | None]:
    link = without_userinfo(entry.link)  # credentials in a feed's link are never sent
    trust = ctx.trust(source)
    try:
        if source.robots if source.robots is not None else ctx.cfg.fetch.robots:
            await ctx.robots.check(link, trust)
        page = await ctx.fetcher.get_page(link, trust)
    except FetchError as exc:
        return None, None, exc
    # What the feed entry already gives (it wins in build_article) is not searched for again.
    task = partial(
        extract,
        page.html,
        page.url,
        search_date=entry.published is None,
        search_authors=not entry.authors,
    )
    assert ctx.pool is not None  # items are processed only once the pool exists
    try:
        return page, await ctx.pool.run(task), None
    except _WorkerDied as exc:
        return page, None, exc  # on the last try the feed's own text is used, as for a 5xx


async def _process(ctx: _Context, item: PendingItem) -> None:
    """Fetch, extract, enrich and publish one item; record the outcome."""
    source = ctx.cfg.source(item.entry.source)
    result = ctx.report.source(source.name)
    extra = {"source": source.name, "url": item.url}
    page, extracted, page_error = await _fetch_and_extract(ctx, source, item.entry)
    if page_error is not None:
        log.warning("page failed: %s", page_error, extra=extra)
    last_try = item.attempts + 1 >= ctx.cfg.fetch.max_attempts
    try:
        if page_error is not None and page_error.transient and not last_try:
            raise page_error
        article = build_article(
            ctx.cfg,
            source,
            item_id=item.id,
            url=item.url,
            entry=item.entry,
            page=page,
            extracted=extracted,
            page_error=page_error,
        )
        article = enrich(article, source, ctx.cfg)
        apply_filters(article, source, ctx.cfg)
        duplicate = ctx.store.add_alias(article.url, item.id)
        if duplicate is not None:
            raise Skip(f"duplicate of item {duplicate} (same final URL)")
        fingerprint = _fingerprint(ctx, article)
        _skip_if_same_story(ctx, source, article, fingerprint)
        versions = await _translations(ctx, article)
        if versions:
            # Another worker may have published the same story while this one waited.
            _skip_if_same_story(ctx, source, article, fingerprint)
            languages = (article.language, *versions)
            article = replace(article, translations=languages)
            versions = {k: replace(v, translations=languages) for k, v in versions.items()}
        for language, version in versions.items():
            _publish(ctx, source, version, language=language)
        # The main post last: once its file exists, a killed run counts the item as published
        # (_reconcile), so every translation must already be on disk.
        path = _publish(ctx, source, article)
    except ExtractionFailed as exc:
        ctx.store.mark_failed(item.id, str(exc), retry=False, max_attempts=1)
        _count(ctx, source.name, item.url, str(exc), "failed")
        return
    except Skip as exc:
        ctx.store.mark_skipped(item.id, str(exc))
        _count(ctx, source.name, item.url, str(exc), "skipped")
        return
    except FetchError as exc:
        status = ctx.store.mark_failed(
            item.id, str(exc), retry=True, max_attempts=ctx.cfg.fetch.max_attempts
        )
        _count(ctx, source.name, item.url, str(exc), "retry" if status == NEW else "failed")
        return
    words = word_count(article.blocks)
    ctx.store.mark_published(item.id, path=path, final_url=article.url, words=words)
    if fingerprint:
        ctx.store.save_fingerprint(item.id, fingerprint)
    ctx.report.decisions.append(Decision(source.name, item.url, article.title, "publish", path))
    result.published += 1
    log.info("published %s", path, extra=extra)
    ctx.progress.item_done(source.name, item.url, "published")


def _fingerprint(ctx: _Context, article: Article) -> list[int] | None:
    """The article's MinHash signature, stored once it is published (None: dedupe is off)."""
    if ctx.cfg.dedupe.mode == "off":
        return None
    return signature(article.text) or None


def _skip_if_same_story(
    ctx: _Context, source: SourceConfig, article: Article, fingerprint: list[int] | None
) -> None:
    """Skip (or link) the article when another source already published the same story."""
    if not fingerprint:
        return
    twin = ctx.store.near_duplicate(fingerprint, ctx.cfg.dedupe.threshold)
    if twin is None:
        return
    if ctx.cfg.dedupe.mode == "link":
        row = ctx.store.item(twin)
        post = ctx.site_dir / row["path"] if row and row.get("path") else None
        if post is not None and post.exists():
            add_source_link(post, source.name, article.url)
            raise Skip(f"same story as item {twin}: added as another source link")
    raise Skip(f"same story as item {twin} from another source")


def _count(ctx: _Context, source: str, url: str, reason: str, outcome: str) -> None:
    result = ctx.report.source(source)
    ctx.report.decisions.append(
        Decision(source, url, "", "skip" if outcome == "skipped" else outcome, reason)
    )
    setattr(result, outcome, getattr(result, outcome) + 1)
    if outcome != "skipped":
        ctx.report.failures.append(Failure(source, url, reason, retry=outcome == "retry"))
    log.log(
        logging.INFO if outcome == "skipped" else logging.WARNING,
        "%s: %s",
        outcome,
        reason,
        extra={"source": source, "url": url},
    )
    ctx.progress.item_done(source, url, outcome)


async def _translations(ctx: _Context, article: Article) -> dict[str, Article]:
    """Translated versions of the article; a language that fails is left out (logged)."""
    cfg = ctx.cfg.translate
    targets = [t for t in cfg.to if t != article.language]
    if not targets:
        return {}
    cache = (ctx.store.cached_translation, ctx.store.save_translation)
    versions: dict[str, Article] = {}
    for target in targets:
        try:
            versions[target] = await asyncio.to_thread(
                translate_article, article, target, cfg, ctx.cfg.posts.summary_words, cache
            )
        except TranslationError as exc:
            log.warning(
                "translation skipped: %s", exc, extra={"source": article.source, "url": article.url}
            )
        except Exception as exc:  # noqa: BLE001 - a failed language never blocks the post
            if storage_error(exc) is not None:
                raise
            extra = {"source": article.source, "url": article.url}
            log.error("translation skipped: %s", _unexpected_reason(exc), extra=extra)
            log.debug("traceback", exc_info=exc, extra=extra)
    return versions


def _publish(ctx: _Context, source: SourceConfig, article: Article, language: str = "") -> str:
    options = source.front_matter(ctx.cfg.posts)
    text = render_post(
        article, options, timezone=ctx.cfg.site.timezone, body_style=ctx.cfg.posts.body_style
    )
    path = post_path(ctx.site_dir, ctx.cfg.posts.section, article.id, language)
    try:
        write_atomic(path, text)
    except OSError as exc:
        exc.filename = exc.filename or str(path)  # write() says what failed, not where
        raise
    return str(path.relative_to(ctx.site_dir))
