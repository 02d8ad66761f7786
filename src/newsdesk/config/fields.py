"""What every configuration section shares: the strict base model and the checked value
types (language codes, one-line header text, IANA time zones)."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict


class Model(BaseModel):
    """Base of every section: unknown keys, changes after loading, inf and nan are refused."""

    # No inf or nan anywhere: "timeout = inf" is refused here, not by a crash in a later run.
    model_config = ConfigDict(
        extra="forbid", use_attribute_docstrings=True, frozen=True, allow_inf_nan=False
    )


_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")


def _language_code(value: object) -> object:
    """``"EN"`` -> ``"en"``; a code is also a file-name part (``<id>.<lang>.md``) and a Hugo
    language key, so anything but ``xx``, ``xxx`` or ``xx-yyyy`` is refused."""
    if isinstance(value, str):
        code = value.strip().lower()
        if not _LANGUAGE_CODE.match(code):
            raise ValueError(f"expected a language code like 'en', 'pt-br', got {value!r}")
        return code
    return value


LanguageCode = Annotated[str, BeforeValidator(_language_code)]


def one_line(value: str) -> str:
    """Header values and names: no control characters (a newline would split a header)."""
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        raise ValueError("must be one line of text without control characters")
    return value


def http_url(value: str) -> str:
    """``value`` stripped, when it is an http(s) URL with a host and a valid port."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"must be an http(s) URL, got {value!r}")
    try:
        parts.port  # noqa: B018 - raises for a port out of range
    except ValueError:
        raise ValueError(f"the port is not a number from 0 to 65535 in {value!r}") from None
    return one_line(value.strip())


def check_timezone(value: str) -> str:
    """``value`` itself when it names an IANA time zone; ValueError otherwise."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a path
        shown = value if len(value) <= 60 else value[:60] + "..."
        raise ValueError(f"unknown time zone {shown!r} (use an IANA name like 'UTC')") from None
    return value
