"""The publish stage: an Article (and its translations) written as Hugo posts, atomically."""

from __future__ import annotations

from pathlib import Path

from newsdesk.config import Config, SourceConfig
from newsdesk.layout import Site
from newsdesk.models import Article
from newsdesk.publish.files import write_atomic
from newsdesk.publish.post import render_post


def rendered_post(
    site: Site,
    cfg: Config,
    source: SourceConfig,
    article: Article,
    language: str = "",
    *,
    thumbnail: str | None = None,
) -> tuple[Path, str]:
    """``article`` rendered as a post, and the path it goes to (a translation's when
    ``language`` is given). ``thumbnail``: the post's own image (``thumbnail = "auto"``)."""
    options = source.front_matter(cfg.posts)
    text = render_post(
        article,
        options,
        timezone=cfg.site.timezone,
        body_style=cfg.posts.body_style,
        thumbnail=thumbnail,
    )
    return site.post_path(article.id, language), text


def write_post(
    site: Site, cfg: Config, source: SourceConfig, article: Article, language: str = ""
) -> Path:
    """Render ``article`` and write it to its post path (a translation's when ``language``
    is given); returns the path."""
    path, text = rendered_post(site, cfg, source, article, language)
    return write_file(path, text)


def write_file(path: Path, text: str | bytes) -> Path:
    """Write one post file (or its image) atomically; an OSError names the file."""
    try:
        write_atomic(path, text)
    except OSError as exc:
        exc.filename = exc.filename or str(path)  # write() says what failed, not where
        raise
    return path
