"""Page metadata: title, authors, date, lead image, description and language, from meta tags
and JSON-LD (``jsonld``) and the page's dates (``pagedates``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin

from lxml import etree

from newsdesk.extraction.blocks import text_of
from newsdesk.extraction.jsonld import json_ld_article, ld_image_url, ld_names
from newsdesk.extraction.pagedates import page_date
from newsdesk.extraction.titles import choose_title
from newsdesk.text import plain_text, squash
from newsdesk.urls import is_http_url


@dataclass(frozen=True, slots=True)
class PageMeta:
    """Metadata found in a page's head and structured data."""

    title: str = ""
    authors: tuple[str, ...] = ()
    date: datetime | None = None
    date_has_time: bool = True
    image: str = ""
    description: str = ""
    language: str = ""


def _meta(tree: etree._Element) -> dict[str, str]:
    found: dict[str, str] = {}
    for meta in tree.iterfind(".//meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        content = meta.get("content")
        if key and content and key not in found:
            found[key] = content.strip()
    return found


def _clean_authors(names: list[str]) -> tuple[str, ...]:
    out: list[str] = []
    for name in names:
        name = squash(re.sub(r"^(by|von|par|por|di)\s+", "", plain_text(name), flags=re.I))
        if name and not is_http_url(name) and len(name) < 120 and name not in out:
            out.append(name)
    return tuple(out)


def page_language(tree: etree._Element, meta: dict[str, str]) -> str:
    """The language the page declares (``<html lang>``, content-language, og:locale)."""
    root = tree.getroottree().getroot()
    for value in (
        root.get("lang"),
        root.get("{http://www.w3.org/XML/1998/namespace}lang"),
        meta.get("content-language"),
        meta.get("og:locale"),
        meta.get("language"),
    ):
        if value:
            code = re.split(r"[-_]", value.strip())[0].lower()
            if re.fullmatch(r"[a-z]{2,3}", code):
                return code
    return ""


def page_metadata(tree: etree._Element, url: str = "") -> PageMeta:
    """Collect title, authors, date, lead image, description and language from a page."""
    ld = json_ld_article(tree)
    meta = _meta(tree)
    head_title = tree.find(".//title")
    meta_titles = [
        plain_text(str(ld.get("headline") or "")),
        plain_text(meta.get("og:title") or ""),
        plain_text(meta.get("twitter:title") or ""),
        squash(text_of(head_title)) if head_title is not None else "",
    ]
    publisher = ld.get("publisher")
    site_names = [meta.get("og:site_name") or "", meta.get("application-name") or ""]
    site_names += ld_names(publisher)
    title = choose_title(tree, meta_titles, site_names, url)
    date, date_has_time = page_date(tree, ld, meta)
    authors = _clean_authors(ld_names(ld.get("author")))
    if not authors:
        authors = _clean_authors(
            [
                meta[k]
                for k in ("author", "article:author", "parsely-author", "byl", "dc.creator")
                if k in meta
            ]
        )
    image = ld_image_url(ld.get("image")) or meta.get("og:image") or meta.get("twitter:image") or ""
    description = plain_text(
        meta.get("og:description") or meta.get("description") or str(ld.get("description") or "")
    )
    return PageMeta(
        title=title,
        authors=authors,
        date=date,
        date_has_time=date_has_time,
        image=urljoin(url, image) if image and url else image,
        description=description,
        language=page_language(tree, meta) or str(ld.get("inLanguage") or "")[:2].lower(),
    )
