"""Scoring extraction against ../shared/corpus/articles ground truth.

Main text: 4-token shingles of ``\\w+`` tokens, multiset overlap per page; precision is averaged
over pages with non-empty output, recall over all pages. Snippet sets count required snippets
found and forbidden snippets found; prefix sets (goose3, postlight) check the start of the text.
"""

from __future__ import annotations

import gzip
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import lxml.html
from lxml import etree

from newsdesk.extraction.blocks import text_of

_TOKEN = re.compile(r"\w+")
FULL_KINDS = ("full_paragraphs", "full_text", "full_html")


@dataclass(frozen=True)
class Case:
    """One corpus page with its ground truth."""

    set: str
    id: str
    html: str
    url: str
    truth: dict  # type: ignore[type-arg]
    kind: str
    body: str = ""


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split())


def tokens(text: str) -> list[str]:
    """Lower-case word tokens."""
    return _TOKEN.findall(unicodedata.normalize("NFKC", text).lower())


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    """The multiset of n-token shingles (short texts: the whole text as one shingle)."""
    words = tokens(text)
    if len(words) < n:
        return Counter([tuple(words)]) if words else Counter()
    return Counter(tuple(words[i : i + n]) for i in range(len(words) - n + 1))


def load_cases(
    corpus: Path, sets: tuple[str, ...] | None = None, limit: int | None = None
) -> Iterator[Case]:
    """Cases from ``index/articles.jsonl`` that have body ground truth."""
    counts: Counter[str] = Counter()
    for line in (corpus / "index" / "articles.jsonl").read_text().splitlines():
        row = json.loads(line)
        if not row.get("body_gt") or (sets and row["source"] not in sets):
            continue
        if limit and counts[row["source"]] >= limit:
            continue
        counts[row["source"]] += 1
        truth = json.loads((corpus / row["expected"]).read_text())
        raw = gzip.decompress((corpus / row["html"]).read_bytes())
        html = raw.decode("utf-8", errors="replace")
        body = truth.get("body_text") or ""
        if row["body_gt"] == "full_html":
            expected = gzip.decompress((corpus / truth["expected_content_html"]).read_bytes())
            body = text_of(lxml.html.fromstring(expected.decode("utf-8", "replace")))
        yield Case(
            row["source"], row["id"], html, row.get("url") or "", truth, row["body_gt"], body
        )


@dataclass
class SetScore:
    """Accumulated scores of one extractor on one set."""

    pages: int = 0
    empty: int = 0
    precision: list[float] = field(default_factory=list)
    recall: list[float] = field(default_factory=list)
    titles: list[bool] = field(default_factory=list)
    dates: list[bool] = field(default_factory=list)
    authors: list[bool] = field(default_factory=list)
    seconds: float = 0.0
    verbatim_found: int = 0
    verbatim_total: int = 0
    extra_spaces: int = 0
    pages_with_extra_spaces: int = 0

    def add_text(self, case: Case, text: str) -> None:
        """Score the main text of one page."""
        self.pages += 1
        if not text.strip():
            self.empty += 1
        p, r = text_scores(case, text)
        if text.strip() and p is not None:
            self.precision.append(p)
        if r is not None:
            self.recall.append(r)
        found, total = verbatim_sentences(case, text)
        self.verbatim_found += found
        self.verbatim_total += total
        extra = extra_spaces(case, text)
        self.extra_spaces += extra
        self.pages_with_extra_spaces += extra > 0

    @property
    def verbatim(self) -> float | None:
        """Share of true sentences found character for character in the output."""
        return self.verbatim_found / self.verbatim_total if self.verbatim_total else None

    @property
    def p(self) -> float:
        return sum(self.precision) / len(self.precision) if self.precision else 0.0

    @property
    def r(self) -> float:
        return sum(self.recall) / len(self.recall) if self.recall else 0.0

    @property
    def f1(self) -> float:
        return 2 * self.p * self.r / (self.p + self.r) if self.p + self.r else 0.0

    @staticmethod
    def rate(values: list[bool]) -> float | None:
        return sum(values) / len(values) if values else None


def text_scores(case: Case, text: str) -> tuple[float | None, float | None]:
    """(precision, recall) of one page's text; None where the truth cannot say."""
    if case.kind in FULL_KINDS:
        got, want = shingles(text), shingles(case.body)
        overlap = sum((got & want).values())
        precision = overlap / sum(got.values()) if got else 0.0
        recall = overlap / sum(want.values()) if want else 1.0
        return precision, recall
    flat = _norm(text)
    if case.kind == "snippets":
        must = case.truth.get("text_must_contain") or []
        must_not = case.truth.get("text_must_not_contain") or []
        found = sum(1 for s in must if _norm(s) in flat)
        leaked = sum(1 for s in must_not if _norm(s) in flat)
        precision = found / (found + leaked) if found + leaked else (1.0 if flat else 0.0)
        return precision, (found / len(must) if must else None)
    if case.kind == "prefix":
        prefix = case.truth.get("body_text_prefix") or ""
        want = shingles(prefix)
        got = shingles(text)
        prefix_recall = sum((got & want).values()) / sum(want.values()) if want else None
        starts = tokens(text)[:20] == tokens(prefix)[:20]
        return (1.0 if starts else 0.0), prefix_recall
    if case.kind == "first13_words":
        first = tokens(case.truth.get("body_text_first13_words") or "")
        return (1.0 if tokens(text)[: len(first)] == first else 0.0), None
    return None, None


_QUOTES = str.maketrans(
    {c: "'" for c in "\u2018\u2019\u201a\u201b\u2032\u0060\u00b4"}
    | {c: '"' for c in "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb"}
)
_SENTENCE_END = re.compile(r"(?<=[.!?\u2026])[\"'\u201d\u2019)\]]?\s+")
_MIN_SENTENCE_WORDS = 4


def verbatim_form(text: str) -> str:
    """Text for verbatim comparison: NFKC, typographic quotes folded, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).translate(_QUOTES).split())


def true_sentences(case: Case) -> list[str]:
    """The sentences (of four words or more) the truth says the text must hold verbatim."""
    if case.kind in FULL_KINDS:
        source = case.body.split("\n")
    elif case.kind == "snippets":
        return [s for s in map(verbatim_form, case.truth.get("text_must_contain") or []) if s]
    elif case.kind == "prefix":
        prefix = case.truth.get("body_text_prefix") or ""
        # The prefix is cut anywhere: its last sentence is not a whole one.
        source = [prefix[: max(prefix.rfind(". "), 0) + 1]]
    else:
        return []
    found: list[str] = []
    for paragraph in source:
        for sentence in _SENTENCE_END.split(verbatim_form(paragraph)):
            if len(sentence.split()) >= _MIN_SENTENCE_WORDS:
                found.append(sentence.strip())
    return found


def verbatim_sentences(case: Case, text: str) -> tuple[int, int]:
    """(true sentences found verbatim in ``text``, true sentences)."""
    sentences = true_sentences(case)
    flat = verbatim_form(text)
    return sum(1 for s in sentences if s in flat), len(sentences)


_SPACED_PUNCTUATION = re.compile(r"(\w+)\s+([,.;:!?)])")


def page_text(case: Case) -> str:
    """The page's text as inline markup renders it (tags removed, nothing inserted)."""
    from newsdesk.extraction import parse_html  # the str as decoded, never re-guessed

    root = parse_html(case.html)
    etree.strip_elements(root, "script", "style", "noscript", "template", with_tail=False)
    return " ".join(text_of(root).split())


def extra_spaces(case: Case, text: str) -> int:
    """Spaces before ``, . ; : ! ? )`` in ``text`` that the page itself does not have."""
    matches = _SPACED_PUNCTUATION.findall(text)
    if not matches:
        return 0
    page = page_text(case)
    return sum(1 for word, mark in matches if f"{word} {mark}" not in page)


def title_ok(case: Case, title: str) -> bool | None:
    """Exact title match (whitespace and Unicode form normalised); None without truth."""
    want = case.truth.get("title")
    if not want:
        return None
    return _norm(title) == _norm(want)


def _parse_truth_date(value: str) -> tuple[datetime | None, bool]:
    value = value.strip().replace("Z", "+00:00")
    # A zone-less midnight is how upstream tools write a day they had no time for: count it as
    # the day only (newsdesk never invents midnight, so it may know the real time).
    has_time = bool(re.search(r"\d{1,2}:\d{2}", value)) and not re.search(r"[ T]00:00:00$", value)
    try:
        return datetime.fromisoformat(value.replace(" ", "T", 1) if has_time else value), has_time
    except ValueError:
        return None, has_time


def date_ok(case: Case, got: datetime | None) -> bool | None:
    """Same calendar day and, where the truth has a time, the same minute; None without truth."""
    raw = case.truth.get("published")
    if not raw or raw == "None":
        return None
    want, has_time = _parse_truth_date(str(raw))
    if want is None:
        return None
    if got is None:
        return False
    if has_time:
        if want.tzinfo is not None and got.tzinfo is not None:
            return abs((got - want).total_seconds()) < 60
        return got.replace(tzinfo=None, second=0, microsecond=0) == want.replace(
            tzinfo=None, second=0, microsecond=0
        )
    local = got
    return local.date() == want.date()


def authors_ok(case: Case, got: tuple[str, ...] | list[str]) -> bool | None:
    """Every expected author name appears among the extracted ones (case-insensitive)."""
    want = case.truth.get("authors")
    if not want or case.set == "newspaper4k":  # regression output, noisy by its own note
        return None
    found = " | ".join(got).casefold()
    return all(_norm(name).casefold() in found for name in want if name)
