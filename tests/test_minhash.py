"""The vectorised MinHash gives exactly the signatures of its definition: stored fingerprints
stay comparable with new ones."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from newsdesk.store import minhash


def _by_definition(text: str) -> list[int]:
    hashes = minhash.shingle_hashes(text)
    if not hashes:
        return []
    return [
        min((a * h + b) % minhash._PRIME & minhash._MAX for h in hashes)
        for a, b in zip(minhash._A, minhash._B, strict=True)
    ]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=12), max_size=300))
def test_signature_is_its_definition(words: list[str]) -> None:
    text = " ".join(words)
    assert minhash.signature(text) == _by_definition(text)


def test_mul_mod_is_exact_at_the_edges() -> None:
    import numpy as np

    edge = [0, 1, 2, (1 << 32) - 1, 1 << 32, (1 << 60), minhash._PRIME - 1]
    x = np.array(edge, dtype=np.uint64)[:, None]
    y = np.array(edge, dtype=np.uint64)[None, :]
    got = minhash._mul_mod(x, y)
    for i, a in enumerate(edge):
        for j, b in enumerate(edge):
            assert int(got[i, j]) == a * b % minhash._PRIME
