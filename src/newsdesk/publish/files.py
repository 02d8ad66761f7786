"""Post files on disk: atomic writes, and the source links of a post."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

TEMP_PREFIX = ".newsdesk-tmp-"


def write_atomic(path: Path, text: str | bytes) -> None:
    """Write ``text`` (UTF-8 text, or bytes as they are) to ``path`` so that readers see the
    old file or the new one, never half.

    The data is written to a temporary file in the same folder, flushed to disk, then renamed
    over the target; the folder is synced so the rename survives a power cut.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    # A temporary file is named like no file Hugo reads as a page or serves as an image.
    suffix = ".md" if path.suffix == ".md" else ".part"
    fd, temp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=suffix, dir=path.parent)
    data = text.encode("utf-8") if isinstance(text, str) else text
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def remove_stale_temp_files(folder: Path) -> int:
    """Delete temporary files a killed run left behind; returns how many."""
    removed = 0
    if folder.is_dir():
        for stale in folder.rglob(f"{TEMP_PREFIX}*"):
            with contextlib.suppress(FileNotFoundError):
                stale.unlink()
                removed += 1
    return removed


def add_source_link(path: Path, name: str, url: str) -> None:
    """Append ``[name](url)`` to a post's closing source links (same story, another source)."""
    from newsdesk.publish.markdown import source_link

    text = path.read_text(encoding="utf-8")
    line = source_link(name, url)
    if line in text:
        return
    write_atomic(path, text.rstrip("\n") + "\n" + line + "\n")
