"""Publishing filters: keywords or regular expressions, length, age and language.

``check(article, rules...)`` raises ``Skip`` naming the rule that rejected the item, so that
``newsdesk run --dry-run`` can say why.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import lru_cache

from newsdesk.config import FilterRules
from newsdesk.errors import Skip
from newsdesk.models import Article, word_count
from newsdesk.words import whole_word_pattern


@lru_cache(maxsize=256)
def _pattern(rule: str) -> re.Pattern[str]:
    if len(rule) > 1 and rule.startswith("/") and rule.endswith("/"):
        return re.compile(rule[1:-1], re.IGNORECASE)
    return whole_word_pattern(rule)


def _matching(rules: tuple[str, ...], text: str) -> str | None:
    return next((rule for rule in rules if _pattern(rule).search(text)), None)


def check(article: Article, *rule_sets: FilterRules | None, now: datetime | None = None) -> None:
    """Raise Skip when a filter rejects the article; the message names the rule."""
    text = f"{article.title}\n{article.text}"
    words = word_count(article.blocks)
    now = now or datetime.now(UTC)
    for rules in rule_sets:
        if rules is None:
            continue
        if rules.include and _matching(rules.include, text) is None:
            raise Skip(f"filtered: matches none of include {list(rules.include)}")
        if (hit := _matching(rules.exclude, text)) is not None:
            raise Skip(f"filtered: matches exclude {hit!r}")
        if words < rules.min_words:
            raise Skip(f"filtered: {words} words, fewer than min_words {rules.min_words}")
        if rules.max_age is not None:
            age = (now - article.published).total_seconds()
            if age > rules.max_age:
                raise Skip(
                    f"filtered: {age / 3600:.0f} h old, older than max_age "
                    f"{rules.max_age / 3600:.0f} h"
                )
        if rules.languages and article.language not in rules.languages:
            raise Skip(f"filtered: language {article.language!r} not in {list(rules.languages)}")
