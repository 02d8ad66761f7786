"""Prometheus metrics of ``newsdesk watch`` (``[watch] metrics = "HOST:PORT"``): polls and
items by source and outcome, HTTP request time by host, the sources due, and site builds."""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from newsdesk.errors import NewsdeskError

if TYPE_CHECKING:
    from newsdesk.report import RunReport
    from newsdesk.site import BuildResult

MAX_HOSTS = 200
"""Hosts that get a series of their own in ``newsdesk_fetch_seconds``; article hosts come from
third-party feeds, so the rest share the label ``other`` (a daemon's memory stays bounded)."""


class WatchMetrics:
    """The metrics of one ``watch`` process, in a registry of their own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._hosts: set[str] = set()
        self.polls = Counter(
            "newsdesk_polls",
            "Feed polls by source and outcome: ok, not_modified, error, paused.",
            ["source", "outcome"],
            registry=self.registry,
        )
        self.items = Counter(
            "newsdesk_items",
            "Items by source and outcome: published (from_feed: published with the feed's"
            " text because the page failed), skipped, failed, retry.",
            ["source", "outcome"],
            registry=self.registry,
        )
        self.fetch_seconds = Histogram(
            "newsdesk_fetch_seconds",
            "Time of each HTTP request (each try), by host.",
            ["host"],
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )
        self.sources_due = Gauge(
            "newsdesk_sources_due",
            "Sources due for a poll at the last look.",
            registry=self.registry,
        )
        self.cycles = Counter("newsdesk_cycles", "Watch cycles run.", registry=self.registry)
        self.builds = Counter(
            "newsdesk_builds",
            "Site builds by outcome: ok, failed.",
            ["outcome"],
            registry=self.registry,
        )
        self.build_seconds = Histogram(
            "newsdesk_build_seconds",
            "Time of each site build (Hugo and the search index).",
            buckets=(1, 2.5, 5, 10, 30, 60, 120, 300, 600),
            registry=self.registry,
        )

    def serve(self, address: str) -> None:
        """Serve ``/metrics`` on ``HOST:PORT`` from a background thread."""
        host, _, port = address.rpartition(":")
        try:
            start_http_server(int(port), addr=host.strip("[]"), registry=self.registry)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise NewsdeskError(
                    f"[watch] metrics: {address} is already in use: pick another port"
                ) from None
            raise NewsdeskError(f"[watch] metrics: cannot listen on {address}: {exc}") from None

    def count(self, report: RunReport) -> None:
        """Count one cycle's polls and items."""
        self.cycles.inc()
        for s in report.sources.values():
            if s.error:
                outcome = "error"
            elif s.not_due is not None:
                outcome = "paused"
            elif s.status == 304:
                outcome = "not_modified"
            else:
                outcome = "ok"
            self.polls.labels(s.name, outcome).inc()
            for name, value in (
                ("published", s.published),
                ("from_feed", s.from_feed),
                ("skipped", s.skipped),
                ("failed", s.failed),
                ("retry", s.retry),
            ):
                if value:
                    self.items.labels(s.name, name).inc(value)

    def fetched(self, host: str, seconds: float) -> None:
        """One HTTP request (one try) took ``seconds``."""
        if host not in self._hosts:
            if len(self._hosts) >= MAX_HOSTS:
                host = "other"
            else:
                self._hosts.add(host)
        self.fetch_seconds.labels(host).observe(seconds)

    def built(self, result: BuildResult | None, seconds: float) -> None:
        """One site build ended (None: it raised)."""
        self.builds.labels("failed" if result is None or result.returncode else "ok").inc()
        self.build_seconds.observe(seconds)
