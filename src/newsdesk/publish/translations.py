"""Translations that catch up: a language that failed when its post was published (the
backend was down) is written by a later run, and a post whose text changed (``reextract``)
gets its translations made again.

Each wanted translation waits in the state store (``want_translation``) with the article to
translate. A run takes the waiting ones, translates them through the usual backend (its cache
included), and writes each as the first publish would have: a missing translation becomes a
new post whose language is then added to the ``translations`` list of the posts already
there; an existing one gets the new body and summary under its own front matter. A backend
failure counts a try (a 4xx gives up at once); the first passing failure ends this run's
catch-up, since the backend is down for the rest too.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from newsdesk.config import Config
from newsdesk.enrich.translate import TranslationError, translate_article
from newsdesk.errors import storage_error
from newsdesk.fetch.client import Fetcher
from newsdesk.layout import Site
from newsdesk.models import Article
from newsdesk.publish.drafts import is_draft
from newsdesk.publish.files import write_atomic
from newsdesk.publish.markdown import render_body
from newsdesk.publish.post import render_post
from newsdesk.publish.revise import NotAPost, front_values, split_post, with_language, with_new_text
from newsdesk.report import CaughtUp
from newsdesk.runtime import unexpected_reason
from newsdesk.store import ItemStatus, StateStore
from newsdesk.store.articles import article_from_json, article_to_json

log = logging.getLogger("newsdesk")

BACKEND_SETTING = "translate.backend"
"""The state setting that remembers which backend configuration last translated."""
BATCH = 100
"""Translations one run catches up at most: the backlog drains over several runs."""


def want_translations(
    store: StateStore, article: Article, failed: dict[str, TranslationError], max_attempts: int
) -> None:
    """Record the languages that failed when ``article`` was published, each with the try
    that failed counted; called once the post is published."""
    stored = article_to_json(article)
    for language, error in failed.items():
        store.want_translation(article.id, language, stored)
        store.translation_failed(
            article.id, language, str(error), retry=error.retry, max_attempts=max_attempts
        )


async def catch_up(
    site: Site,
    cfg: Config,
    store: StateStore,
    fetcher: Fetcher,
    *,
    before: datetime | None = None,
    limit: int = BATCH,
    stop: Callable[[], bool] | None = None,
) -> CaughtUp:
    """Write the waiting translations into the configured languages, up to ``limit``;
    ``before``: only those last tried before it (not the ones this run just failed);
    ``stop``: asked between translations, True ends the catch-up (the rest waits)."""
    done = CaughtUp()
    languages = list(cfg.translate.to)
    if not languages:
        return done
    _retry_after_a_new_backend(cfg, store)
    due = store.translations_due(languages, cfg.translate.max_attempts, limit, before=before)
    if not due:
        return done  # the usual case: nothing waits
    for wanted in due:
        if stop is not None and stop():
            break
        extra = {"source": "", "url": "", "item": wanted.item_id, "language": wanted.language}
        try:
            article = article_from_json(wanted.article)
        except (ValueError, TypeError, KeyError):
            store.translation_done(wanted.item_id, wanted.language)  # nothing to translate
            continue
        extra.update(source=article.source, url=article.url)
        if not _still_wanted(site, store, wanted.item_id, article, wanted.language):
            continue
        try:
            await _write(site, cfg, store, fetcher, article, wanted.language)
        except TranslationError as exc:
            done.failed += 1
            waits = store.translation_failed(
                wanted.item_id,
                wanted.language,
                str(exc),
                retry=exc.retry,
                max_attempts=cfg.translate.max_attempts,
            )
            log.warning(
                "translation still missing%s: %s", "" if waits else ", given up", exc, extra=extra
            )
            if exc.retry:
                break  # the backend is down or struggling: the rest waits for the next run
            continue
        except Exception as exc:
            if storage_error(exc) is not None:
                raise
            done.failed += 1
            store.translation_failed(
                wanted.item_id,
                wanted.language,
                unexpected_reason(exc),
                retry=True,
                max_attempts=cfg.translate.max_attempts,
            )
            log.error("translation still missing: %s", unexpected_reason(exc), extra=extra)
            log.debug("traceback", exc_info=exc, extra=extra)
            continue
        store.translation_done(wanted.item_id, wanted.language)
        done.written += 1
        log.info("translation caught up", extra=extra)
    done.waiting = store.translation_backlog().waiting
    return done


def _retry_after_a_new_backend(cfg: Config, store: StateStore) -> None:
    """Translations given up (a 4xx: a wrong URL, model or key name) wait again once the
    ``[translate]`` backend, URL, model or key variable changed: the refusal was the old
    configuration's."""
    backend = cfg.translate
    now = hashlib.sha256(
        "\x00".join((backend.backend, backend.url, backend.model, backend.api_key_env)).encode()
    ).hexdigest()[:16]
    if store.setting(BACKEND_SETTING, now) != now:
        revived = store.retry_given_up_translations()
        store.change_setting(BACKEND_SETTING, now)
        if revived:
            log.info("the translation backend changed: %d given-up translation(s) retried", revived)


def catch_up_now(
    site: Site,
    cfg: Config,
    store: StateStore,
    *,
    before: datetime | None = None,
    stop: Callable[[], bool] | None = None,
) -> CaughtUp:
    """:func:`catch_up` with a fetcher of its own (a fleet's run, once the queue drained)."""

    async def run() -> CaughtUp:
        async with Fetcher(cfg.fetch) as fetcher:
            return await catch_up(site, cfg, store, fetcher, before=before, stop=stop)

    return asyncio.run(run())


def _still_wanted(
    site: Site, store: StateStore, item_id: str, article: Article, language: str
) -> bool:
    """Whether the translation can be written now. A post no longer published (pruned,
    rejected, gone by hand) or a language that is the post's own never will be: that want
    is done. A post not written yet (a fleet's staged post) waits, untried."""
    item = store.item(item_id)
    if item is not None and item.status in (ItemStatus.PUBLISHING, ItemStatus.READY):
        return False
    main = site.post_path(item_id)
    if item is None or item.status is not ItemStatus.PUBLISHED or not main.exists():
        store.translation_done(item_id, language)
        return False
    if language == article.language:
        store.translation_done(item_id, language)
        return False
    return True


async def _write(
    site: Site, cfg: Config, store: StateStore, fetcher: Fetcher, article: Article, language: str
) -> None:
    """Translate ``article`` into ``language`` and write it, as described above."""
    version = await translate_article(
        article, language, cfg.translate, cfg.posts.summary_words, store, fetcher
    )
    target = site.post_path(article.id, language)
    main = site.post_path(article.id)
    if target.exists():  # the text changed: the translation follows, its front matter kept
        body = render_body(version.blocks, cfg.posts.body_style)
        try:
            write_atomic(target, with_new_text(target.read_text("utf-8"), body, version.summary))
        except NotAPost:
            _write_new(site, cfg, article, version, language)  # not a post any more
    else:
        _write_new(site, cfg, article, version, language)
    # Then every post already written lists the language, the main post last. Always: a
    # run killed after the translation was written finishes the lists here.
    others = [p for p in site.post_files(article.id) if p not in (main, target)]
    for path in [*others, main]:
        try:
            old = path.read_text(encoding="utf-8")
            new = with_language(old, language)
            if new != old:
                write_atomic(path, new)
        except (NotAPost, FileNotFoundError) as exc:
            log.warning("translations list not updated: %s", exc, extra={"path": str(path)})


def _write_new(site: Site, cfg: Config, article: Article, version: Article, language: str) -> None:
    """Write the translation as the first publish would have."""
    main = site.post_path(article.id)
    front = front_values(split_post(main.read_text(encoding="utf-8")).front)
    listed = front.get("translations")
    languages = [str(x) for x in listed] if isinstance(listed, list) else []
    if not languages:
        languages = [article.language] if article.language else []
    if language not in languages:
        languages.append(language)
    try:
        options = cfg.source(article.source).front_matter(cfg.posts)
    except KeyError:  # the source left the config since: the site's own defaults
        options = cfg.posts
    options = options.model_copy(update={"draft": is_draft(main)})
    thumbnail = front.get("thumbnail")
    text = render_post(
        replace(version, translations=tuple(languages)),
        options,
        timezone=cfg.site.timezone,
        body_style=cfg.posts.body_style,
        thumbnail=thumbnail if isinstance(thumbnail, str) else None,
    )
    write_atomic(site.post_path(article.id, language), text)
