"""Extraction quality: newsdesk vs bare trafilatura vs readability-lxml on ../shared/corpus.

    .venv/bin/python benchmarks/extraction.py                     # every set
    .venv/bin/python benchmarks/extraction.py --sets fundus newspaper4k --limit 50

Prints per set and extractor: main-text precision / recall / F1 (4-token shingles, see
tests/scoring.py), verbatim sentence recall (true sentences found character for character,
whitespace collapsed and typographic quotes folded), extra spaces before ``, . ; : ! ? )`` that
the page does not have (occurrences / pages), title exact-match rate, date-correct rate, author
match rate, empty outputs, and CPU milliseconds per page (median and mean) with their ratios to
trafilatura's (``xtraf``: median, ``xmean``: mean). The
fundus set is also split into pages whose publisher has a site rule and pages without one.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import lxml.html  # noqa: E402
import trafilatura  # noqa: E402
from tests.scoring import (  # noqa: E402
    Case,
    SetScore,
    authors_ok,
    date_ok,
    load_cases,
    title_ok,
)

import newsdesk  # noqa: E402
from newsdesk.dates import parse_date  # noqa: E402
from newsdesk.extraction.generic import parse_like_trafilatura  # noqa: E402
from newsdesk.extraction.rules import rule_for  # noqa: E402
from newsdesk.text import rendered_text  # noqa: E402

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
SETS = ("fundus", "newspaper4k", "readability", "trafilatura", "goose3", "postlight")
Result = tuple[str, str, datetime | None, tuple[str, ...]]


def run_newsdesk(html: str, url: str) -> Result:
    result = newsdesk.extract(html, url)
    return result.text, result.title, result.date, result.authors


def run_trafilatura(html: str, url: str) -> Result:
    doc: Any = trafilatura.bare_extraction(html, url=url or None, with_metadata=True)
    if doc is None:
        return "", "", None, ()
    authors = tuple(a.strip() for a in (doc.author or "").split(";") if a.strip())
    return doc.text or "", doc.title or "", parse_date(doc.date), authors


def run_readability(html: str, url: str) -> Result:
    from readability import Document

    try:
        doc = Document(html, url=url or None)
        summary = doc.summary(html_partial=True)
        text = rendered_text(lxml.html.fromstring(summary)) if summary.strip() else ""
        return text, doc.short_title() or "", None, ()
    except Exception:  # noqa: BLE001 - readability raises on odd pages; count it as empty
        return "", "", None, ()


EXTRACTORS = {
    "trafilatura": run_trafilatura,
    "newsdesk": run_newsdesk,
    "readability": run_readability,
}


def warm_up_date_parser() -> None:
    """Load dateparser's locale data before anything is timed. htmldate (in both newsdesk and
    trafilatura) loads it the first time it meets a text no language reads: about a second of
    CPU that would land on whichever extractor met such a page first."""
    from htmldate.extractors import get_external_parser

    get_external_parser().get_date_data("0 x 0")


def score(cases: list[Case], extractor: str) -> tuple[SetScore, float]:
    """Run one extractor over the cases and score it (``seconds``: CPU time), with the median
    CPU seconds per page."""
    total = SetScore()
    function = EXTRACTORS[extractor]
    times: list[float] = []
    if cases:  # warm up: imports and caches (dateparser, htmldate) are paid once, untimed
        function(cases[0].html, cases[0].url)
    for case in cases:
        started = time.process_time()
        text, title, date, authors = function(case.html, case.url)
        times.append(time.process_time() - started)
        total.seconds += times[-1]
        total.add_text(case, text)
        for values, ok in (
            (total.titles, title_ok(case, title)),
            (total.dates, date_ok(case, date)),
            (total.authors, authors_ok(case, authors)),
        ):
            if ok is not None:
                values.append(ok)
    return total, statistics.median(times) if times else 0.0


def _pct(value: float | None) -> str:
    return "    -" if value is None else f"{value * 100:5.1f}"


def _has_rule(case: Case) -> bool:
    tree = parse_like_trafilatura(case.html)
    return tree is not None and rule_for(tree, case.url) is not None


def _groups(name: str, cases: list[Case]) -> list[tuple[str, list[Case]]]:
    """The set, and for fundus also its pages with and without a site rule."""
    groups = [(name, cases)]
    if name == "fundus":
        ruled = [c for c in cases if _has_rule(c)]
        groups += [
            ("fundus+rule", ruled),
            ("fundus-rule", [c for c in cases if c not in ruled]),
        ]
    return groups


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=list(SETS), choices=SETS)
    parser.add_argument("--limit", type=int, default=None, help="pages per set")
    parser.add_argument("--extractors", nargs="+", default=list(EXTRACTORS), choices=EXTRACTORS)
    args = parser.parse_args()
    if not CORPUS.is_dir():
        sys.exit(f"{CORPUS} is missing: the benchmark needs ../shared/corpus")
    warnings.filterwarnings("ignore")
    warm_up_date_parser()
    print(
        f"{'set':<12} {'extractor':<12} {'pages':>5} {'P':>6} {'R':>6} {'F1':>6} "
        f"{'verb%':>6} {'xspace':>8} {'title%':>6} {'date%':>6} {'auth%':>6} {'empty':>5} "
        f"{'cpu ms':>7} {'xtraf':>5} {'xmean':>5}"
    )
    for name in args.sets:
        for label, cases in _groups(name, list(load_cases(CORPUS, (name,), args.limit))):
            base: tuple[float, float] | None = None
            for extractor in args.extractors:
                s, median = score(cases, extractor)
                ms, mean = median * 1000, s.seconds / max(s.pages, 1) * 1000
                if extractor == "trafilatura":
                    base = (ms, mean)
                ratio = "    -     -"
                if base and extractor != "trafilatura":
                    ratio = f"{ms / base[0]:5.2f} {mean / base[1]:5.2f}"
                spaces = f"{s.extra_spaces}/{s.pages_with_extra_spaces}"
                print(
                    f"{label:<12} {extractor:<12} {s.pages:>5} {s.p:6.3f} {s.r:6.3f} "
                    f"{s.f1:6.3f} {_pct(s.verbatim):>6} {spaces:>8} "
                    f"{_pct(s.rate(s.titles))} {_pct(s.rate(s.dates))} "
                    f"{_pct(s.rate(s.authors))} {s.empty:>5} {ms:7.1f} {ratio}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
