"""``newsdesk report``: each source's health over the last days, from the state: posts and
failures per day, the median length of its posts (a layout change that broke extraction
shows as a collapse), when its feed last worked, and a summary of what needs a look."""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from newsdesk.config import Config, load_config
from newsdesk.layout import Site
from newsdesk.status import as_configured
from newsdesk.store import DayActivity, open_store

STOPPED_AFTER_DAYS = 3
"""A source that published in the window but not in this many days has stopped."""


@dataclass(frozen=True, slots=True)
class SourceHealth:
    """One source over the report's days (oldest first)."""

    name: str
    url: str
    state: str
    """``ok``, ``failing`` (its feed fails now), ``stopped`` (no post for days),
    ``shrinking`` (its texts collapsed), ``quiet`` (no post in the window), ``disabled``."""
    published: list[int]
    failed: list[int]
    median_words: list[int | None]
    last_success: str | None
    last_post_day: str | None
    consecutive_failures: int
    last_error: str | None
    shrinking: tuple[int, int] | None = None
    """(median words before, median words now) when its texts collapsed."""


@dataclass(frozen=True, slots=True)
class HealthReport:
    """Every source's health over ``days`` (UTC dates, oldest first)."""

    generated_at: str
    site_title: str
    days: list[str]
    sources: list[SourceHealth]
    summary: dict[str, int] = field(default_factory=dict)


def health_report(site_dir: Path, cfg: Config | None = None, *, days: int = 30) -> HealthReport:
    """Read the site's state into a report over the last ``days`` days."""
    cfg = cfg or load_config(Path(site_dir))
    now = datetime.now(UTC)
    first = (now - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    dates = [(first + timedelta(days=n)).strftime("%Y-%m-%d") for n in range(days)]
    names = [s.name for s in cfg.sources]
    with open_store(Site(Path(site_dir), cfg.posts.section), cfg.state.url) as store:
        urls = {s.name: s.url for s in cfg.sources}
        status = {
            row.name: as_configured(row, urls[row.name]) for row in store.source_status(names)
        }
        activity = store.daily_activity(names, first)
        success = store.last_success(names)
        shrinking = store.shrinking_sources(names)
    by_source: dict[str, dict[str, DayActivity]] = {}
    for day in activity:
        by_source.setdefault(day.source, {})[day.day] = day
    sources = []
    for source in cfg.sources:
        row = status[source.name]
        daily = by_source.get(source.name, {})
        published = [daily[d].published if d in daily else 0 for d in dates]
        posted = [d for d in dates if d in daily and daily[d].published]
        health = SourceHealth(
            name=source.name,
            url=source.url,
            state="",
            published=published,
            failed=[daily[d].failed if d in daily else 0 for d in dates],
            median_words=[
                int(statistics.median(daily[d].words)) if d in daily and daily[d].words else None
                for d in dates
            ],
            last_success=success.get(source.name),
            last_post_day=posted[-1] if posted else None,
            consecutive_failures=row.consecutive_failures,
            last_error=row.last_error,
            shrinking=shrinking.get(source.name),
        )
        sources.append(_with_state(health, source.enabled, dates))
    summary = {"sources": len(sources)}
    for state in ("ok", "failing", "stopped", "shrinking", "quiet", "disabled"):
        summary[state] = sum(1 for s in sources if s.state == state)
    summary["posts"] = sum(sum(s.published) for s in sources)
    summary["failures"] = sum(sum(s.failed) for s in sources)
    return HealthReport(now.isoformat(timespec="seconds"), cfg.site.title, dates, sources, summary)


def _with_state(health: SourceHealth, enabled: bool, dates: list[str]) -> SourceHealth:
    recent = dates[-STOPPED_AFTER_DAYS:]
    if not enabled:
        state = "disabled"
    elif health.consecutive_failures:
        state = "failing"
    elif health.shrinking:
        state = "shrinking"
    elif health.last_post_day is None:
        state = "quiet"
    elif health.last_post_day < recent[0]:
        state = "stopped"
    else:
        state = "ok"
    return replace(health, state=state)


def report_data(report: HealthReport) -> dict[str, object]:
    """The report as plain data (``report --json``)."""
    return asdict(report)
