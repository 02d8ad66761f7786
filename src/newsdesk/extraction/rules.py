"""Per-site extraction rules: one small declarative TOML file per site under ``sites/``.

A rule applies when the page's host is one of its ``domains`` (or a subdomain), or when one of
its ``detect`` selectors matches the page. Its selectors are CSS; lists are tried in order.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from urllib.parse import urlsplit

from cssselect import SelectorSyntaxError
from lxml import etree
from lxml.cssselect import CSSSelector


@dataclass(frozen=True, slots=True)
class SiteRule:
    """Selectors for one site, compiled."""

    name: str
    domains: tuple[str, ...]
    detect: tuple[CSSSelector, ...]
    title: tuple[CSSSelector, ...]
    body: tuple[CSSSelector, ...]
    remove: tuple[CSSSelector, ...]
    date: tuple[CSSSelector, ...]
    author: tuple[CSSSelector, ...]
    image: tuple[CSSSelector, ...]

    def matches(self, tree: etree._Element, url: str) -> bool:
        """True when the rule is meant for this page."""
        host = (urlsplit(url).hostname or "").lower()
        if any(host == d or host.endswith("." + d) for d in self.domains):
            return True
        return any(selector(tree) for selector in self.detect)

    def first(self, tree: etree._Element, kind: str) -> etree._Element | None:
        """The first element matched by the selectors of ``kind`` (title, body, date...)."""
        for selector in getattr(self, kind):
            found = selector(tree)
            if found:
                return found[0]  # type: ignore[no-any-return]
        return None


def _compile(name: str, key: str, selectors: list[str]) -> tuple[CSSSelector, ...]:
    try:
        return tuple(CSSSelector(s) for s in selectors)
    except SelectorSyntaxError as exc:
        raise ValueError(f"site rule {name}: bad {key} selector: {exc}") from None


def parse_rule(text: str) -> SiteRule:
    """Compile one rule file's TOML text."""
    data = tomllib.loads(text)
    name = str(data["name"])
    fields = ("detect", "title", "body", "remove", "date", "author", "image")
    compiled = {key: _compile(name, key, list(data.get(key, []))) for key in fields}
    return SiteRule(name=name, domains=tuple(data.get("domains", [])), **compiled)


@cache
def builtin_rules() -> tuple[SiteRule, ...]:
    """The rules shipped in ``newsdesk/extraction/sites``."""
    folder = resources.files("newsdesk.extraction") / "sites"
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".toml")), key=lambda f: f.name)
    return tuple(parse_rule(f.read_text(encoding="utf-8")) for f in files)


def rule_for(tree: etree._Element, url: str) -> SiteRule | None:
    """The first built-in rule that applies to the page, if any."""
    return next((rule for rule in builtin_rules() if rule.matches(tree, url)), None)
