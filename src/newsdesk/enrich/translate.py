"""Machine translation backends and the translated-post writer's input.

Backends: any OpenAI-compatible chat-completions endpoint (llama.cpp, vLLM, Ollama, or a hosted
service) and Argos Translate (offline models the user installs). Each is a ``Translator``.
Requests go through the run's ``Fetcher``: its per-host limits, its backoff with jitter for
transient failures (timeouts, 5xx, 429), and no retry for any other 4xx. The backend URL is
the user's own, so its origin may be a local or private address (``Trust.of_feed``), as a
feed's may. Translations are cached in the state database by a hash of (backend, model, URL,
languages, text), so a text is never paid for twice; a dry run pays for nothing and reports
what it would translate. A failure never blocks the original post.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from dataclasses import dataclass, replace
from typing import Protocol

from newsdesk.config import TranslateConfig
from newsdesk.enrich.summary import summarize
from newsdesk.errors import FetchError, NewsdeskError
from newsdesk.fetch.client import Fetcher
from newsdesk.fetch.guard import Trust
from newsdesk.models import Article, Block

PROMPT = (
    "You are a professional news translator. Translate the user's text from {source} to "
    "{target}. Keep the meaning, names, numbers and paragraph breaks (blank lines). Reply with "
    "the translation only, no notes."
)


class TranslationError(NewsdeskError):
    """A translation backend failed; the original post is published anyway.

    ``retry``: worth trying again on a later run (the backend was down, slow or confused);
    false for a refusal (a 4xx) or a backend that cannot work as configured.
    """

    def __init__(self, message: str, *, retry: bool = True):
        super().__init__(message)
        self.retry = retry


class TranslationSkipped(TranslationError):
    """A dry run met a text with no cached translation; the message says what it would do."""


class Translator(Protocol):
    """One translation backend."""

    async def translate(self, text: str, source: str, target: str) -> str:
        """``text`` from language ``source`` into ``target``; raise TranslationError."""
        ...


class TranslationCache(Protocol):
    """Where translations are kept between runs (the state store)."""

    def cached_translation(self, key: str) -> str | None:
        """The translation saved under ``key``, if any."""
        ...

    def save_translation(self, key: str, text: str) -> None:
        """Keep ``text`` under ``key``."""
        ...


def cache_key(cfg: TranslateConfig, source: str, target: str, text: str) -> str:
    """The cache key of one text's translation."""
    raw = "\x00".join((cfg.backend, cfg.model, cfg.url, source, target, text))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class ChatTranslator:
    """An OpenAI-compatible chat-completions API (``backend = "openai"``)."""

    cfg: TranslateConfig
    fetcher: Fetcher

    async def translate(self, text: str, source: str, target: str) -> str:
        """Ask the model for the translation; one request, retried only when transient."""
        headers = {}
        key = os.environ.get(self.cfg.api_key_env, "")
        if key:
            headers["Authorization"] = f"Bearer {key}"
        body = {
            "model": self.cfg.model,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": PROMPT.format(source=source, target=target)},
                {"role": "user", "content": text},
            ],
        }
        url = self.cfg.url.rstrip("/") + "/chat/completions"
        failed = f"translation to {target} failed: openai backend at {url}"
        try:
            response = await self.fetcher.post_json(
                url, body, headers=headers, trust=Trust.of_feed(url), timeout=self.cfg.timeout
            )
        except FetchError as exc:
            raise TranslationError(f"{failed}: {exc}", retry=exc.transient) from exc
        try:
            content = json.loads(response.content)["choices"][0]["message"]["content"]
        except (ValueError, LookupError, TypeError):
            raise TranslationError(f"{failed}: not a chat-completions answer") from None
        if not isinstance(content, str) or not content.strip():
            raise TranslationError(f"{failed}: empty translation")
        return content.strip()


@dataclass(frozen=True, slots=True)
class ArgosTranslator:
    """Argos Translate's offline models (``backend = "argos"``); no request is made."""

    async def translate(self, text: str, source: str, target: str) -> str:
        """Translate on this machine, in a thread (the models take CPU time)."""
        try:
            from argostranslate import translate  # type: ignore[import-not-found]
        except ImportError:
            raise TranslationError(
                "backend 'argos' needs argostranslate and its language models installed",
                retry=False,
            ) from None
        try:
            return str(await asyncio.to_thread(translate.translate, text, source, target))
        except Exception as exc:  # noqa: BLE001 - e.g. a language pair with no model installed
            raise TranslationError(f"translation to {target} failed: argos backend: {exc}") from exc


def translator_for(cfg: TranslateConfig, fetcher: Fetcher) -> Translator:
    """The backend ``cfg`` names, making its requests through ``fetcher``."""
    if cfg.backend == "argos":
        return ArgosTranslator()
    return ChatTranslator(cfg, fetcher)


async def _translate_text(
    text: str,
    source: str,
    target: str,
    cfg: TranslateConfig,
    cache: TranslationCache,
    translator: Translator,
    paid: bool,
) -> str:
    if not text.strip():
        return text
    key = cache_key(cfg, source, target, text)
    if (hit := cache.cached_translation(key)) is not None:
        return hit
    if not paid:
        raise TranslationSkipped(
            f"would translate {len(text.split())} words from {source} to {target} with the "
            f"{cfg.backend} backend (not cached; a dry run pays for nothing)"
        )
    result = await translator.translate(text, source, target)
    cache.save_translation(key, result)
    return result


async def translate_article(
    article: Article,
    target: str,
    cfg: TranslateConfig,
    summary_words: int,
    cache: TranslationCache,
    fetcher: Fetcher,
    *,
    paid: bool = True,
) -> Article:
    """The article with title, body and summary in ``target``.

    Each text is looked up in ``cache`` first and saved there once translated. With
    ``paid=False`` (a dry run) only cached translations are used: the first text that is not
    cached raises TranslationSkipped ("would translate ...") and no request is made. A
    backend failure raises TranslationError.
    """
    translator = translator_for(cfg, fetcher)
    source = article.language or "en"
    title = await _translate_text(article.title, source, target, cfg, cache, translator, paid)
    body = await _translate_text(article.text, source, target, cfg, cache, translator, paid)
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
