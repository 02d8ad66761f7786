"""Every built-in site rule against the page named in its ``[test]`` table."""

from __future__ import annotations

import gzip
import json
import unicodedata

import pytest

import newsdesk
from newsdesk.extraction.rules import SiteRule, builtin_rules, parse_rule
from tests.conftest import SHARED, require_shared

CORPUS = SHARED / "corpus"


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split())


def _corpus_pages() -> dict[str, str]:
    """URL -> path of the gzipped page, for every corpus article with a URL."""
    index = require_shared(CORPUS / "index" / "articles.jsonl")
    rows = (json.loads(line) for line in index.read_text().splitlines())
    return {row["url"]: row["html"] for row in rows if row.get("url")}


RULES_WITH_PAGES = [r for r in builtin_rules() if r.test is not None]


def test_every_rule_names_a_test_page() -> None:
    assert [r.name for r in builtin_rules() if r.test is None] == []


@pytest.mark.parametrize("rule", RULES_WITH_PAGES, ids=lambda r: r.name)
def test_rule_gives_its_expected_title_and_text(rule: SiteRule) -> None:
    assert rule.test is not None
    path = _corpus_pages().get(rule.test.url)
    if path is None:
        pytest.skip(f"{rule.name}: its test page is not in the corpus (built in tests/pages.py)")
    html = gzip.decompress((CORPUS / path).read_bytes()).decode("utf-8", "replace")
    result = newsdesk.extract(html, rule.test.url)
    if rule.test.title:
        assert _norm(result.title) == _norm(rule.test.title)
    for phrase in rule.test.expect:
        assert _norm(phrase) in _norm(result.text)
    for phrase in rule.test.reject:
        assert _norm(phrase) not in _norm(result.text)


def test_title_strip_patterns_apply_in_order() -> None:
    rule = parse_rule(
        """
name = "example"
domains = ["example.org"]
title = ['meta[property="og:title"]', "h1"]
title_strip = ['\\s*\\|\\s*Example$', '\\s*\\|\\s*Markets$']
"""
    )
    tree = newsdesk.extraction.parse_html(
        '<html><head><meta property="og:title" content="Rates  rise | Markets | Example">'
        "</head><body><h1>Other</h1></body></html>"
    )
    # The site name goes first, which bares the section for the second pattern; the other
    # order would leave "Rates rise | Markets".
    assert rule.headline(tree) == "Rates rise"


def test_a_bad_selector_names_the_rule_and_key() -> None:
    with pytest.raises(ValueError, match=r"site rule broken: bad title selector"):
        parse_rule('name = "broken"\ntitle = ["h1[["]\n')
