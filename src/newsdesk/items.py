"""One item as a unit of a run: through the stages fetch -> extract -> assemble/enrich ->
dedupe (the store's reservation) -> translate -> publish, ending in one ``Outcome``.

A stage returns the next record or raises ``Skip`` (not published, by design) or ``Fail``
(``retry``: tried again by a later run, up to ``max_attempts``; else given up with its
reason). Whatever else an item raises, bugs included, is recorded against that item only.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import replace
from functools import partial
from pathlib import Path

from newsdesk.assemble import build_article
from newsdesk.config import SourceConfig
from newsdesk.enrich import apply_filters, enrich
from newsdesk.enrich.image import ImageRefused, LeadImage, clean_image, download_image
from newsdesk.enrich.translate import TranslationError, TranslationSkipped, translate_article
from newsdesk.errors import Fail, FetchError, NewsdeskError, Skip, storage_error
from newsdesk.extraction import extract
from newsdesk.extraction.pool import WorkerDied
from newsdesk.fetch.article import fetch_article
from newsdesk.models import Article, Extracted, FeedEntry, Page, word_count
from newsdesk.publish.sink import LeaseLost
from newsdesk.publish.translations import want_translations
from newsdesk.publish.writer import rendered_post
from newsdesk.report import Decision, Outcome, PublishedPost
from newsdesk.runtime import RunContext, unexpected_reason
from newsdesk.store import Conflict, ItemStatus, PendingItem, Publication
from newsdesk.store.minhash import signature

log = logging.getLogger("newsdesk")


async def item_unit(ctx: RunContext, item: PendingItem) -> None:
    """Process one claimed item and record its outcome; nothing it raises escapes."""
    try:
        await _process(ctx, item)
    except Exception as exc:  # noqa: BLE001 - a bug on one page must not stop the run
        ctx.unit_failed(exc, partial(_unexpected, ctx, item, exc))


def _unexpected(ctx: RunContext, item: PendingItem, exc: Exception) -> None:
    """Count an unexpected error as one failed try of the item, with its traceback logged."""
    reason = unexpected_reason(exc)
    log.error(reason, exc_info=exc, extra={"source": item.entry.source, "url": item.url})
    _failed(ctx, item, reason, retry=True)


def _failed(ctx: RunContext, item: PendingItem, reason: str, *, retry: bool) -> None:
    limit = ctx.cfg.fetch.max_attempts if retry else 1
    status = ctx.store.mark_failed(item.id, reason, retry=retry, max_attempts=limit)
    if status not in (ItemStatus.NEW, ItemStatus.FAILED):  # it got past failing (published)
        log.error("not counted as failed, the item is %s: %s", status, reason)
        return
    outcome = Outcome.RETRY if status is ItemStatus.NEW else Outcome.FAILED
    ctx.count(item.entry.source, item.url, outcome, reason)


class _Later(NewsdeskError):
    """The item cannot be decided now; it is given back untried, for the next run."""


async def _process(ctx: RunContext, item: PendingItem) -> None:
    source = ctx.cfg.source(item.entry.source)
    page, extracted, page_error = await _fetch_and_extract(ctx, source, item.entry)
    if page_error is not None:
        log.warning("page failed: %s", page_error, extra={"source": source.name, "url": item.url})
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
        before = ctx.options.not_before
        if before and item.entry.published is None and article.published < before:
            raise Skip(f"published {article.published:%Y-%m-%d}, before the backfill's window")
        article = enrich(article, source, ctx.cfg)
        apply_filters(article, source, ctx.cfg)
        _reserve(ctx, source, item, article)
        path = await _publish(ctx, source, article, page)
    except Skip as exc:
        ctx.store.mark_skipped(item.id, str(exc))
        ctx.count(source.name, item.url, Outcome.SKIPPED, str(exc))
        return
    except _Later as exc:
        ctx.store.release(item.id)
        ctx.count(source.name, item.url, Outcome.RETRY, str(exc))
        return
    except LeaseLost as exc:
        log.warning("%s", exc, extra={"source": source.name, "url": item.url})
        return
    except Fail as exc:
        _failed(ctx, item, str(exc), retry=exc.retry)
        return
    ctx.count(source.name, item.url, Outcome.PUBLISHED, path, article.title)
    ctx.report.posts.append(
        PublishedPost(
            title=article.title,
            url=article.url,
            path=path,
            source=source.name,
            date=article.published.isoformat(),
            summary=article.summary,
            tags=article.tags,
        )
    )
    if page_error is not None:
        ctx.fell_back(source.name, item.url, str(page_error))


async def _fetch_and_extract(
    ctx: RunContext, source: SourceConfig, entry: FeedEntry
) -> tuple[Page | None, Extracted | None, FetchError | None]:
    robots = ctx.robots if source.checks_robots(ctx.cfg.fetch) else None
    try:
        page = await fetch_article(ctx.fetcher, robots, entry, ctx.trust(source))
    except FetchError as exc:
        return None, None, exc
    task = extraction_task(page, entry)
    assert ctx.pool is not None  # items are processed only once the pool exists
    try:
        return page, await ctx.pool.run(task), None
    except WorkerDied as exc:
        return page, None, exc  # on the last try the feed's own text is used, as for a 5xx


def extraction_task(page: Page, entry: FeedEntry) -> partial[Extracted]:
    """The extraction of ``page`` for the extraction pool. What the feed entry already gives
    (it wins in build_article) is not searched for again."""
    return partial(
        extract,
        page.html,
        page.url,
        search_date=entry.published is None,
        search_authors=not entry.authors,
    )


def _reserve(ctx: RunContext, source: SourceConfig, item: PendingItem, article: Article) -> None:
    """The dedupe stage: the store reserves the post, or names the item that already has
    its final URL or its story (then Skip; in ``link`` mode the twin's post gets a link)."""
    dedupe = ctx.cfg.dedupe
    fingerprint = signature(article.text) or None if dedupe.mode != "off" else None
    publication = Publication(
        path=ctx.site.relative(ctx.site.post_path(article.id)),
        final_url=article.url,
        words=word_count(article.blocks),
        fingerprint=fingerprint,
        threshold=dedupe.threshold,
    )
    conflict = ctx.store.reserve(item.id, publication)
    if conflict is None:
        return
    if conflict.kind == "story" and conflict.pending:
        # The twin may still fail and be given back, and its post is not there to link to.
        raise _Later(f"same story as item {conflict.twin}, still being published: next run")
    raise Skip(_conflict_reason(ctx, source, item.id, article, conflict))


def _conflict_reason(
    ctx: RunContext, source: SourceConfig, item_id: str, article: Article, conflict: Conflict
) -> str:
    if conflict.kind == "url":
        return f"duplicate of item {conflict.twin} (same final URL)"
    linked = ctx.cfg.dedupe.mode == "link" and conflict.twin_path
    if linked and ctx.sink.add_link(item_id, conflict.twin_path or "", source.name, article.url):
        return f"same story as item {conflict.twin}: added as another source link"
    return f"same story as item {conflict.twin} from another source"


async def _publish(
    ctx: RunContext, source: SourceConfig, article: Article, page: Page | None
) -> str:
    """Render the translations and the post, and hand them to the run's sink (the site
    folder, or the outbox). A failure before the post is on disk or staged gives the
    reservation back: the item is pending again."""
    main = ctx.site.post_path(article.id)
    missing: dict[str, TranslationError] = {}
    try:
        versions = await _translations(ctx, article, missing)
        if versions:
            languages = (article.language, *versions)
            article = replace(article, translations=languages)
            versions = {k: replace(v, translations=languages) for k, v in versions.items()}
        files: list[tuple[Path, str | bytes]] = []
        thumbnail = None
        if source.front_matter(ctx.cfg.posts).thumbnail == "auto":
            image = await _lead_image(ctx, source, article)
            thumbnail = ""
            if image is not None:
                path = ctx.site.thumbnail_path(article.id, image.suffix)
                files.append((path, image.data))  # first: a post never names a missing file
                thumbnail = ctx.site.thumbnail_ref(path)
        files += [
            rendered_post(ctx.site, ctx.cfg, source, version, language, thumbnail=thumbnail)
            for language, version in versions.items()
        ]
        # The main post last: a run killed after it is on disk counts the item as published
        # (recovery), so every translation must already be there.
        files.append(rendered_post(ctx.site, ctx.cfg, source, article, thumbnail=thumbnail))
        ctx.sink.publish(article.id, files)
        if page is not None and ctx.cfg.store.keep_html and not ctx.options.dry_run:
            ctx.store.keep_page(article.id, page.url, page.html)
        if missing and not ctx.options.dry_run:  # a later run writes them (catch-up)
            want_translations(ctx.store, article, missing, ctx.cfg.translate.max_attempts)
    except LeaseLost:
        raise  # the reservation is another worker's now: not ours to give back
    except BaseException:  # cancelled included
        # A post on disk was published (recovery finishes it); when the store itself
        # fails too, the next run's recovery gives the reservation back.
        if not main.exists():
            with contextlib.suppress(Exception):
                ctx.store.unreserve(article.id)
        raise
    return ctx.site.relative(main)


async def _lead_image(ctx: RunContext, source: SourceConfig, article: Article) -> LeadImage | None:
    """The article's lead image, downloaded and cleaned, or None (no image, or it could not
    be had: the post goes out without one, and the log says why)."""
    if not article.image:
        return None
    assert ctx.pool is not None  # items are processed only once the pool exists
    try:
        data = await download_image(ctx.fetcher, article.image, ctx.trust(source), ctx.cfg.images)
        # Decoding is CPU work on hostile bytes: in the extraction pool, off the event loop,
        # where a crash costs this image only.
        return await ctx.pool.run(partial(clean_image, data, ctx.cfg.images))
    except (FetchError, ImageRefused) as exc:
        log.warning(
            "lead image left out: %s",
            exc,
            extra={"source": source.name, "url": article.url, "image": article.image},
        )
        return None


async def _translations(
    ctx: RunContext, article: Article, missing: dict[str, TranslationError]
) -> dict[str, Article]:
    """Translated versions of the article; a language that fails is left out (logged) and
    put in ``missing`` with its error, for a later run to catch up."""
    cfg = ctx.cfg.translate
    extra = {"source": article.source, "url": article.url}
    versions: dict[str, Article] = {}
    for target in (t for t in cfg.to if t != article.language):
        try:
            versions[target] = await translate_article(
                article,
                target,
                cfg,
                ctx.cfg.posts.summary_words,
                ctx.store,
                ctx.fetcher,
                paid=not ctx.options.dry_run,
            )
        except TranslationSkipped as exc:
            ctx.report.decisions.append(
                Decision(article.source, article.url, article.title, "translate", str(exc))
            )
            log.info("%s", exc, extra=extra)
        except TranslationError as exc:
            log.warning("translation left for a later run: %s", exc, extra=extra)
            missing[target] = exc
        except Exception as exc:  # noqa: BLE001 - a failed language never blocks the post
            if storage_error(exc) is not None:
                raise
            log.error("translation left for a later run: %s", unexpected_reason(exc), extra=extra)
            log.debug("traceback", exc_info=exc, extra=extra)
            missing[target] = TranslationError(unexpected_reason(exc))
    return versions
