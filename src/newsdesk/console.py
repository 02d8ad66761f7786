"""Rich output for the CLI: the progress bar and the per-source tables."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from rich import box
from rich.console import Console, Group, RenderableType
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from newsdesk.report import RunReport, SourceReport

if TYPE_CHECKING:
    from newsdesk.backfill import BackfillReport
    from newsdesk.demo import DemoResult
    from newsdesk.layout import Site
    from newsdesk.reextract import ReextractReport
    from newsdesk.runtime import RunOptions
    from newsdesk.status import FleetStatus, SiteStatus
    from newsdesk.store import SourceStatus, TranslationBacklog

console = Console()
err_console = Console(stderr=True)

WIDE_ENOUGH = 140
"""Columns a terminal needs for the full tables; narrower, or not a terminal (cron, a pipe,
a log file), the compact layout is printed, in which every source name is whole."""


def _compact(wide: bool) -> bool:
    return not wide and (not console.is_terminal or console.width < WIDE_ENOUGH)


def _print_wide(table: Table) -> None:
    """Print ``table`` with every column at its natural width, however wide that is."""
    width = max(
        console.width, console.measure(table, options=console.options.update(width=10_000)).maximum
    )
    Console(width=width, no_color=console.no_color, force_terminal=console.is_terminal).print(table)


class RichProgress:
    """Shows the pipeline's progress on stderr (only when it is a terminal)."""

    def __init__(self) -> None:
        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=err_console,
            transient=True,
        )
        self._sources = self.bar.add_task("polling feeds", total=None, visible=False)
        self._items = self.bar.add_task("articles", total=None, visible=False)
        self._files = self.bar.add_task("reading the archive", total=None, visible=False)

    def __enter__(self) -> RichProgress:
        self.bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.__exit__(None, None, None)

    def sources_started(self, total: int) -> None:
        self.bar.update(self._sources, total=total, visible=True)

    def source_done(self, name: str) -> None:
        self.bar.advance(self._sources)

    def items_started(self, total: int) -> None:
        self.bar.update(self._items, total=total, visible=True)

    def item_done(self, source: str, url: str, outcome: str) -> None:
        self.bar.advance(self._items)

    def file_read(self, done: int, known: int) -> None:
        """A sitemap file or archive page read (``backfill``); ``known`` 0: no end known."""
        self.bar.update(self._files, completed=done, total=known or None, visible=True)


# Every string from a feed, a page or a server is escaped: "[/x]" in an error would otherwise
# be read as Rich markup, and break the table or vanish from it.


RUN_COLUMNS = (
    "source", "feed", "items", "new", "published", "from feed", "failed", "retry", "skipped"
)  # fmt: skip


def _feed_state(s: SourceReport, short: bool) -> str:
    if s.error:
        return f"[red]{escape('error' if short else s.error)}[/red]"
    if s.not_due is not None:
        if short:
            return f"paused until {s.not_due:%m-%d %H:%M}"
        return f"paused until {s.not_due:%Y-%m-%d %H:%M} UTC"
    if s.status == 304:
        return "304" if short else "HTTP 304 (not modified)"
    if s.status is None:
        return "-" if short else "not polled"
    return f"{s.status}" if short else f"HTTP {s.status}"


def _run_cells(report: RunReport, short: bool) -> list[tuple[str, ...]]:
    return [
        (
            escape(s.name),
            _feed_state(s, short),
            str(s.seen),
            str(s.new),
            str(s.published),
            str(s.from_feed),
            str(s.failed),
            str(s.retry),
            str(s.skipped),
        )
        for s in report.sources.values()
    ]


def run_table(report: RunReport) -> Table:
    """Per-source summary of one run. ``from feed``: published with the feed's own text
    because the page failed (counted in ``published`` too)."""
    table = Table(title="newsdesk run", title_justify="left")
    for column in RUN_COLUMNS:
        table.add_column(column, justify="left" if column in ("source", "feed") else "right")
    for cells in _run_cells(report, short=False):
        table.add_row(*cells)
    return table


def compact_run(report: RunReport) -> RenderableType:
    """``run``'s summary for 80 columns or a pipe; feed errors are listed after it."""
    return compact("newsdesk run", RUN_COLUMNS, _run_cells(report, short=True), always=4)


def compact(
    title: str, headers: Sequence[str], rows: Sequence[Sequence[str]], always: int = 3
) -> RenderableType:
    """Rows whose first cell is a source name, for 80 columns or a pipe, with every name whole
    and on one line: a borderless table when the longest name fits beside the other cells,
    else each name on a line of its own and under it its other cells as "header value" (a
    count of 0 left out past the first ``always`` cells)."""
    # A column past the first ``always`` that is 0 for every source says nothing: left out.
    keep = [n for n in range(len(headers)) if n <= always or any(row[n] != "0" for row in rows)]
    table = Table(title=title, title_justify="left", box=box.SIMPLE)
    for n in keep:
        table.add_column(headers[n], justify="left" if n == 0 else "right", no_wrap=True)
    for row in rows:
        table.add_row(*(row[n] for n in keep))
    needed = console.measure(table, options=console.options.update(width=10_000)).maximum
    if needed <= console.width:
        return table
    lines = [Text(title)]
    for name, *cells in rows:
        lines.append(Text.from_markup(f"[bold]{name}[/bold]"))
        pairs = " · ".join(
            f"{h} {c}"
            for n, (h, c) in enumerate(zip(headers[1:], cells, strict=True))
            if n < always or c != "0"
        )
        lines.append(Text.from_markup(f"  {pairs}"))
    return Group(*lines)


def compact_status(rows: Sequence[SourceStatus]) -> RenderableType:
    """``status`` for 80 columns or a pipe: per source its HTTP status, counts and times (UTC);
    errors and pauses are listed after it."""
    headers = ("source", "HTTP", "published", "failed", "polled", "next")
    cells = [
        (
            escape(r.name),
            f"[red]{r.last_status or 'error'}[/red]" if r.last_error else str(r.last_status or "-"),
            str(r.published),
            str(r.failed),
            _short(r.last_poll_at) or "never",
            _short(r.next_poll_at) or "any time",
        )
        for r in rows
    ]
    return compact("newsdesk status (times in UTC)", headers, cells, always=5)


def _short(iso: str | None) -> str:
    return iso.replace("T", " ")[5:16] if iso else ""


def status_table(rows: Sequence[SourceStatus]) -> Table:
    """Per-source health and counts from the state database."""
    table = Table(title="newsdesk status", title_justify="left")
    for column in (
        "source",
        "last poll (UTC)",
        "HTTP",
        "seen",
        "new",
        "published",
        "failed",
        "skipped",
        "last error",
        "failures in a row",
        "next poll (UTC)",
    ):
        table.add_column(
            column,
            justify="right"
            if column
            in ("HTTP", "seen", "new", "published", "failed", "skipped", "failures in a row")
            else "left",
        )
    for r in rows:
        error = r.last_error or ""
        table.add_row(
            escape(r.name),
            _when(r.last_poll_at),
            str(r.last_status or "-"),
            str(r.seen),
            str(r.new),
            str(r.published),
            str(r.failed),
            str(r.skipped),
            f"[red]{escape(error)}[/red]" if error else "",
            str(r.consecutive_failures),
            _when(r.next_poll_at) if r.next_poll_at else "any time",
        )
    return table


def _when(iso: str | None) -> str:
    return (iso or "never").replace("T", " ")[:19]


def decisions_table(report: RunReport) -> Table:
    """What a (dry) run decided for each item, and why."""
    table = Table(title="decisions", title_justify="left")
    for column in ("decision", "source", "item", "why / where"):
        table.add_column(column)
    colours = {"publish": "green", "skip": "yellow", "failed": "red", "retry": "yellow"}
    for d in report.decisions:
        colour = colours.get(d.outcome, "white")
        table.add_row(
            f"[{colour}]{d.outcome}[/{colour}]",
            escape(d.source),
            escape(d.title or d.url),
            escape(d.detail),
        )
    return table


def print_run(report: RunReport, site: Site, options: RunOptions, *, wide: bool = False) -> None:
    """The end of ``run``/``poll``: the table, then what was written and what failed."""
    if _compact(wide):
        console.print(compact_run(report))
    elif wide:
        _print_wide(run_table(report))
    else:
        console.print(run_table(report))  # a wide terminal: the table fits it
    if options.dry_run:
        console.print(decisions_table(report))
        console.print("dry run: nothing was written", highlight=False)
        return
    if options.fetch_articles:
        console.print(f"{report.published} post(s) written to {site.posts}", markup=False)
    for s in report.sources.values():
        if s.error and _compact(wide):
            console.print(
                f"  [red]{escape(s.name)}[/red]: {escape(s.error)}", highlight=False, soft_wrap=True
            )
    for failure in report.failures:
        later = " (will retry)" if failure.retry else ""
        console.print(
            f"  [yellow]{escape(failure.source)}[/yellow] {escape(failure.url)}: "
            f"{escape(failure.reason)}{later}",
            highlight=False,
            soft_wrap=True,
        )
    caught = report.translations
    if caught.written or caught.failed:
        console.print(
            f"translations of earlier posts: {caught.written} written, {caught.failed} failed,"
            f" {caught.waiting} still waiting (`newsdesk status` says why)",
            markup=False,
            highlight=False,
        )
    for fallback in report.fallbacks:
        _note(
            "yellow",
            fallback.source,
            f"{fallback.url}: published from the feed's text, the page failed: {fallback.reason}",
            separator=" ",
        )
    paused = [s.name for s in report.sources.values() if s.not_due is not None]
    if paused:
        console.print(
            f"{len(paused)} source(s) paused after failures or as their feed asked; "
            "`newsdesk run --force` polls them now",
            highlight=False,
        )


REEXTRACT_COLUMNS = (
    "source", "checked", "changed", "unchanged", "failed", "words gained", "words lost"
)  # fmt: skip


def print_reextract(report: ReextractReport, site: Path) -> None:
    """The end of ``reextract``: per source the posts checked, changed, unchanged and failed
    and the words gained and lost; then what was written and each failure."""
    rows = [
        (
            escape(t.name),
            str(t.checked),
            str(t.changed),
            str(t.unchanged),
            str(t.failed),
            f"+{t.gained}",
            f"-{t.lost}",
        )
        for t in report.sources.values()
    ]
    title = "newsdesk reextract (dry run)" if report.dry_run else "newsdesk reextract"
    console.print(compact(title, REEXTRACT_COLUMNS, rows, always=len(REEXTRACT_COLUMNS)))
    for failure in report.failures:
        _note("yellow", failure.source, f"{failure.url}: {failure.reason}", separator=" ")
    changed = len(report.changed)
    if report.dry_run:
        console.print(f"dry run: {changed} post(s) would change; nothing was written", markup=False)
        return
    console.print(f"{changed} post(s) rewritten in place", markup=False, highlight=False)
    caught = report.translations
    if caught.written or caught.failed:
        console.print(
            f"their translations: {caught.written} made again, {caught.failed} failed"
            f" ({caught.waiting} waiting for the next run)",
            markup=False,
            highlight=False,
        )
    if changed:
        console.print(f"next: `newsdesk build --site {site}` builds the site", markup=False)


def print_backfill(report: BackfillReport, site: Path, section: str, *, wide: bool = False) -> None:
    """The end of ``backfill``: what the archive held in the window, then the run's table."""
    since = report.since.strftime("%Y-%m-%d %H:%M")
    console.print(
        f"{report.source}: {report.found} article(s) since {since} UTC in {report.files}"
        f" file(s); {report.registered} new to this site",
        markup=False,
        highlight=False,
    )
    for warning in report.warnings:
        _note("yellow", report.source, warning)
    if report.run is None:
        for link in report.sample:
            console.print(f"  {link}", markup=False, highlight=False, soft_wrap=True)
        console.print("dry run: nothing was registered or fetched", markup=False)
        return
    from newsdesk.layout import Site
    from newsdesk.runtime import RunOptions

    print_run(report.run, Site(site, section), RunOptions(), wide=wide)
    if report.run.published:
        console.print(f"next: `newsdesk build --site {site}` builds the site", markup=False)


def _note(colour: str, source: str, text: str, separator: str = ": ") -> None:
    """An indented line under a table: the source's name in ``colour``, then ``text``."""
    console.print(
        f"  [{colour}]{escape(source)}[/{colour}]{separator}{escape(text)}",
        highlight=False,
        soft_wrap=True,
    )


def print_demo(result: DemoResult, site: Path) -> None:
    """The end of ``demo``: the table, every item not published, and where the site is."""
    if _compact(wide=False):
        console.print(compact_run(result.report))
    else:
        _print_wide(run_table(result.report))
    for decision in result.report.decisions:
        if decision.outcome != "publish":
            console.print(
                f"  [yellow]{escape(decision.source)}[/yellow] {decision.outcome}: "
                f"{escape(decision.detail)}",
                highlight=False,
                soft_wrap=True,
            )
    if result.build.returncode:
        console.print(result.build.output, markup=False)
        return
    # The site's links are site-absolute ("/posts/..."): it is read through a web server,
    # not opened as a file.
    console.print(
        f"\n[bold green]Demo site built:[/bold green] {escape(str(result.build.public))}\n"
        f"Posts: {escape(str(site / 'content'))}\n"
        f"See it: newsdesk serve --site {escape(str(site))}   then open http://127.0.0.1:1313/",
        highlight=False,
    )


def print_fleet(fleet: FleetStatus) -> None:
    """The queue's depth, the workers seen lately, and what they hold."""
    depth = fleet.error or f"{fleet.depth} message(s) queued or in progress"
    console.print(f"queue {escape(fleet.queue)!s}: {escape(depth)}", highlight=False)
    console.print(
        f"items leased by workers: {fleet.leased}; finished, waiting to be written: {fleet.ready}",
        highlight=False,
    )
    if not fleet.workers:
        console.print("no worker seen in the last 5 minutes", highlight=False)
    for worker in fleet.workers:
        console.print(
            f"  worker {escape(worker.name)}: {worker.done} item(s) since {worker.started_at[:19]},"
            f" last seen {worker.seen_at[:19]}",
            highlight=False,
        )


def _print_backlog(backlog: TranslationBacklog | None) -> None:
    """Translations of published posts still missing, and the backend's failures."""
    if backlog is None or not (backlog.waiting or backlog.given_up or backlog.failures):
        return
    line = (
        f"translations: {backlog.waiting} waiting for the next run, {backlog.given_up} given up;"
        f" the backend failed {backlog.failures} time(s)"
    )
    if backlog.last_error:
        line += f", last at {(backlog.last_failed_at or '')[:19].replace('T', ' ')} UTC:"
        line += f" {backlog.last_error}"
    console.print(line, markup=False, highlight=False, soft_wrap=True)


def print_status(state: SiteStatus, *, wide: bool = False) -> None:
    """``status``: the table (compact at 80 columns or in a pipe, every column with
    ``wide``), sources whose text shrank, and each source's latest failures."""
    compact = _compact(wide)
    if compact:
        console.print(compact_status(state.sources))
    elif wide:
        _print_wide(status_table(state.sources))
    else:
        console.print(status_table(state.sources))  # a wide terminal: the table fits it
    moment = datetime.now(UTC).isoformat()
    for r in state.sources:
        if compact and r.last_error:
            _note("red", r.name, f"{r.last_error} ({r.consecutive_failures} failure(s) in a row)")
        if r.consecutive_failures and r.next_poll_at and r.next_poll_at > moment:
            console.print(
                f"  {escape(r.name)}: paused until {_when(r.next_poll_at)} UTC after"
                f" {r.consecutive_failures} failure(s); `newsdesk run --force` polls it now",
                highlight=False,
                soft_wrap=True,
            )
    if state.drafts:
        total = sum(state.drafts.values())
        per_source = ", ".join(f"{n} from {name}" for name, n in sorted(state.drafts.items()))
        console.print(
            f"{total} draft(s) waiting ({per_source}): `newsdesk approve --all` publishes them,"
            " `newsdesk reject ID` drops one",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    for url, event, when, why in state.notify_failures:
        console.print(
            f"notification to {url} ({event}) failed at {when.replace('T', ' ')}: {why}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    _print_backlog(state.translations)
    if state.fleet is not None:
        print_fleet(state.fleet)
    for name, (before, now) in state.shrinking.items():
        console.print(
            f"  [red]{escape(name)}[/red]: extracted text shrank from about {before} to {now} "
            "words per post; the page layout or a site rule may have changed",
            highlight=False,
        )
    for name, items in state.failures.items():
        for url, reason in items:
            console.print(
                f"  [yellow]{escape(name)}[/yellow] {escape(url)}: {escape(reason)}",
                highlight=False,
                soft_wrap=True,
            )
