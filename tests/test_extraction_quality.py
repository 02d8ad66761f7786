"""Quality gate (trafilatura's eval_gate idea): extraction must not fall below the floors in
tests/extraction_floors.json. Raise a floor when an improvement is measured; never lower one
to make a change pass."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

import newsdesk
from tests.conftest import SHARED, require_shared
from tests.scoring import SetScore, date_ok, load_cases, title_ok

pytestmark = pytest.mark.slow  # left out of `make unit-fast`

FLOORS = json.loads((Path(__file__).parent / "extraction_floors.json").read_text())


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_extraction_stays_above_its_floors(name: str) -> None:
    corpus = require_shared(SHARED / "corpus")
    floors = FLOORS[name]
    score = SetScore()
    warnings.simplefilter("ignore")
    for case in load_cases(corpus, (name,), floors.get("limit")):
        result = newsdesk.extract(case.html, case.url)
        score.add_text(case, result.text)
        if (ok := title_ok(case, result.title)) is not None:
            score.titles.append(ok)
        if (ok := date_ok(case, result.date)) is not None:
            score.dates.append(ok)
    measured = {
        "f1": score.f1,
        "precision": score.p,
        "recall": score.r,
        "title": score.rate(score.titles) or 0.0,
        "date": score.rate(score.dates) or 0.0,
        "verbatim": score.verbatim or 0.0,
    }
    for key, floor in floors.items():
        if key in measured:
            assert measured[key] >= floor, f"{name} {key} {measured[key]:.3f} < floor {floor}"
    assert score.empty <= floors.get("max_empty", 0)
    # Spaces before punctuation that the page does not have ("he said ."): none.
    assert score.extra_spaces <= floors.get("max_extra_spaces", 0), score.extra_spaces
