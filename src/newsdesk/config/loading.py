"""Reading ``newsdesk.toml``: the file, its TOML, and validation errors worded as one line per
bad key (``sources[0].url: must be an http(s) URL``), all raised as ConfigError."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from newsdesk.config.document import Config
from newsdesk.errors import ConfigError
from newsdesk.layout import CONFIG_FILE


def _location(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def _describe(error: Any) -> str:
    where = _location(tuple(error["loc"]))
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"{where}: unknown key"
    if kind == "missing":
        return f"{where}: required key is missing"
    message = str(error["msg"]).removeprefix("Value error, ")
    got = error.get("input")
    detail = (
        f"{message} (got {got!r})" if kind not in ("value_error",) and got is not None else message
    )
    return f"{where}: {detail}" if where else detail


def parse_config(data: dict[str, Any], origin: str = CONFIG_FILE) -> Config:
    """Validate a parsed TOML document; raise ConfigError naming each bad key."""
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        problems = "\n".join(f"  - {_describe(error)}" for error in exc.errors())
        raise ConfigError(f"{origin} is invalid:\n{problems}") from None


def load_config(site_dir: Path) -> Config:
    """Read and validate ``<site_dir>/newsdesk.toml``."""
    path = Path(site_dir) / CONFIG_FILE
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"{path} not found (create a site with `newsdesk init {site_dir}`)"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path} cannot be read: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{path} is not valid TOML: nested too deeply") from None
    return parse_config(data, str(path))
