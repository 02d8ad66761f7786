"""Per-site extraction rules: one small declarative TOML file per site under ``sites/``.

A rule applies when the page's host is one of its ``domains`` (or a subdomain), or when one of
its ``detect`` selectors matches the page. Its selectors are CSS; lists are tried in order. A
rule may name only some fields: a rule without ``body`` corrects the metadata (say, which of the
page's titles is the headline) and leaves the text to the generic path.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from cssselect import SelectorSyntaxError
from lxml import etree
from lxml.cssselect import CSSSelector

from newsdesk.extraction.blocks import inline_text


@dataclass(frozen=True, slots=True)
class RuleTest:
    """A page the rule is checked against: its URL and what extraction must give."""

    url: str
    title: str = ""
    expect: tuple[str, ...] = ()
    reject: tuple[str, ...] = ()  # phrases the rule removes, which the text must not contain


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
    title_strip: tuple[re.Pattern[str], ...] = ()
    test: RuleTest | None = None

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

    def value(self, tree: etree._Element, kind: str) -> str:
        """The first non-empty value the selectors of ``kind`` find: a ``<meta>``'s content,
        a ``<time>``'s datetime, an image's source, else the element's text."""
        for selector in getattr(self, kind):
            for element in selector(tree):
                text = element_value(element)
                if text:
                    return text
        return ""

    def headline(self, tree: etree._Element) -> str:
        """The site's headline with the rule's ``title_strip`` patterns removed."""
        title = self.value(tree, "title")
        for pattern in self.title_strip:
            title = pattern.sub("", title).strip()
        return title


def element_value(element: etree._Element) -> str:
    """What an element says, by kind: meta content, time datetime, image source, or text
    (the head ``<title>`` too, which inline text skips)."""
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag == "meta":
        return " ".join((element.get("content") or "").split())
    if tag == "title":
        return " ".join((element.text or "").split())
    if tag == "img":
        return element.get("data-src") or element.get("src") or ""
    if tag == "time" and element.get("datetime"):
        return element.get("datetime") or ""
    return inline_text(element)


def _compile(name: str, key: str, selectors: list[str]) -> tuple[CSSSelector, ...]:
    try:
        return tuple(CSSSelector(s) for s in selectors)
    except SelectorSyntaxError as exc:
        raise ValueError(f"site rule {name}: bad {key} selector: {exc}") from None


def _patterns(name: str, patterns: list[str]) -> tuple[re.Pattern[str], ...]:
    try:
        return tuple(re.compile(p) for p in patterns)
    except re.error as exc:
        raise ValueError(f"site rule {name}: bad title_strip pattern: {exc}") from None


def _test(data: dict[str, Any]) -> RuleTest | None:
    test = data.get("test")
    if not test:
        return None
    return RuleTest(
        url=str(test["url"]),
        title=str(test.get("title", "")),
        expect=tuple(str(e) for e in test.get("expect", [])),
        reject=tuple(str(e) for e in test.get("reject", [])),
    )


def parse_rule(text: str) -> SiteRule:
    """Compile one rule file's TOML text."""
    data = tomllib.loads(text)
    name = str(data["name"])
    fields = ("detect", "title", "body", "remove", "date", "author", "image")
    compiled = {key: _compile(name, key, list(data.get(key, []))) for key in fields}
    return SiteRule(
        name=name,
        domains=tuple(data.get("domains", [])),
        title_strip=_patterns(name, list(data.get("title_strip", []))),
        test=_test(data),
        **compiled,
    )


@cache
def builtin_rules() -> tuple[SiteRule, ...]:
    """The rules shipped in ``newsdesk/extraction/sites``."""
    folder = resources.files("newsdesk.extraction") / "sites"
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".toml")), key=lambda f: f.name)
    return tuple(parse_rule(f.read_text(encoding="utf-8")) for f in files)


def rule_for(tree: etree._Element, url: str) -> SiteRule | None:
    """The first built-in rule that applies to the page, if any."""
    return next((rule for rule in builtin_rules() if rule.matches(tree, url)), None)
