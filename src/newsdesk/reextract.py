"""``newsdesk reextract``: published posts made again with today's extraction.

When a site rule or the generic extractor is fixed, the posts already published keep the
text the old code gave them. Re-extraction fetches each chosen post's page again (through the
same fetcher as a run: robots.txt, per-host limits, network rules, the source's trust) or
reads the page the store kept (``[store] keep_html``, ``--offline``), extracts it, assembles
the article as a run would, and rewrites the post atomically under the same path. Only the
body and ``summary`` are written anew (``publish/revise.py``): the date, the title and every
other front matter key stay as the file has them, hand edits included, and so do the closing
source links. An item is never registered or published again, so there is never a second
post. The post's translations are made again by the catch-up (``publish/translations.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from newsdesk.assemble import build_article
from newsdesk.config import Config, SourceConfig, load_config
from newsdesk.enrich import enrich
from newsdesk.errors import NewsdeskError, StorageError, storage_error
from newsdesk.extraction.pool import ExtractionPool, WorkerDied, pool_size
from newsdesk.fetch import Fetcher
from newsdesk.fetch.article import fetch_article
from newsdesk.fetch.guard import source_trust
from newsdesk.fetch.robots import Robots
from newsdesk.items import extraction_task
from newsdesk.layout import Site
from newsdesk.models import Article, FeedEntry, Page, word_count
from newsdesk.pipeline import robots_cache
from newsdesk.publish.files import write_atomic
from newsdesk.publish.markdown import render_body
from newsdesk.publish.revise import NotAPost, split_post, with_new_text, word_changes
from newsdesk.publish.translations import catch_up
from newsdesk.report import CaughtUp, Failure
from newsdesk.runtime import Progress, Quiet, unexpected_reason
from newsdesk.store import ItemRecord, ItemStatus, StateStore, open_store, site_lock
from newsdesk.store import snapshot_store as snapshot
from newsdesk.store.articles import article_to_json
from newsdesk.store.minhash import signature
from newsdesk.store.urls import state_location

log = logging.getLogger("newsdesk")


class ReextractError(NewsdeskError):
    """The posts to re-extract were named wrongly (an unknown source, ids not published)."""


@dataclass(slots=True)
class SourceTally:
    """One source's posts in a re-extraction."""

    name: str
    checked: int = 0
    changed: int = 0
    unchanged: int = 0
    failed: int = 0
    gained: int = 0
    """Words the new texts have that the old ones did not."""
    lost: int = 0
    """Words the old texts had that the new ones do not."""


@dataclass(slots=True)
class ReextractReport:
    """What ``reextract`` did (or, in a dry run, would do)."""

    dry_run: bool = False
    sources: dict[str, SourceTally] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    """The posts rewritten (or that would be), relative to the site folder."""
    translations: CaughtUp = field(default_factory=CaughtUp)
    """The changed posts' translations made again."""

    def tally(self, name: str) -> SourceTally:
        """The tally of source ``name``, created on first use."""
        return self.sources.setdefault(name, SourceTally(name))


class _Failed(NewsdeskError):
    """This post cannot be made again now; it stays as it is."""


def reextract(
    site_dir: Path,
    cfg: Config | None = None,
    *,
    source: str = "",
    since: float | None = None,
    ids: Sequence[str] = (),
    dry_run: bool = False,
    offline: bool = False,
    wait: float | None = None,
    progress: Progress | None = None,
) -> ReextractReport:
    """Re-extract the site's published posts and rewrite those whose text changed.

    Args:
        site_dir: the site folder.
        cfg: the configuration; read from the site folder when None.
        source: only this source's posts.
        since: only posts published in the last ``since`` seconds.
        ids: only these items (each must be a published post).
        dry_run: write nothing (posts, state, translations); report the same table.
        offline: read the pages the store kept (``[store] keep_html``), fetch nothing.
        wait: seconds to wait for a run holding the site (None: as long as it takes).
        progress: told the number of posts and each one done.
    """
    cfg = cfg or load_config(Path(site_dir))
    site = Site(Path(site_dir), cfg.posts.section)
    if source and all(s.name != source for s in cfg.sources):
        raise ReextractError(f"no source named {source!r} in {site.config_file}")
    report = ReextractReport(dry_run=dry_run)
    try:
        with _state(site, cfg, dry_run, wait) as store:
            chosen = _choose(store, source, since, list(ids))
            asyncio.run(_reextract(site, cfg, store, chosen, report, offline, progress or Quiet()))
    except Exception as exc:  # the disk, or the state database
        fault = storage_error(exc, state_location(site, cfg.state.url))
        if fault is None:
            raise
        raise fault from None
    return report


@contextlib.contextmanager
def _state(site: Site, cfg: Config, dry_run: bool, wait: float | None) -> Iterator[StateStore]:
    """The store to work with: a throwaway copy for a dry run (nothing is written, so no
    lock is taken), else the live one under the site's lock."""
    if dry_run:
        with snapshot(site, cfg.state.url) as store:
            yield store
        return
    with site_lock(site.state_dir, wait=wait), open_store(site, cfg.state.url) as store:
        yield store


def _choose(
    store: StateStore, source: str, since: float | None, ids: list[str]
) -> list[ItemRecord]:
    """The published posts asked for, oldest first."""
    published = {i.id: i for i in store.items(ItemStatus.PUBLISHED) if i.path}
    if ids:
        unknown = [i for i in ids if i not in published]
        if unknown:
            raise ReextractError(f"not published posts of this site: {', '.join(unknown)}")
        chosen = [published[i] for i in dict.fromkeys(ids)]
    else:
        chosen = list(published.values())
    if source:
        chosen = [i for i in chosen if i.source == source]
    if since is not None:
        cutoff = (datetime.now(UTC) - timedelta(seconds=since)).isoformat()
        chosen = [i for i in chosen if (i.published_at or "") >= cutoff]
    return sorted(chosen, key=lambda i: (i.published_at or "", i.id))


async def _reextract(
    site: Site,
    cfg: Config,
    store: StateStore,
    chosen: list[ItemRecord],
    report: ReextractReport,
    offline: bool,
    progress: Progress,
) -> None:
    for item in chosen:
        report.tally(item.source)
    progress.items_started(len(chosen))
    queue = iter(chosen)
    retranslate: list[str] = []
    async with Fetcher(cfg.fetch) as fetcher:
        robots = Robots(fetcher, *robots_cache(store))
        pool = ExtractionPool(pool_size(cfg.extract.workers), lambda: len(chosen))
        work = _Work(site, cfg, store, fetcher, robots, pool, report, offline, retranslate)
        try:
            workers = max(1, min(cfg.fetch.concurrency * 2, 64, len(chosen)))
            await asyncio.gather(*(work.drain(queue, progress) for _ in range(workers)))
        finally:
            pool.close()
        if work.fault is not None:
            raise work.fault
        if retranslate and not report.dry_run and not offline and cfg.translate.to:
            # Offline, nothing goes to the network: the next run makes them.
            report.translations = await catch_up(
                site, cfg, store, fetcher, limit=len(retranslate) * len(cfg.translate.to)
            )


@dataclass
class _Work:
    """What every worker of one re-extraction shares."""

    site: Site
    cfg: Config
    store: StateStore
    fetcher: Fetcher
    robots: Robots
    pool: ExtractionPool
    report: ReextractReport
    offline: bool
    retranslate: list[str]
    fault: StorageError | None = None

    async def drain(self, queue: Iterator[ItemRecord], progress: Progress) -> None:
        """Take posts one at a time until none is left (or the store failed)."""
        for item in queue:
            if self.fault is not None:
                return
            outcome = await self.one(item)
            progress.item_done(item.source, item.url, outcome)

    async def one(self, item: ItemRecord) -> str:
        """Re-extract one post; whatever goes wrong stays with it (a store failure stops
        the whole re-extraction, as it stops a run)."""
        tally = self.report.tally(item.source)
        tally.checked += 1
        try:
            changed = await self._revise(item, tally)
        except _Failed as exc:
            return self._failed(item, tally, str(exc))
        except Exception as exc:  # noqa: BLE001 - a bug on one page must not stop the others
            fault = storage_error(exc, state_location(self.site, self.cfg.state.url))
            if fault is not None:
                self.fault = fault
                return self._failed(item, tally, str(fault))
            log.debug("traceback", exc_info=exc, extra={"source": item.source, "url": item.url})
            return self._failed(item, tally, unexpected_reason(exc))
        if changed:
            tally.changed += 1
            return "changed"
        tally.unchanged += 1
        return "unchanged"

    def _failed(self, item: ItemRecord, tally: SourceTally, reason: str) -> str:
        tally.failed += 1
        self.report.failures.append(Failure(item.source, item.url, reason, retry=False))
        log.warning("not re-extracted: %s", reason, extra={"source": item.source, "url": item.url})
        return "failed"

    async def _revise(self, item: ItemRecord, tally: SourceTally) -> bool:
        """Make the post again; True when its text changed (and, unless a dry run, was
        rewritten)."""
        path = self.site.root / (item.path or "")
        try:
            old = path.read_text(encoding="utf-8")
            parts = split_post(old)
        except FileNotFoundError:
            raise _Failed(f"the post {item.path} is not on disk") from None
        except (NotAPost, UnicodeDecodeError) as exc:
            raise _Failed(f"the post {item.path} is not a post newsdesk can read: {exc}") from None
        try:
            source = self.cfg.source(item.source)
        except KeyError:
            raise _Failed(f"source {item.source!r} is no longer in newsdesk.toml") from None
        entry = self.store.entry(item.id) or FeedEntry(item.source, item.url, title=item.title)
        page = await self._page(item, entry, source)
        try:
            extracted = await self.pool.run(extraction_task(page, entry))
        except WorkerDied as exc:
            raise _Failed(str(exc)) from None
        if extracted.word_count < self.cfg.extract.min_words:  # a paywall, a consent page
            raise _Failed(
                f"the page now gives {extracted.word_count} word(s), fewer than [extract]"
                f" min_words = {self.cfg.extract.min_words}: the post is kept as it is"
            )
        try:
            # The page's own text only: the feed's teaser never replaces a published post.
            article = build_article(
                self.cfg,
                source,
                item_id=item.id,
                url=item.url,
                entry=replace(entry, content_html=""),
                page=page,
                extracted=extracted,
                page_error=None,
            )
        except NewsdeskError as exc:  # no title, or only the headline
            raise _Failed(str(exc)) from None
        article = enrich(article, source, self.cfg)
        body = render_body(article.blocks, self.cfg.posts.body_style)
        try:
            new = with_new_text(old, body, article.summary)
        except NotAPost as exc:
            raise _Failed(f"the post {item.path} cannot be rewritten safely: {exc}") from None
        gained, lost = word_changes(parts.body, body)
        dry = self.report.dry_run
        if self.cfg.store.keep_html and not self.offline and not dry:
            self.store.keep_page(item.id, page.url, page.html)
        if new == old:
            return False
        if not dry:
            if path.read_text(encoding="utf-8") != old:  # an editor saved it meanwhile
                raise _Failed(f"the post {item.path} was changed while it was re-extracted")
            # The state before the file: a run killed after the write would see the post
            # unchanged and never redo these (both are harmless if the write never happens).
            fingerprint = signature(article.text) if self.cfg.dedupe.mode != "off" else None
            self.store.revise(item.id, word_count(article.blocks), fingerprint or None)
            self._want_translations(path, article)
            write_atomic(path, new)
        tally.gained += gained
        tally.lost += lost
        self.report.changed.append(item.path or "")
        return True

    async def _page(self, item: ItemRecord, entry: FeedEntry, source: SourceConfig) -> Page:
        """The page to extract: the kept one offline, else fetched again."""
        if self.offline:
            kept = self.store.kept_page(item.id)
            if kept is None:
                raise _Failed("no page kept for it ([store] keep_html was off when it was fetched)")
            return Page(kept.url, 200, kept.html)
        robots = self.robots if source.checks_robots(self.cfg.fetch) else None
        trust = source_trust(source, self.cfg.fetch)
        try:
            return await fetch_article(self.fetcher, robots, entry, trust)
        except NewsdeskError as exc:
            raise _Failed(f"page failed: {exc}") from None

    def _want_translations(self, path: Path, article: Article) -> None:
        """The post's translations into configured languages, written or still waiting,
        are made again from the new text by the catch-up."""
        stem = f"{article.id}."
        written = sorted(
            p.name[len(stem) : -len(".md")]
            for p in path.parent.glob(f"{article.id}.*.md")
            if p.name != path.name
        )
        waiting = self.store.waiting_translations(article.id)
        wanted = sorted(
            lang
            for lang in {*written, *waiting}
            if lang in self.cfg.translate.to and lang != article.language
        )
        if not wanted:
            return
        stored = article_to_json(replace(article, translations=(article.language, *written)))
        for language in wanted:
            self.store.want_translation(article.id, language, stored)
        self.retranslate.append(article.id)
