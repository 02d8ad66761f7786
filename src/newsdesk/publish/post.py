"""Render an Article as a Hugo Markdown post with Mainroad-theme front matter."""

from __future__ import annotations

import unicodedata
from zoneinfo import ZoneInfo

from newsdesk.config import FrontMatterDefaults
from newsdesk.models import Article
from newsdesk.publish.frontmatter import FrontValue, render_front_matter
from newsdesk.publish.markdown import render_body, source_link
from newsdesk.xmltext import xml_safe

DATE_FORMAT = "%Y-%m-%d %H:%M:%S"

# Characters Hugo keeps in a term's URL path besides letters, digits and marks; it drops the
# rest (and makes spaces between kept characters "-"). Observed with Hugo 0.165: "!!!" has no
# path at all, "a!" has the path "a".
_PATH_PUNCTUATION = frozenset("._#+-@~/\\")
# Always written as ~NN~: path separators, percent-escapes ("%41" is a link to term "A"), and
# "~", the escape character itself. "#" and "?" need nothing: Hugo encodes "#" in the link
# and drops "?".
_ALWAYS = frozenset("/\\%~")


def _hugo_keeps(ch: str) -> bool:
    """Whether Hugo keeps ``ch`` in a term's URL path (letters, digits, marks and
    :data:`_PATH_PUNCTUATION`; its ``paths.UnicodeSanitize``)."""
    category = unicodedata.category(ch)
    return ch in _PATH_PUNCTUATION or category[0] in "LM" or category == "Nd"


def _escape(ch: str) -> str:
    return f"~{ord(ch)}~"


def term_name(name: str) -> str:
    """The spelling of a category or tag that gives its Hugo page a safe URL: one plain
    path segment inside the taxonomy folder.

    Hugo makes a term's URL from its name, and some names are path tricks: ``a/b`` lands
    inside term ``a`` and ``x/../../y`` outside the taxonomy folder, ``%41`` links to term
    ``A``, ``..`` would replace the home page, ``.`` the list of all tags, ``.NET`` makes a
    hidden folder, ``index.html`` breaks the build and ``!!!`` has no path at all. Only what
    makes the trick is written as ``~NN~`` (its code point): ``/``, ``\\``, ``%`` and ``~``
    everywhere, the dots a path would start with, the dot of an ``index.`` prefix, and every
    character of a name Hugo would give no path. ``Sci/Tech`` becomes ``Sci~47~Tech``;
    ``World / Europe``, ``World ~47~ Europe``; ``C#``, ``U.S.`` and ``Energy & Co`` stay as
    they are. The built-in theme shows the name as it was
    (``layouts/_partials/term-name.html``).
    """
    name = xml_safe(name)
    kept = [i for i, ch in enumerate(name) if _hugo_keeps(ch)]
    if not kept:  # no path: the term's page would be the taxonomy's own
        return "".join(_escape(ch) for ch in name)
    written = [_escape(ch) if ch in _ALWAYS else ch for ch in name]
    for i in kept:  # "." and ".." themselves, or a hidden folder
        if name[i] != ".":
            break
        written[i] = _escape(".")
    if len(kept) > 5 and "".join(name[i] for i in kept[:6]).lower() == "index.":
        written[kept[5]] = _escape(".")  # index.html and index.xml are the taxonomy's own
    return "".join(written)


def _safe(value: FrontValue) -> FrontValue:
    """``value`` without characters that XML 1.0 forbids (RSS and sitemap are XML)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return xml_safe(value)
    return [xml_safe(item) for item in value]


def front_matter_fields(
    article: Article,
    options: FrontMatterDefaults,
    timezone: str,
    thumbnail: str | None = None,
) -> list[tuple[str, FrontValue]]:
    """The front matter keys and values, in the reference post's order.

    Every string is XML-safe; categories and tags are spelled by :func:`term_name`.
    ``thumbnail``: the image kept with the post for ``thumbnail = "auto"`` ("" without one);
    ``"hotlink"`` names the article's own image URL; any other value is written as it is.
    """
    if options.thumbnail == "auto":
        thumbnail = thumbnail or ""
    elif options.thumbnail == "hotlink":
        thumbnail = article.image
    else:
        thumbnail = options.thumbnail
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
    if options.draft:  # only then: the reference post has no draft key
        fields.append(("draft", True))
    return [(key, _safe(value)) for key, value in fields]


def render_post(
    article: Article,
    options: FrontMatterDefaults,
    *,
    timezone: str,
    body_style: str,
    thumbnail: str | None = None,
) -> str:
    """The complete post file: front matter, a blank line, the body, a blank line, and the
    ``[source](url)`` line. ``thumbnail``: see :func:`front_matter_fields`."""
    front = render_front_matter(front_matter_fields(article, options, timezone, thumbnail))
    body = render_body(article.blocks, body_style)
    return f"{front}\n{body}\n\n{source_link(article.source, article.url)}\n"
