"""Rich output for the CLI: the progress bar and the per-source tables."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from newsdesk.report import RunReport

if TYPE_CHECKING:
    from newsdesk.demo import DemoResult
    from newsdesk.layout import Site
    from newsdesk.runtime import RunOptions
    from newsdesk.status import FleetStatus, SiteStatus
    from newsdesk.store import SourceStatus

console = Console()
err_console = Console(stderr=True)


class RichProgress:
    """Shows the pipeline's progress on stderr (only when it is a terminal)."""

    def __init__(self) -> None:
        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
        )
        self._sources = self.bar.add_task("polling feeds", total=None, visible=False)
        self._items = self.bar.add_task("articles", total=None, visible=False)

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


# Every string from a feed, a page or a server is escaped: "[/x]" in an error would otherwise
# be read as Rich markup, and break the table or vanish from it.


def run_table(report: RunReport) -> Table:
    """Per-source summary of one run."""
    table = Table(title="newsdesk run", title_justify="left")
    for column in ("source", "feed", "items", "new", "published", "failed", "retry", "skipped"):
        table.add_column(column, justify="left" if column in ("source", "feed") else "right")
    for s in report.sources.values():
        if s.error:
            feed = f"[red]{escape(s.error)}[/red]"
        elif s.not_due is not None:
            feed = f"paused until {s.not_due:%Y-%m-%d %H:%M} UTC"
        elif s.status == 304:
            feed = "HTTP 304 (not modified)"
        else:
            feed = f"HTTP {s.status}"
        table.add_row(
            escape(s.name),
            feed,
            str(s.seen),
            str(s.new),
            str(s.published),
            str(s.failed),
            str(s.retry),
            str(s.skipped),
        )
    return table


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


def print_run(report: RunReport, site: Site, options: RunOptions) -> None:
    """The end of ``run``/``poll``: the table, then what was written and what failed."""
    console.print(run_table(report))
    if options.dry_run:
        console.print(decisions_table(report))
        console.print("dry run: nothing was written", highlight=False)
        return
    if options.fetch_articles:
        console.print(f"{report.published} post(s) written to {site.posts}", highlight=False)
    for failure in report.failures:
        later = " (will retry)" if failure.retry else ""
        console.print(
            f"  [yellow]{escape(failure.source)}[/yellow] {escape(failure.url)}: "
            f"{escape(failure.reason)}{later}",
            highlight=False,
            soft_wrap=True,
        )


def print_demo(result: DemoResult, site: Path) -> None:
    """The end of ``demo``: the table, every item not published, and where the site is."""
    console.print(run_table(result.report))
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
    console.print(
        f"\n[bold green]Demo site built:[/bold green] {result.build.public / 'index.html'}\n"
        f"Posts: {site / 'content'}   Preview: newsdesk serve --site {site}",
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


def print_status(state: SiteStatus) -> None:
    """``status``: the table, sources whose text shrank, and each source's latest failures."""
    console.print(status_table(state.sources))
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
