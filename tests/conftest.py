from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server import LocalServer

# ../shared, relative to the repository root.
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
REFERENCE = SHARED / "reference" / "000_b50103f100f16787.txt"


def require_shared(path: Path) -> Path:
    """Skip the test, with a message, when ../shared is not there."""
    if not path.exists():
        pytest.skip(f"{path} is missing: the shared corpus (../shared) is not available")
    return path


@pytest.fixture
def server() -> Iterator[LocalServer]:
    srv = LocalServer()
    yield srv
    srv.close()
    assert srv.errors == [], f"a request handler failed: {srv.errors!r}"


@pytest.fixture
def reference_post() -> str:
    return require_shared(REFERENCE).read_text(encoding="utf-8")
