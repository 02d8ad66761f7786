"""``newsdesk status``: what the state says about each source, read in one place."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from newsdesk.config import Config, load_config
from newsdesk.layout import Site
from newsdesk.notify import failed_notifications
from newsdesk.publish.drafts import draft_ids
from newsdesk.store import (
    SourceStatus,
    StateStore,
    TranslationBacklog,
    WorkerSeen,
    open_store,
)


@dataclass(frozen=True, slots=True)
class SiteStatus:
    """Per-source health, each source's latest failed items, and sources whose text shrank."""

    sources: list[SourceStatus]
    failures: dict[str, list[tuple[str, str]]]
    """source -> [(url, reason)], most recent first."""
    shrinking: dict[str, tuple[int, int]]
    """source -> (median words before, median words now)."""
    fleet: FleetStatus | None = None
    """The queue and its workers (None: no ``[queue]``)."""
    drafts: dict[str, int] = field(default_factory=dict)
    """source -> posts written as drafts, waiting for ``newsdesk approve``."""
    notify_failures: list[tuple[str, str, str, str]] = field(default_factory=list)
    """Webhooks whose last delivery failed: (url, event, when, why)."""
    translations: TranslationBacklog | None = None
    """Translations of published posts still to write, and the backend's failures."""


WORKERS_SEEN_WITHIN = 300.0
"""``status`` lists the workers seen in the last five minutes."""


@dataclass(frozen=True, slots=True)
class FleetStatus:
    """What a site with a queue has in flight."""

    queue: str
    depth: int | None
    """Messages queued or in progress (None: Redis could not be reached; see ``error``)."""
    workers: list[WorkerSeen]
    leased: int
    ready: int
    """Items finished by workers whose posts wait for the site's ``run`` or ``watch``."""
    error: str | None = None


def site_status(site_dir: Path, cfg: Config | None = None, *, errors: int = 3) -> SiteStatus:
    """Read the status of every configured source from the site's state."""
    cfg = cfg or load_config(Path(site_dir))
    names = [s.name for s in cfg.sources]
    urls = {s.name: s.url for s in cfg.sources}
    site = Site(Path(site_dir), cfg.posts.section)
    with open_store(site, cfg.state.url) as store:
        drafts: dict[str, int] = {}
        # Finding drafts reads every post's front matter: only where drafts are written.
        drafting = cfg.posts.draft or any(s.draft for s in cfg.sources)
        for item_id in draft_ids(site) if drafting else []:
            item = store.item(item_id)
            if item is not None:
                drafts[item.source] = drafts.get(item.source, 0) + 1
        return SiteStatus(
            drafts=drafts,
            notify_failures=failed_notifications(store),
            translations=store.translation_backlog(),
            sources=[as_configured(row, urls[row.name]) for row in store.source_status(names)],
            failures={name: store.last_errors(name, errors) for name in names},
            shrinking=store.shrinking_sources(names),
            fleet=_fleet(cfg, store) if cfg.queue.url else None,
        )


def status_records(state: SiteStatus) -> list[dict[str, object]]:
    """``status --json``: one object per source with every field of the status, its
    latest failed items and, when its text shrank, the median words before and now."""
    records: list[dict[str, object]] = []
    for row in state.sources:
        shrunk = state.shrinking.get(row.name)
        records.append(
            {
                **asdict(row),
                "recent_failures": [
                    {"url": url, "reason": reason}
                    for url, reason in state.failures.get(row.name, [])
                ],
                "shrinking": {"words_before": shrunk[0], "words_now": shrunk[1]}
                if shrunk
                else None,
                "drafts": state.drafts.get(row.name, 0),
            }
        )
    return records


def as_configured(row: SourceStatus, url: str) -> SourceStatus:
    """A source whose URL changed since its last poll starts fresh on the next one (see
    ``SourceState.for_url``): its old pause and failures are not shown as its own."""
    if not row.url or row.url == url:
        return row
    return replace(row, url=url, next_poll_at=None, consecutive_failures=0, last_error=None)


def _fleet(cfg: Config, store: StateStore) -> FleetStatus:
    depth, error = None, None
    try:
        from newsdesk.queue.broker import connect

        actors = connect(cfg.queue)
        try:
            depth = actors.depth()
        finally:
            actors.broker.close()
    except Exception as exc:  # noqa: BLE001 - status reports what it can read
        error = f"cannot reach the queue: {type(exc).__name__}: {exc}"
    return FleetStatus(
        queue=cfg.queue.name,
        depth=depth,
        workers=store.workers(WORKERS_SEEN_WITHIN),
        leased=store.leased_count(),
        ready=store.ready_count(),
        error=error,
    )
