"""The ``newsdesk`` command: parses arguments and calls the library, nothing more."""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.markup import escape

from newsdesk.errors import ConfigError, NewsdeskError, storage_error

if TYPE_CHECKING:
    from collections.abc import Callable

    from newsdesk.config import Config
    from newsdesk.publish.drafts import Decided
    from newsdesk.runtime import RunOptions

app = typer.Typer(
    help="Turn news feeds into a published Hugo site, article by article.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: flags read "--wide", never "--wide <bool>"
)


def _version(value: bool) -> None:
    if value:
        from newsdesk import __version__

        typer.echo(f"newsdesk {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Turn news feeds into a published Hugo site, article by article."""


SiteOption = Annotated[Path, typer.Option("--site", "-s", help="The site folder.")]
Verbose = Annotated[int, typer.Option("--verbose", "-v", count=True, help="More logs (-vv).")]


def _print_error(message: str) -> None:
    from newsdesk.console import err_console

    err_console.print(
        f"[bold red]error:[/bold red] {escape(message)}", highlight=False, soft_wrap=True
    )


def _fail(exc: NewsdeskError) -> NoReturn:
    _print_error(str(exc))
    raise typer.Exit(2 if isinstance(exc, ConfigError) else 1)


def _config(site: Path) -> Config:
    """The site's configuration; a config error ends the command (exit 2)."""
    from newsdesk.config import load_config

    try:
        return load_config(site)
    except NewsdeskError as exc:
        _fail(exc)


def _duration(option: str, text: str) -> float:
    """Seconds in a duration option such as ``--since 30d``; a bad one ends the command."""
    from newsdesk.config import parse_duration

    try:
        return parse_duration(text)
    except ValueError as exc:
        _fail(ConfigError(f"{option}: {exc}"))


def _finite_wait(wait: float | None) -> float | None:
    from newsdesk.config import MAX_DURATION

    if wait is not None and not (0 <= wait <= MAX_DURATION):
        _fail(ConfigError(f"--wait: expected seconds from 0 to {MAX_DURATION:.0f}, got {wait}"))
    return wait


@app.command()
def init(
    site: Annotated[Path, typer.Argument(help="Folder to create.")],
    title: Annotated[str, typer.Option(help="Site title.")] = "newsdesk",
    force: Annotated[bool, typer.Option(help="Overwrite an existing newsdesk.toml.")] = False,
) -> None:
    """Create a site folder with a commented newsdesk.toml."""
    from newsdesk.site import init_site

    try:
        path = init_site(site, title=title, force=force)
    except NewsdeskError as exc:
        _fail(exc)
    typer.echo(f"Created {path}. Add [[sources]] to it, then: newsdesk run --site {site}")


Wide = Annotated[
    bool,
    typer.Option(
        "--wide",
        help="Every column, however wide (default: compact below 140 columns or in a pipe).",
    ),
]


def _run_once(
    site: Path, verbose: int, wait: float | None, options: RunOptions, wide: bool = False
) -> None:
    from newsdesk.config import load_config
    from newsdesk.console import RichProgress, print_run
    from newsdesk.layout import Site
    from newsdesk.logs import setup_logging

    setup_logging(verbose)
    try:
        cfg = load_config(site)  # a config error is told before the pipeline is imported
        if not cfg.sources:
            raise ConfigError(
                f"{site / 'newsdesk.toml'} has no sources: add one with"
                f" `newsdesk sources add URL --site {site}`, or a [[sources]] table"
                " (name = ..., url = ...)"
            )
        from newsdesk.pipeline import run as run_pipeline

        with RichProgress() as progress:
            report = run_pipeline(site, cfg, wait=wait, progress=progress, options=options)
    except NewsdeskError as exc:
        _fail(exc)
    print_run(report, Site(site, cfg.posts.section), options, wide=wide)
    if report.published and not options.dry_run and options.fetch_articles:
        from newsdesk.console import console

        console.print(f"next: `newsdesk build --site {site}` builds the site", markup=False)


Wait = Annotated[
    float | None,
    typer.Option(help="Seconds to wait for another run on the same site (default: until it ends)."),
]
NoWait = Annotated[
    bool,
    typer.Option(
        "--no-wait",
        help="Exit at once if another run holds the site; with a [queue], return once the"
        " work is enqueued instead of waiting for the workers.",
    ),
]
Force = Annotated[
    bool, typer.Option("--force", help="Poll every source now, even those asked to pause.")
]


@app.command()
def run(
    site: SiteOption = Path("."),
    wait: Wait = None,
    no_wait: NoWait = False,
    force: Force = False,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Print what would be published and why items are skipped; write nothing.",
        ),
    ] = False,
    take_over: Annotated[
        bool,
        typer.Option(
            "--take-over",
            help="Make this folder the one that writes the state store's posts (a shared"
            " store remembers which folder does).",
        ),
    ] = False,
    verbose: Verbose = 0,
    wide: Wide = False,
) -> None:
    """Poll every source once, publish what is new, print a per-source summary."""
    from newsdesk.runtime import RunOptions

    wait = 0 if no_wait else _finite_wait(wait)
    options = RunOptions(force=force, dry_run=dry_run, drain=not no_wait, take_over=take_over)
    _run_once(site, verbose, wait, options, wide)


@app.command()
def poll(
    site: SiteOption = Path("."),
    wait: Wait = None,
    no_wait: NoWait = False,
    force: Force = False,
    verbose: Verbose = 0,
    wide: Wide = False,
) -> None:
    """Poll every source and record new items without fetching any article."""
    from newsdesk.runtime import RunOptions

    wait = 0 if no_wait else _finite_wait(wait)
    _run_once(site, verbose, wait, RunOptions(force=force, fetch_articles=False), wide)


@app.command()
def watch(site: SiteOption = Path("."), verbose: Verbose = 0) -> None:
    """Poll each source on its interval, publish and rebuild, until SIGINT/SIGTERM."""
    import threading

    from newsdesk.config import load_config
    from newsdesk.console import err_console
    from newsdesk.logs import setup_logging
    from newsdesk.watch import stop_on_signals
    from newsdesk.watch import watch as watch_site

    setup_logging(max(verbose, 1))
    metrics = None
    try:
        cfg = load_config(site)
        if cfg.watch.metrics:
            from newsdesk.metrics import WatchMetrics

            metrics = WatchMetrics()
            metrics.serve(cfg.watch.metrics)
    except NewsdeskError as exc:
        _fail(exc)
    stop = threading.Event()
    stop_on_signals(stop)
    err_console.print(
        f"watching {len(cfg.sources)} source(s) of {site}; Ctrl-C or SIGTERM stops", markup=False
    )
    if metrics is not None:
        err_console.print(f"metrics: http://{cfg.watch.metrics}/metrics", highlight=False)
    stats = watch_site(site, cfg, stop=stop, metrics=metrics)
    err_console.print(
        f"stopped after {stats.cycles} cycle(s): {stats.published} post(s), "
        f"{stats.builds} build(s)",
        highlight=False,
    )


@app.command()
def status(
    site: SiteOption = Path("."),
    wide: Wide = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per source, every field, for scripts.")
    ] = False,
) -> None:
    """Per source: last poll, HTTP status, items seen/new/published/failed, last error."""
    from newsdesk.console import print_status
    from newsdesk.status import site_status, status_records

    try:
        state = site_status(site)
    except NewsdeskError as exc:
        _fail(exc)
    if as_json:
        import json

        typer.echo(json.dumps(status_records(state), indent=2, ensure_ascii=False))
        return
    print_status(state, wide=wide)


@app.command()
def worker(
    site: SiteOption = Path("."),
    processes: Annotated[
        int, typer.Option(min=0, max=256, help="Worker processes (0: one per CPU core).")
    ] = 0,
    threads: Annotated[
        int,
        typer.Option(
            min=0,
            max=256,
            help="Messages each process works on at once (0: twice [fetch] concurrency, as"
            " a run has items in flight, so that extraction overlaps fetching).",
        ),
    ] = 0,
    verbose: Verbose = 0,
) -> None:
    """Serve the site's [queue]: poll, fetch, extract, enrich and dedupe; finished posts go to
    the state store, for the site's run or watch to write. Stops on SIGINT/SIGTERM."""
    from newsdesk.config import load_config
    from newsdesk.console import err_console
    from newsdesk.logs import setup_logging

    setup_logging(max(verbose, 1))
    try:
        cfg = load_config(site)
        from newsdesk.queue import require_fleet

        require_fleet()  # before anything of Dramatiq is imported
        from newsdesk.queue.worker import serve

        count = processes or os.cpu_count() or 1
        threads = threads or min(cfg.fetch.concurrency * 2, 64)
        err_console.print(
            f"worker: {count} process(es) x {threads} thread(s) on queue {cfg.queue.name!r};"
            " Ctrl-C or SIGTERM stops",
            highlight=False,
        )
        serve(site, cfg, processes=count, threads=threads)
    except NewsdeskError as exc:
        _fail(exc)


@app.command()
def migrate(
    site: SiteOption = Path("."),
    to: Annotated[
        str,
        typer.Option(
            "--to", help="The new store: postgresql://user:password@host/db or sqlite:///path."
        ),
    ] = "",
) -> None:
    """Copy the site's state (from [state] url) into another store, which must be empty."""
    from newsdesk.console import console
    from newsdesk.migrate import migrate_state

    try:
        copied = migrate_state(site, to)
    except NewsdeskError as exc:
        _fail(exc)
    rows = ", ".join(f"{count} {table}" for table, count in copied.rows.items())
    console.print(f"copied {rows}", highlight=False, soft_wrap=True)
    hint = f'now set [state] url = "{copied.target}" in {site / "newsdesk.toml"}'
    if "***" in copied.target:
        hint += " (with the password you gave)"
    console.print(escape(hint), highlight=False, soft_wrap=True)


@app.command()
def build(site: SiteOption = Path(".")) -> None:
    """Build the site with Hugo into <site>/public."""
    from newsdesk.console import console, err_console
    from newsdesk.site import build_site

    try:
        result = build_site(site)
    except NewsdeskError as exc:
        _fail(exc)
    if result.output:
        (err_console if result.returncode else console).print(
            result.output, highlight=False, markup=False
        )
    if result.returncode:
        raise typer.Exit(result.returncode)
    console.print(f"Site built in {result.public}", highlight=False)


@app.command()
def prune(
    site: SiteOption = Path("."),
    older_than: Annotated[
        str, typer.Option("--older-than", help="Age of the posts to remove, e.g. 90d, 12h.")
    ] = "90d",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count, remove nothing.")] = False,
) -> None:
    """Remove old posts and their translations; their URLs are never imported again."""
    from newsdesk.config import parse_duration
    from newsdesk.console import console
    from newsdesk.retention import prune as prune_site

    try:
        seconds = parse_duration(older_than)
    except ValueError as exc:
        _fail(ConfigError(f"--older-than: {exc}"))
    try:
        report = prune_site(site, seconds, dry_run=dry_run)
    except NewsdeskError as exc:
        _fail(exc)
    verb = "would remove" if dry_run else "removed"
    console.print(
        f"{verb} {report.posts} post(s) ({report.files} file(s)) older than {older_than}",
        highlight=False,
    )


@app.command()
def serve(
    site: SiteOption = Path("."),
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 1313,
    bind: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
) -> None:
    """Preview the site locally with live reload (Ctrl-C stops)."""
    from newsdesk.site import serve_site

    try:
        code = serve_site(site, port=port, bind=bind)
    except NewsdeskError as exc:
        _fail(exc)
    raise typer.Exit(code)


@app.command("extract")
def extract_command(
    source: Annotated[str, typer.Argument(help="An HTML file, or - for stdin.")] = "-",
    url: Annotated[str | None, typer.Option(help="The page's URL (fetched when no FILE).")] = None,
) -> None:
    """Extract one page's text and metadata and print them as JSON."""
    from newsdesk.extraction import dumps, extract
    from newsdesk.fetch.article import read_page

    try:
        page = read_page(source, url)
    except NewsdeskError as exc:
        _fail(exc)
    typer.echo(dumps(extract(page.html, page.url)))


@app.command()
def demo(
    site: SiteOption = Path("demo-site"),
    verbose: Verbose = 0,
) -> None:
    """Run the whole pipeline offline on built-in sample sources and build the site."""
    from newsdesk.console import print_demo
    from newsdesk.demo import run_demo
    from newsdesk.logs import setup_logging

    setup_logging(verbose)
    try:
        result = run_demo(site)
    except NewsdeskError as exc:
        _fail(exc)
    print_demo(result, site)
    if result.build.returncode:
        raise typer.Exit(result.build.returncode)


sources_app = typer.Typer(
    help="The site's sources: add one by any URL of its site, list, remove, OPML import/export.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(sources_app, name="sources")


@sources_app.command("add")
def sources_add(
    url: Annotated[
        str, typer.Argument(help="A feed's or a sitemap's URL, or any page of the site.")
    ],
    site: SiteOption = Path("."),
    name: Annotated[str, typer.Option(help="The source's name (default: the feed's title).")] = "",
) -> None:
    """Find the feed at URL (a feed, a page naming one, or else the sitemaps its robots.txt
    names), check it, and add it."""
    from newsdesk.console import console
    from newsdesk.sources.manage import add_source

    try:
        source, found = add_source(site, url, name)
    except NewsdeskError as exc:
        _fail(exc)
    for feed in found.feeds:
        counted = "file(s)" if feed.kind == "sitemap index" else "item(s)"
        what = feed.title or "untitled" if feed.kind == "feed" else feed.kind
        console.print(
            f"found {feed.url}: {what}, {feed.items} {counted}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    console.print(
        f"added source {source.name!r} ({source.url}) to {site / 'newsdesk.toml'};"
        f" `newsdesk run --site {site}` polls it",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


@sources_app.command("list")
def sources_list(site: SiteOption = Path(".")) -> None:
    """Every source, one per line: name, a tab, its URL (and "disabled" when it is)."""
    cfg = _config(site)
    for source in cfg.sources:
        typer.echo(f"{source.name}\t{source.url}" + ("" if source.enabled else "\tdisabled"))
    if not cfg.sources:
        typer.echo(f"no sources: add one with `newsdesk sources add URL --site {site}`", err=True)


@sources_app.command("remove")
def sources_remove(
    name: Annotated[str, typer.Argument(help="The source's name.")], site: SiteOption = Path(".")
) -> None:
    """Remove a source from newsdesk.toml (its posts and its state stay)."""
    from newsdesk.console import console
    from newsdesk.sources.manage import remove_source

    try:
        source = remove_source(site, name)
    except NewsdeskError as exc:
        _fail(exc)
    console.print(f"removed source {source.name!r} ({source.url})", markup=False, highlight=False)


@sources_app.command("import")
def sources_import(
    file: Annotated[Path, typer.Argument(help="An OPML file, as feed readers export them.")],
    site: SiteOption = Path("."),
) -> None:
    """Add every feed of an OPML file that is not a source yet (not fetched: run checks them)."""
    from newsdesk.console import console
    from newsdesk.sources.manage import import_opml

    try:
        added, skipped = import_opml(site, file.read_bytes())
    except OSError as exc:
        _fail(NewsdeskError(f"{file}: {exc.strerror}"))
    except NewsdeskError as exc:
        _fail(exc)
    for source in added:
        console.print(
            f"added {source.name!r} ({source.url})", markup=False, highlight=False, soft_wrap=True
        )
    console.print(
        f"{len(added)} source(s) added, {skipped} skipped (already sources or not http(s))",
        highlight=False,
    )


@sources_app.command("export")
def sources_export(site: SiteOption = Path(".")) -> None:
    """Print the sources as OPML 2.0, for a feed reader or another site."""
    from newsdesk.sources.manage import export_opml

    typer.echo(export_opml(_config(site)), nl=False)


@app.command()
def report(
    site: SiteOption = Path("."),
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Where to write the page [default: report.html]."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="The same data as JSON, on stdout unless --out is given.")
    ] = False,
    days: Annotated[int, typer.Option(min=1, max=366, help="Days to look back.")] = 30,
) -> None:
    """One self-contained HTML page of every source's health: posts, failures and median
    words per day, last success, and what needs a look."""
    import json

    from newsdesk.health import health_report, report_data
    from newsdesk.health_page import render_report
    from newsdesk.publish import write_atomic

    try:
        health = health_report(site, days=days)
        if as_json and out is None:
            typer.echo(json.dumps(report_data(health), indent=2, ensure_ascii=False))
            return
        out = out or Path("report.html")
        text = json.dumps(report_data(health), indent=2) if as_json else render_report(health)
        write_atomic(out, text)
    except NewsdeskError as exc:
        _fail(exc)
    except OSError as exc:
        _fail(NewsdeskError(f"{out}: cannot write: {exc.strerror}"))
    s = health.summary
    typer.echo(
        f"wrote {out}: {s['sources']} source(s), {s['failing']} failing, {s['stopped']} stopped,"
        f" {s['shrinking']} with shrinking texts"
    )


Ids = Annotated[list[str] | None, typer.Argument(help="Item ids (the post file names).")]


@app.command()
def reextract(
    site: SiteOption = Path("."),
    source: Annotated[str, typer.Option("--source", help="Only this source's posts.")] = "",
    since: Annotated[
        str, typer.Option("--since", help="Only posts published in this long, e.g. 7d, 12h.")
    ] = "",
    ids: Annotated[
        list[str] | None, typer.Option("--id", help="Only this post (an item id); repeat it.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change; write nothing.")
    ] = False,
    offline: Annotated[
        bool,
        typer.Option(
            "--offline", help="Use the pages the store kept ([store] keep_html); fetch nothing."
        ),
    ] = False,
    wait: Wait = None,
    verbose: Verbose = 0,
) -> None:
    """Extract published posts again with today's code and site rules, and rewrite in place
    those whose text changed (body and summary; the date and other front matter are kept)."""
    from newsdesk.console import RichProgress, print_reextract
    from newsdesk.logs import setup_logging

    setup_logging(verbose)
    seconds = _duration("--since", since) if since else None
    cfg = _config(site)
    from newsdesk.reextract import reextract as reextract_posts

    try:
        with RichProgress() as progress:
            report = reextract_posts(
                site,
                cfg,
                source=source,
                since=seconds,
                ids=ids or [],
                dry_run=dry_run,
                offline=offline,
                wait=_finite_wait(wait),
                progress=progress,
            )
    except NewsdeskError as exc:
        _fail(exc)
    print_reextract(report, site)


@app.command()
def backfill(
    site: SiteOption = Path("."),
    source: Annotated[str, typer.Option("--source", help="The source to backfill.")] = "",
    since: Annotated[str, typer.Option("--since", help="How far back, e.g. 30d, 12h.")] = "30d",
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="At most this many articles (the newest).")
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Find and count what is in the window; fetch no article."),
    ] = False,
    wait: Wait = None,
    verbose: Verbose = 0,
    wide: Wide = False,
) -> None:
    """Publish a source's archive back to a date: its sitemap (index) or its feed's paged
    archive, through the normal pipeline at the source's politeness; run it again to resume."""
    from newsdesk.console import RichProgress, print_backfill
    from newsdesk.logs import setup_logging

    setup_logging(verbose)
    if not source:
        _fail(ConfigError("--source: name the source to backfill"))
    seconds = _duration("--since", since)
    cfg = _config(site)
    from newsdesk.backfill import backfill as backfill_source

    try:
        with RichProgress() as progress:
            report = backfill_source(
                site,
                cfg,
                source=source,
                since=seconds,
                limit=limit,
                dry_run=dry_run,
                wait=_finite_wait(wait),
                progress=progress,
                on_file=progress.file_read,
            )
    except NewsdeskError as exc:
        _fail(exc)
    print_backfill(report, site, cfg.posts.section, wide=wide)


EveryDraft = Annotated[bool, typer.Option("--all", help="Every draft of the site.")]
DraftSource = Annotated[str, typer.Option("--source", help="Every draft of this source.")]


@app.command()
def approve(
    ids: Ids = None,
    site: SiteOption = Path("."),
    every: EveryDraft = False,
    source: DraftSource = "",
) -> None:
    """Publish drafts: they lose `draft: true` and appear on the next build."""
    from newsdesk.publish.drafts import approve as approve_drafts

    _drafts(approve_drafts, "approved", ids, site, every, source)


@app.command()
def reject(
    ids: Ids = None,
    site: SiteOption = Path("."),
    every: EveryDraft = False,
    source: DraftSource = "",
) -> None:
    """Delete drafts; their stories never come back (the items stay as tombstones)."""
    from newsdesk.publish.drafts import reject as reject_drafts

    _drafts(reject_drafts, "rejected", ids, site, every, source)


def _drafts(
    act: Callable[..., Decided],
    done: str,
    ids: list[str] | None,
    site: Path,
    every: bool,
    source: str,
) -> None:
    from newsdesk.console import console

    try:
        decided = act(site, ids or [], source=source, every=every)
    except NewsdeskError as exc:
        _fail(exc)
    console.print(f"{done} {len(decided.done)} draft(s)", markup=False, highlight=False)
    for item_id in decided.done:
        console.print(f"  {item_id}", markup=False, highlight=False)
    if decided.done and done == "approved":
        console.print(f"next: `newsdesk build --site {site}` puts them on the site", markup=False)
    if decided.not_drafts:
        _fail(NewsdeskError(f"not drafts of this site: {', '.join(decided.not_drafts)}"))


def main() -> None:
    """Console entry point: library errors are one line; a disk or database failure that
    escaped a command says what failed; a bug says so, with its traceback only on request."""
    try:
        app()
    except NewsdeskError as exc:
        _last_words(str(exc), 2 if isinstance(exc, ConfigError) else 1)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no raw traceback
        fault = storage_error(exc)
        if fault is not None:
            _last_words(str(fault))
        elif isinstance(exc, OSError | sqlite3.Error):
            _last_words(f"{type(exc).__name__}: {exc}")
        _last_words(f"unexpected {type(exc).__name__}: {exc} (a bug in newsdesk)")


def _last_words(message: str, code: int = 1) -> NoReturn:
    """Say what went wrong in one line, and exit; call it while handling the exception."""
    from newsdesk.console import err_console

    _print_error(message)
    if os.environ.get("NEWSDESK_TRACEBACK"):
        err_console.print_exception()
    else:
        err_console.print("(set NEWSDESK_TRACEBACK=1 to see where)", highlight=False)
    sys.exit(code)
