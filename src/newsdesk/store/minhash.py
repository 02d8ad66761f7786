"""MinHash signatures of article texts, for spotting the same story from another source.

A text is the set of its 3-word shingles; the fraction of equal MinHash values between two
signatures estimates the Jaccard similarity of those sets. The same wire story republished
with a changed word, another first sentence and other markup keeps about 0.7-0.9 of its
shingles; different stories on the same topic share well under 0.2. Signatures are cut into
16 bands of 4 values: two texts with similarity 0.5 share at least one band with probability
0.65, at 0.7 with 0.98, which turns the lookup into an index query (LSH).
"""

from __future__ import annotations

import hashlib
import random

import numpy as np

from newsdesk.words import shingles

PERMUTATIONS = 64
BANDS = 16
ROWS = PERMUTATIONS // BANDS
_PRIME = (1 << 61) - 1
_MAX = (1 << 32) - 1
_rng = random.Random(20261127)  # fixed: signatures must be comparable across runs
_A = [_rng.randrange(1, _PRIME) for _ in range(PERMUTATIONS)]
_B = [_rng.randrange(0, _PRIME) for _ in range(PERMUTATIONS)]
_A_COLUMN = np.array(_A, dtype=np.uint64)[:, None]
_B_COLUMN = np.array(_B, dtype=np.uint64)[:, None]
_P = np.uint64(_PRIME)


def shingle_hashes(text: str) -> set[int]:
    """64-bit hashes of the text's 3-word shingles (lower-case words)."""
    grams = set(shingles(text, 3))
    return {
        int.from_bytes(hashlib.blake2b(g.encode(), digest_size=8).digest(), "big") for g in grams
    }


def signature(text: str) -> list[int]:
    """The MinHash signature of ``text`` (empty for a text under three words): for each
    permutation, the least ``(a * h + b) mod (2**61 - 1)``, low 32 bits, over the hashes."""
    hashes = shingle_hashes(text)
    if not hashes:
        return []
    h = np.fromiter((x % _PRIME for x in hashes), dtype=np.uint64, count=len(hashes))
    values = (_mul_mod(_A_COLUMN, h[None, :]) + _B_COLUMN) % _P & np.uint64(_MAX)
    return [int(v) for v in values.min(axis=1)]


def _mul_mod(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``x * y mod (2**61 - 1)`` for values below 2**61, exactly, in 64-bit arithmetic:
    32-bit halves, with ``2**61 = 1`` (so ``2**64 = 8``) folding the high parts back."""
    mask32, p = np.uint64(0xFFFFFFFF), _P
    x1, x0 = x >> np.uint64(32), x & mask32
    y1, y0 = y >> np.uint64(32), y & mask32
    low = x0 * y0  # < 2**64
    middle = x1 * y0 + x0 * y1  # < 2**62: times 2**32 is middle's top bits + low bits << 32
    high = x1 * y1  # < 2**58: times 2**64 is 8 * high
    total = (
        (low & p)
        + (low >> np.uint64(61))
        + (middle >> np.uint64(29))
        + ((middle & np.uint64((1 << 29) - 1)) << np.uint64(32))
        + (high << np.uint64(3))
    )
    total = (total & p) + (total >> np.uint64(61))
    reduced: np.ndarray = np.where(total >= p, total - p, total)
    return reduced


def similarity(a: list[int], b: list[int]) -> float:
    """Estimated Jaccard similarity of the texts behind two signatures."""
    if not a or not b:
        return 0.0
    return sum(x == y for x, y in zip(a, b, strict=True)) / len(a)


def bands(sig: list[int]) -> list[tuple[int, int]]:
    """(band number, band key) pairs; the key fits a signed 64-bit SQL integer."""
    out = []
    for band in range(BANDS):
        rows = sig[band * ROWS : (band + 1) * ROWS]
        digest = hashlib.blake2b(repr(rows).encode(), digest_size=8).digest()
        out.append((band, int.from_bytes(digest, "big") >> 2))
    return out


def encode(sig: list[int]) -> str:
    """A signature as hex text for the database."""
    return "".join(f"{value:08x}" for value in sig)


def decode(text: str) -> list[int]:
    """The inverse of ``encode``."""
    return [int(text[i : i + 8], 16) for i in range(0, len(text), 8)]
