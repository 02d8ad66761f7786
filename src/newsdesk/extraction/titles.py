"""The headline as readers see it, chosen by agreement among the page's own titles.

A page names its article up to five times: the JSON-LD ``headline``, ``og:title``,
``twitter:title``, ``<title>`` and the article's ``<h1>``. Each may carry extras the others do
not: the site's name (``Headline | Site``), a section (``Headline - Politics - Site``), a kicker
(``Kicker: Headline``, or a kicker ``<span>`` inside the ``<h1>``), typographic quotes where
another has straight ones. The headline is the form most of them agree on: each source votes
fully for the form it equals word for word, and partly for a cleanly delimited part of itself.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

from lxml import etree

from newsdesk.extraction.blocks import SKIP_TAGS, inline_text
from newsdesk.text import squash
from newsdesk.words import word_tokens

# Where a title splits into headline and extras: spaced dashes and bars, a colon before a space,
# bars without spaces, full-width colons and bars, and the Hangul letter used as a bar.
_CJK = "\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af"
_SEPARATORS = re.compile(
    r"\s+[|\-–—·:»›/~•]\s+|\s*[|｜ㅣ]\s*|(?<=\w):\s+|(?<=[\"'”’»)])\s*:\s*|\s*：\s*|--+"
    # "标题-新华网": a hyphen between CJK characters sets a site or section apart.
    rf"|(?<=[{_CJK}])-(?=[{_CJK}])"
)
_SITE_SEPARATORS = r"[|\-–—·:»›/*：｜ㅣ]"
_WORD = re.compile(r"\w+")
_ELLIPSIS = re.compile(r"(?:\.\.\.|…)\s*$")
# Straight and typographic quotes, apostrophes and dashes compare alike.
_TYPOGRAPHY = str.maketrans({c: "'" for c in '‘’‚‛′`´"“”„‟«»‹›'} | {c: "-" for c in "‐‑‒–—―"})

# How much a source's vote counts, and how much a part of it (``Part | extra``: the part before
# a separator; ``extra: Part``: the part after one) counts towards a form. A part before a
# bar or dash sheds a site or section name; a part after a separator sheds a kicker, which
# the other sources may well keep.
_WEIGHTS = {"ld": 4.0, "og": 1.6, "twitter": 0.5, "title": 0.5, "h1": 0.5}
_HEAD_CREDIT = 0.9  # "Part | extra"
_COLON_HEAD_CREDIT = 0.5  # "Part: extra"
_TAIL_CREDIT = 0.45  # "extra: Part"
# When forms tie, the surface comes from the first of these that has it.
_SURFACE_ORDER = ("og", "ld", "h1", "twitter", "title")


def _in_furniture(element: etree._Element) -> bool:
    node = element.getparent()
    while node is not None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag == "header":
            return False  # where the headline lives, inside <article> or just before it
        if tag in ("nav", "footer", "aside"):
            return not node.xpath("ancestor::article")
        if tag in SKIP_TAGS:
            return True
        node = node.getparent()
    return False


def title_key(text: str) -> str:
    """The words of a title, compared case-blind and whatever the quotes, dashes or Unicode
    form (``„Quote“ – Headline`` and ``"Quote" - headline`` have one key)."""
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_TYPOGRAPHY)
    return " ".join(_WORD.findall(folded))


def _squashed(text: str) -> str:
    return "".join(word_tokens(unicodedata.normalize("NFKC", text)))


def _is_site(segment: str, site_keys: set[str], *, loose: bool = True) -> bool:
    """True when a title segment names the site: its name, or (``loose``) its name with a
    domain or a short word after it (``Globalnews.ca``, ``Mirror Online``, ``Metro News``)."""
    key = _squashed(segment)
    if not key or len(segment) > 60:
        return False
    if key in site_keys:
        return True
    return loose and any(
        len(s) >= 4 and key.startswith(s) and (len(key) - len(s) <= 4 or key.endswith("online"))
        for s in site_keys
    )


def _site_keys(site_names: list[str], url: str) -> set[str]:
    """The site's names, squashed (``globalnews``), from its declared names and its host."""
    keys = {_squashed(n) for n in site_names if n} - {""}
    archived = re.match(r"https?://web\.archive\.org/web/[^/]+/(.+)", url)
    if archived:
        url = archived.group(1)
    host = (urlsplit(url).hostname or "") if url else ""
    labels = [p for p in host.split(".") if p not in ("www", "m", "amp", "edition")]
    if labels:
        keys.add(_squashed(".".join(labels)))
        if len(labels) >= 2:
            keys.add(_squashed(labels[-2]))
    return keys


def strip_known_site(title: str, site_names: list[str], url: str = "") -> str:
    """Remove a site name glued to either end of a title (``Headline | Site``,
    ``Site: Headline``, ``Headline | Site | by Author``). The site is named by
    ``site_names`` (og:site_name, publisher, application-name) or by the URL's host."""
    title = squash(title)
    names = [n.strip() for n in site_names if n and n.strip()]
    for name in names:
        for pattern in (
            rf"\s*{_SITE_SEPARATORS}+\s*{re.escape(name)}(?:\s*{_SITE_SEPARATORS}+\s*by\s[^|]*)?\s*$",
            rf"^\s*{re.escape(name)}\s*{_SITE_SEPARATORS}+\s*",
        ):
            stripped = re.sub(pattern, "", title, flags=re.IGNORECASE)
            if stripped != title and stripped.strip():
                return stripped.strip()
    site_keys = _site_keys(names, url)
    if not site_keys:
        return title
    cuts = list(_SEPARATORS.finditer(title))
    if cuts and _is_site(title[cuts[-1].end() :], site_keys):
        head = title[: cuts[-1].start()].strip()
        if head:
            return head
    if cuts and _is_site(title[: cuts[0].start()], site_keys, loose=False):
        tail = title[cuts[0].end() :].strip()
        if tail:
            return tail
    return title


def _h1_texts(h1: etree._Element) -> list[str]:
    """The h1 as rendered, and with its parts set apart where a kicker ``<span>`` is glued
    to the headline (``<span>Kicker</span>Headline`` renders as ``KickerHeadline``)."""
    text = inline_text(h1)
    spaced = squash(" ".join(str(t) for t in h1.itertext()))
    return [text, spaced] if spaced and title_key(spaced) != title_key(text) else [text]


@dataclass(frozen=True, slots=True)
class _Source:
    name: str
    texts: tuple[str, ...]


def _parts(text: str) -> tuple[list[str], list[str], list[str]]:
    """The cleanly delimited heads (``Head | …``), heads before a colon (``Head: …``, which
    may be a kicker or the headline before its subtitle) and tails (``…: Tail``) of a title."""
    heads: list[str] = []
    colon_heads: list[str] = []
    tails: list[str] = []
    for cut in _SEPARATORS.finditer(text):
        head, tail = text[: cut.start()].strip(), text[cut.end() :].strip()
        if _WORD.search(head):
            (colon_heads if cut.group().startswith(":") else heads).append(head)
        if _WORD.search(tail):
            tails.append(tail)
    return heads, colon_heads, tails


def _credits(source: _Source) -> dict[str, float]:
    """The keys a source votes for, and with what share of its weight."""
    votes: dict[str, float] = {}

    def vote(text: str, share: float) -> None:
        key = title_key(text)
        if key and votes.get(key, 0.0) < share:
            votes[key] = share

    for text in source.texts:
        vote(text, 1.0)
        heads, colon_heads, tails = _parts(text)
        for head in heads:
            vote(head, _HEAD_CREDIT)
        for head in colon_heads:
            vote(head, _COLON_HEAD_CREDIT)
        for tail in tails:
            vote(tail, _TAIL_CREDIT)
            for head in _parts(tail)[0]:  # "Kicker: Headline | Site"
                vote(head, _TAIL_CREDIT * _HEAD_CREDIT)
    return votes


def _truncated_into(text: str, longer: str) -> bool:
    """True when ``text`` is ``longer`` cut short with an ellipsis."""
    if not _ELLIPSIS.search(text):
        return False
    short, full = title_key(text), title_key(longer)
    if len(short) < 20 or not full.startswith(short) or len(full) <= len(short):
        return False
    # "Headline… | Site" is the whole headline with a suffix, not a cut.
    heads, colon_heads, _ = _parts(longer)
    return all(title_key(head) != short for head in heads + colon_heads)


def choose_title(
    tree: etree._Element, meta_titles: list[str], site_names: list[str], url: str = ""
) -> str:
    """The article headline: the form that the page's titles agree on.

    Args:
        tree: the page.
        meta_titles: JSON-LD headline, og:title, twitter:title, ``<title>``, in that order.
        site_names: og:site_name and the like, to strip from meta titles.
        url: the page's address; its host names the site too.
    """
    h1s = [h1 for h1 in tree.iter("h1") if not _in_furniture(h1)]
    h1_texts = [_h1_texts(h1) for h1 in h1s]
    h1_texts = [texts for texts in h1_texts if 3 <= len(texts[0]) <= 400]
    names = ("ld", "og", "twitter", "title")
    sources = [
        _Source(name, (strip_known_site(text, site_names, url),))
        for name, text in zip(names, meta_titles, strict=False)
        if text and text.strip()
    ]
    site_keys = _site_keys(site_names, url)
    h1_texts = [texts for texts in h1_texts if not _is_site(texts[0], site_keys)]
    meta_votes = [_credits(source) for source in sources]
    # The article's h1 is the first that a meta title holds, else the first.
    h1 = next(
        (
            texts
            for texts in h1_texts
            if any(
                v.get(title_key(t), 0.0) >= _COLON_HEAD_CREDIT for t in texts for v in meta_votes
            )
        ),
        h1_texts[0] if h1_texts else None,
    )
    if h1 is not None:
        sources.append(_Source("h1", tuple(h1)))
    if not sources:
        return ""
    credits = [(source, _credits(source)) for source in sources]
    # The forms in the running are the sources' own texts, whole; the h1's only where a meta
    # title holds it (``<h1> | Site``), as the h1 may be a blog's name or a section's.
    forms: dict[str, tuple[int, str]] = {}
    for source in sources:
        rank = _SURFACE_ORDER.index(source.name)
        for text in source.texts:
            key = title_key(text)
            if not key or (key in forms and forms[key][0] <= rank):
                continue
            if (
                source.name == "h1"
                and meta_votes
                and not any(v.get(key, 0.0) >= _COLON_HEAD_CREDIT for v in meta_votes)
            ):
                continue
            forms[key] = (rank, text)
    best_key, best_score = "", -1.0
    for key, (rank, text) in forms.items():
        score = 0.0
        for source, votes in credits:
            share = votes.get(key, 0.0)
            if not share and any(_truncated_into(t, text) for t in source.texts):
                share = 1.0
            score += _WEIGHTS[source.name] * share
        better = score > best_score + 1e-9 or (
            abs(score - best_score) <= 1e-9 and rank < forms[best_key][0]
        )
        if better:
            best_key, best_score = key, score
    if not best_key:
        return sources[0].texts[0].strip()
    best = forms[best_key][1].strip()
    if all(s.name == "title" for s in sources if title_key(s.texts[0]) == best_key):
        best = _without_last_segment(best)
    return best


_LAST_SEGMENT = re.compile(r"^(.*\S)\s+[|\-–—·»/]\s+[^|\-–—·»/]+$")
_MIN_HEAD_WORDS = 4


def _without_last_segment(title: str) -> str:
    """A ``<title>`` nothing else confirms, without its last ``| segment`` (the site, as a
    rule) when enough words are left to be a headline."""
    match = _LAST_SEGMENT.match(title)
    if match and len(match.group(1).split()) >= _MIN_HEAD_WORDS:
        return match.group(1)
    return title
