"""Cross-source duplicate detection: precision and recall on a labelled set from the corpus.

    .venv/bin/python benchmarks/dedupe.py
    .venv/bin/python benchmarks/dedupe.py --pages 300

Positives: an article's text and an edited copy, as a second source would carry it (a few
words changed, the first sentence reworded or dropped, a credit line added, a paragraph moved).
Negatives: two different articles on the same topic (the most similar other article from the
same corpus set, by shared words). Prints precision, recall and F1 of the MinHash test at a
sweep of thresholds, with the configured default marked.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.scoring import load_cases  # noqa: E402

from newsdesk.config import DedupeConfig  # noqa: E402
from newsdesk.store.minhash import signature, similarity  # noqa: E402
from newsdesk.words import word_tokens  # noqa: E402

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
SWAPS = {
    "said": "stated",
    "on": "upon",
    "the": "a",
    "rose": "climbed",
    "fell": "dropped",
    "sagte": "erklärte",
    "und": "sowie",
    "but": "yet",
    "will": "would",
}


def edited_copy(text: str, rng: random.Random) -> str:
    """The same story as another outlet might carry it."""
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    if len(paragraphs) > 3 and rng.random() < 0.5:
        moved = paragraphs.pop(rng.randrange(1, len(paragraphs)))
        paragraphs.insert(rng.randrange(1, len(paragraphs)), moved)
    if paragraphs and rng.random() < 0.5:
        first = re.split(r"(?<=[.!?])\s+", paragraphs[0], maxsplit=1)
        paragraphs[0] = first[1] if len(first) > 1 else paragraphs[0]
    words = " \n\n ".join(paragraphs).split(" ")
    for i, word in enumerate(words):
        if word in SWAPS and rng.random() < 0.3:
            words[i] = SWAPS[word]
    return " ".join(words) + "\n\n(Reporting by the wire desk; editing by the news team.)"


def _words(text: str) -> set[str]:
    return {w for w in word_tokens(text) if len(w) > 3}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200)
    args = parser.parse_args()
    if not CORPUS.is_dir():
        sys.exit(f"{CORPUS} is missing: the benchmark needs ../shared/corpus")
    rng = random.Random(7)
    texts = [
        c.body
        for c in load_cases(CORPUS, ("fundus", "newspaper4k", "readability"))
        if len(c.body.split()) >= 150
    ][: args.pages]
    sigs = [signature(t) for t in texts]
    vocab = [_words(t) for t in texts]
    positives = [
        similarity(s, signature(edited_copy(t, rng))) for t, s in zip(texts, sigs, strict=True)
    ]
    negatives = []
    copies = 0
    for i, words in enumerate(vocab):
        # The closest other story by shared vocabulary: "same topic, different story".
        def overlap(k: int, words: set[str] = words) -> float:
            return len(words & vocab[k]) / (len(words | vocab[k]) or 1)

        j = max((k for k in range(len(texts)) if k != i), key=overlap)
        if overlap(j) > 0.9:  # the corpus holds a few copies of one test text: not a negative
            copies += 1
            continue
        negatives.append(similarity(sigs[i], sigs[j]))
    default = DedupeConfig().threshold
    print(
        f"{len(positives)} duplicate pairs, {len(negatives)} same-topic pairs ({copies} copies "
        "of one text in the corpus left out; MinHash, 64 permutations, 3-word shingles)"
    )
    print(f"{'threshold':>9} {'precision':>9} {'recall':>7} {'F1':>6}")
    for threshold in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        tp = sum(p >= threshold for p in positives)
        fp = sum(n >= threshold for n in negatives)
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / len(positives)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        mark = "  <- default" if threshold == default else ""
        print(f"{threshold:>9.1f} {precision:>9.3f} {recall:>7.3f} {f1:>6.3f}{mark}")


if __name__ == "__main__":
    main()
