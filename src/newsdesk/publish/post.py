"""Render an Article as a Hugo Markdown post with Mainroad-theme front matter."""

from __future__ import annotations

import re
import unicodedata
from zoneinfo import ZoneInfo

from newsdesk.config import FrontMatterDefaults
from newsdesk.models import Article
from newsdesk.publish.frontmatter import FrontValue, render_front_matter
from newsdesk.publish.markdown import render_body, source_link
from newsdesk.xmltext import xml_safe

DATE_FORMAT = "%Y-%m-%d %H:%M:%S"

# Characters that Hugo keeps in a term's URL path: letters, digits, marks and these. The rest
# is dropped, and spaces become "-" (Hugo's paths.MakePath, as observed with Hugo 0.165).
_PATH_PUNCTUATION = frozenset("._#+-@")
# Path separators, percent-escapes and the escape character of term_name itself.
_PATH_TRICKS = frozenset("/\\%~")
_WORD = ("L", "Nd")  # letters and decimal digits: what makes a path segment a name


def _hugo_path_segment(name: str) -> str:
    """Roughly the path Hugo derives from a term name (lowercased, spaces to "-")."""
    kept = [
        "-" if ch.isspace() else ch
        for ch in name.strip()
        if ch.isspace() or ch in _PATH_PUNCTUATION or unicodedata.category(ch)[0] in "LNM"
    ]
    return re.sub("-+", "-", "".join(kept)).lower()


def _is_word(ch: str) -> bool:
    category = unicodedata.category(ch)
    return category[0] == "L" or category == "Nd"


def term_name(name: str) -> str:
    """The spelling of a category or tag that gives its Hugo page a safe URL.

    Hugo makes a term's URL from its name: ``..`` would replace the home page, ``.`` the
    list of all tags, ``a/../../b`` escapes the taxonomy folder, ``a/b`` lands inside term
    ``a``, ``index.html`` breaks the build, ``%41`` is a broken link and ``!!!`` has no path at
    all. Such a name is written with every character but letters and digits as ``~NN~`` (its
    code point), which keeps the URL one plain segment inside the taxonomy folder; the
    built-in theme shows the name as it was (``layouts/_partials/term-name.html``). Every
    other name is written as it is.
    """
    name = xml_safe(name)
    segment = _hugo_path_segment(name)
    if (
        not any(ch in _PATH_TRICKS for ch in name)
        and any(_is_word(ch) for ch in segment)
        and not segment.startswith(".")  # ".net": a hidden folder many servers refuse
        and not segment.startswith("index.")  # index.html, index.xml: the taxonomy's own
    ):
        return name
    return "".join(ch if _is_word(ch) else f"~{ord(ch)}~" for ch in name)


def _safe(value: FrontValue) -> FrontValue:
    """``value`` without characters that XML 1.0 forbids (RSS and sitemap are XML)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return xml_safe(value)
    return [xml_safe(item) for item in value]


def front_matter_fields(
    article: Article, options: FrontMatterDefaults, timezone: str
) -> list[tuple[str, FrontValue]]:
    """The front matter keys and values, in the reference post's order.

    Every string is XML-safe; categories and tags are spelled by :func:`term_name`.
    """
    thumbnail = article.image if options.thumbnail == "auto" else options.thumbnail
    languages = [article.language] if article.language else []
    fields: list[tuple[str, FrontValue]] = [
        ("title", article.title),
        ("date", article.published.astimezone(ZoneInfo(timezone)).strftime(DATE_FORMAT)),
        ("summary", article.summary),
        ("categories", [term_name(term) for term in article.categories]),
        ("lang", languages),
        ("translations", list(article.translations) or languages),
        ("tags", [term_name(term) for term in article.tags]),
        ("menu", options.menu),
        ("thumbnail", thumbnail),
        ("lead", options.lead),
        ("comments", options.comments),
        ("authorbox", options.authorbox),
        ("pager", options.pager),
        ("toc", options.toc),
        ("mathjax", options.mathjax),
        ("sidebar", options.sidebar),
        ("widgets", list(options.widgets)),
    ]
    return [(key, _safe(value)) for key, value in fields]


def render_post(
    article: Article, options: FrontMatterDefaults, *, timezone: str, body_style: str
) -> str:
    """The complete post file: front matter, a blank line, the body, a blank line, and the
    ``[source](url)`` line."""
    front = render_front_matter(front_matter_fields(article, options, timezone))
    body = render_body(article.blocks, body_style)
    return f"{front}\n{body}\n\n{source_link(article.source, article.url)}\n"
