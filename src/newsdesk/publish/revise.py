"""Posts changed in place, keeping what an editor may have changed by hand.

A post is its front matter, a blank line, the body, a blank line and its closing source links
(``[name](url)`` lines: the source's, then any added for the same story from other sources).
Re-extraction gives a post a new body and ``summary`` and keeps every other byte: the front
matter's other keys as the file has them now (a retitled post, a changed date, ``draft``), and
the source links. A translation caught up later adds its language to the ``translations``
list of the posts already written. Front matter is read with a YAML parser and changed as
text, one top-level key at a time.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

import yaml

from newsdesk.publish.frontmatter import FrontValue, render_front_matter
from newsdesk.xmltext import xml_safe

REGENERATED_KEYS = ("summary",)
"""The front matter keys ``reextract`` writes anew (with the body); every other is kept."""

_LINK_LINE = re.compile(r"\[[^\n]*\]\([^\n]*\)")
"""A closing source link; a body's own text never looks like one (Markdown escapes ``[``)."""


@dataclass(frozen=True, slots=True)
class PostParts:
    """A post file cut into its front matter (both ``---`` lines included), its body and
    its closing source links (without the blank line before them)."""

    front: str
    body: str
    links: str

    def text(self) -> str:
        """The post file again."""
        tail = f"\n\n{self.links}\n" if self.links else "\n"
        return f"{self.front}\n{self.body}{tail}"


class NotAPost(ValueError):
    """The file does not start with front matter between ``---`` lines."""


def split_post(text: str) -> PostParts:
    """Cut a post file into its parts; NotAPost when it has no front matter."""
    if not text.startswith("---\n"):
        raise NotAPost("the file does not start with front matter (---)")
    end = text.find("\n---\n", 3)
    if end < 0:
        raise NotAPost("the front matter is not closed (---)")
    front, rest = text[: end + 5], text[end + 5 :]
    lines = rest.removeprefix("\n").split("\n")  # the blank line after the front matter
    while lines and not lines[-1].strip():  # the last newline, and blank lines an editor left
        lines.pop()
    cut = len(lines)
    while cut > 0 and _LINK_LINE.fullmatch(lines[cut - 1].strip()):
        cut -= 1
    if cut == len(lines):  # no source link: the editor took it out
        return PostParts(front, "\n".join(lines), "")
    body = lines[: cut - 1] if cut > 0 and not lines[cut - 1].strip() else lines[:cut]
    links = [line.strip() for line in lines[cut:]]
    return PostParts(front, "\n".join(body), "\n".join(links))


def front_values(front: str) -> dict[str, Any]:
    """The front matter's keys and values (an empty dict when it is not a YAML mapping)."""
    try:
        return _parse(front)
    except NotAPost:
        return {}


def _parse(front: str) -> dict[str, Any]:
    """The front matter as a mapping; NotAPost when it is not one."""
    try:
        data = yaml.safe_load(front[4:-5] if len(front) > 8 else "")
    except yaml.YAMLError as exc:
        raise NotAPost(f"the front matter is not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise NotAPost("the front matter is not a mapping of keys")
    return data


def _key_span(lines: list[str], key: str) -> tuple[int, int] | None:
    """Where top-level ``key`` and its value's lines are among ``lines`` (inside the
    ``---`` lines): its own line, and the indented or ``- `` lines that continue it, blank
    lines and comments between them included."""
    start = next(
        (i for i, line in enumerate(lines) if line == f"{key}:" or line.startswith(f"{key}: ")),
        None,
    )
    if start is None:
        return None
    end = start + 1
    for i in range(start + 1, len(lines)):
        line = lines[i]
        if line == "---":
            break
        if line[:1] in (" ", "\t", "-"):
            end = i + 1  # a continuation
        elif line.strip() and not line.startswith("#"):
            break  # the next key
    return start, end


def set_key(front: str, key: str, value: FrontValue, *, add: bool = False) -> str:
    """``front`` with top-level ``key`` set to ``value`` in place, written as newsdesk writes
    it (XML-safe, as every value it writes). A key the front matter lacks is added before the
    closing ``---`` only when ``add`` (otherwise the editor took it out, and it stays out).
    NotAPost when the result would not be the same front matter with that one key changed."""
    if isinstance(value, str):
        value = xml_safe(value)
    elif not isinstance(value, bool):
        value = [xml_safe(item) for item in value]
    lines = front.split("\n")  # "---", the keys' lines, "---", ""
    rendered = render_front_matter([(key, value)]).split("\n")[1:-2]
    span = _key_span(lines, key)
    if span is None:
        if not add:
            return front
        changed = "\n".join(lines[:-2] + rendered + lines[-2:])
    else:
        start, end = span
        changed = "\n".join(lines[:start] + rendered + lines[end:])
    before, after = _parse(front), _parse(changed)
    before[key] = after.get(key)
    if after != before or (key not in after):
        raise NotAPost(f"its front matter cannot be changed safely at {key!r}")
    return changed


def with_new_text(old: str, body: str, summary: str) -> str:
    """The post ``old`` with a new ``body`` and ``summary``; every other byte is kept.
    NotAPost when its closing source link cannot be found (rewriting would lose it)."""
    parts = split_post(old)
    if not parts.links:
        raise NotAPost("its closing source link ([source](url)) cannot be found")
    front = parts.front
    if "summary" in front_values(front):
        front = set_key(front, "summary", summary)
    return PostParts(front, body.strip("\n"), parts.links).text()


def with_language(old: str, language: str) -> str:
    """The post ``old`` with ``language`` added to its ``translations`` list (kept as it is
    when the language is already there)."""
    parts = split_post(old)
    values = front_values(parts.front)
    listed = values.get("translations")
    languages = [str(x) for x in listed] if isinstance(listed, list) else []
    if language in languages:
        return old
    if not languages:  # a post without a list names its own language first
        own = values.get("lang")
        languages = [str(x) for x in own] if isinstance(own, list) else []
    front = set_key(parts.front, "translations", [*languages, language], add=True)
    return PostParts(front, parts.body, parts.links).text()


def word_changes(old_body: str, new_body: str) -> tuple[int, int]:
    """Words the new body has that the old one did not, and words it lost (counted as
    multisets of whitespace-separated words, so a moved paragraph changes nothing)."""
    old, new = Counter(old_body.split()), Counter(new_body.split())
    return sum((new - old).values()), sum((old - new).values())
