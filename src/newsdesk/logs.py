"""Structured logs on stderr: ``level=... source=... url=... msg=...`` (logfmt)."""

from __future__ import annotations

import logging
import sys

_FIELDS = ("source", "url")


class LogfmtFormatter(logging.Formatter):
    """One line per record, key=value pairs, values quoted when they contain spaces."""

    def format(self, record: logging.LogRecord) -> str:
        pairs = [("level", record.levelname.lower())]
        pairs += [(key, str(getattr(record, key))) for key in _FIELDS if hasattr(record, key)]
        pairs.append(("msg", record.getMessage()))
        if record.exc_info:
            pairs.append(("traceback", self.formatException(record.exc_info)))
        return " ".join(f"{k}={_value(v)}" for k, v in pairs)


def _value(text: str) -> str:
    if text and not any(ch in text for ch in ' "=\n\t'):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def setup_logging(verbosity: int) -> None:
    """Warnings by default, info with -v, debug with -vv; always to stderr."""
    level = logging.WARNING if verbosity <= 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(LogfmtFormatter())
    logger = logging.getLogger("newsdesk")
    logger.handlers[:] = [handler]
    logger.setLevel(level)
    logger.propagate = False
