"""Machine translation backends and the translated-post writer's input.

Backends: any OpenAI-compatible chat-completions endpoint (llama.cpp, vLLM, Ollama, or a hosted
service) and Argos Translate (offline models the user installs). Translations are cached in
the state database by a hash of (backend, model, languages, text), so a text is never paid for
twice; a failure never blocks the original post.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import replace

import httpx

from newsdesk.config import TranslateConfig
from newsdesk.enrich.summary import summarize
from newsdesk.errors import NewsdeskError
from newsdesk.models import Article, Block

PROMPT = (
    "You are a professional news translator. Translate the user's text from {source} to "
    "{target}. Keep the meaning, names, numbers and paragraph breaks (blank lines). Reply with "
    "the translation only, no notes."
)


class TranslationError(NewsdeskError):
    """A translation backend failed; the original post is published anyway."""


Cache = tuple[Callable[[str], str | None], Callable[[str, str], None]]


def cache_key(cfg: TranslateConfig, source: str, target: str, text: str) -> str:
    """The cache key of one text's translation."""
    raw = "\x00".join((cfg.backend, cfg.model, cfg.url, source, target, text))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _chat(cfg: TranslateConfig, source: str, target: str, text: str) -> str:
    headers = {"Content-Type": "application/json"}
    key = os.environ.get(cfg.api_key_env, "")
    if key:
        headers["Authorization"] = f"Bearer {key}"
    body = {
        "model": cfg.model,
        "temperature": 0,
        "messages": [
            {"role": "system", "content": PROMPT.format(source=source, target=target)},
            {"role": "user", "content": text},
        ],
    }
    url = cfg.url.rstrip("/") + "/chat/completions"
    last: Exception | None = None
    for _ in range(3):  # a local model server may be busy or still loading
        try:
            response = httpx.post(url, json=body, headers=headers, timeout=cfg.timeout)
            if response.status_code >= 500 or response.status_code == 429:
                last = TranslationError(f"HTTP {response.status_code} from {url}")
                continue
            response.raise_for_status()
            content = response.json()["choices"][0]["message"]["content"]
            if not isinstance(content, str) or not content.strip():
                raise TranslationError("empty translation")
            return content.strip()
        except (httpx.HTTPError, KeyError, IndexError, ValueError) as exc:
            last = exc
    raise TranslationError(f"translation to {target} failed: {last}")


def _argos(source: str, target: str, text: str) -> str:
    try:
        from argostranslate import translate  # type: ignore[import-not-found]
    except ImportError:
        raise TranslationError(
            "backend 'argos' needs argostranslate and its language models installed"
        ) from None
    return str(translate.translate(text, source, target))


def translate_text(
    cfg: TranslateConfig, source: str, target: str, text: str, cache: Cache | None = None
) -> str:
    """Translate one text, through the cache."""
    if not text.strip():
        return text
    key = cache_key(cfg, source, target, text)
    if cache is not None and (hit := cache[0](key)) is not None:
        return hit
    result = (
        _argos(source, target, text) if cfg.backend == "argos" else _chat(cfg, source, target, text)
    )
    if cache is not None:
        cache[1](key, result)
    return result


def translate_article(
    article: Article,
    target: str,
    cfg: TranslateConfig,
    summary_words: int,
    cache: Cache | None = None,
) -> Article:
    """The article with title, body and summary in ``target``."""
    source = article.language or "en"
    title = translate_text(cfg, source, target, article.title, cache)
    body = translate_text(cfg, source, target, "\n\n".join(b.text for b in article.blocks), cache)
    paragraphs = [p.strip() for p in body.split("\n\n") if p.strip()]
    kinds = [b.kind for b in article.blocks]
    blocks = tuple(
        Block(kinds[i] if len(paragraphs) == len(kinds) else "p", " ".join(p.split()))
        for i, p in enumerate(paragraphs)
    )
    return replace(
        article,
        title=" ".join(title.split()),
        blocks=blocks,
        language=target,
        summary=summarize(blocks, summary_words),
    )
