"""Reading ``newsdesk.toml``: the file, its TOML, and validation errors worded as one line per
bad key (``sources[0].url: must be an http(s) URL``), all raised as ConfigError."""

from __future__ import annotations

import difflib
import tomllib
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel, ValidationError

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


# Pydantic's error types in newsdesk's words ({...} from the error's context).
_WORDS = {
    "int_parsing": "expected a whole number",
    "int_type": "expected a whole number",
    "int_from_float": "expected a whole number",
    "float_parsing": "expected a number",
    "float_type": "expected a number",
    "finite_number": "expected a finite number",
    "bool_parsing": "expected true or false",
    "bool_type": "expected true or false",
    "string_type": "expected text in quotes",
    "greater_than_equal": "must be at least {ge}",
    "greater_than": "must be more than {gt}",
    "less_than_equal": "must be at most {le}",
    "less_than": "must be less than {lt}",
    "string_too_long": "must be at most {max_length} characters",
    "string_too_short": "must be at least {min_length} characters",
    "too_long": "must have at most {max_length} entries",
    "string_pattern_mismatch": "is not a value this key takes",
    "literal_error": "must be one of {expected}",
    "enum": "must be one of {expected}",
    "list_type": 'expected a list, like ["a", "b"]',
    "tuple_type": 'expected a list, like ["a", "b"]',
    "model_type": "expected a table of keys",
    "model_attributes_type": "expected a table of keys",
    "dict_type": "expected a table of keys",
}


def _fields_at(loc: tuple[int | str, ...]) -> list[str]:
    """The keys the table at ``loc`` (a path into the document) may have."""
    model: Any = Config
    for part in loc:
        if isinstance(part, int):
            continue
        field = getattr(model, "model_fields", {}).get(part)
        if field is None:
            return []
        annotation = field.annotation
        for candidate in (annotation, *get_args(annotation)):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                model = candidate
                break
        else:
            return []
    return list(getattr(model, "model_fields", {}))


def _describe(error: Any) -> str:
    loc = tuple(error["loc"])
    where = _location(loc)
    kind = error["type"]
    if kind == "extra_forbidden":
        key = str(loc[-1]) if loc else ""
        close = difflib.get_close_matches(key, _fields_at(loc[:-1]), n=1, cutoff=0.6)
        return f"{where}: unknown key" + (f" (did you mean {close[0]!r}?)" if close else "")
    if kind == "missing":
        return f"{where}: required key is missing"
    words = _WORDS.get(kind)
    if words is not None:
        try:
            message = words.format(**error.get("ctx", {}))
        except (KeyError, IndexError):
            message = words.split(" {")[0]
        if kind == "literal_error":  # TOML spells Python's False and True in lower case
            message = message.replace("False", "false").replace("True", "true")
    else:
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
