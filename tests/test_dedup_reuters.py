"""Near-duplicate quality on the real Reuters-21578 corpus, scored as `python -m bench` scores it.

Needs ../shared/corpora (skipped, saying why, when absent).
"""

from __future__ import annotations

import datetime as dt

import pytest

from bench import quality
from pipeline.run.partition import run_partition
from pipeline.settings import Settings
from tests.conftest import needs_reuters

pytestmark = [pytest.mark.corpus, pytest.mark.slow]


def test_duplicate_detection_meets_its_floors_on_reuters(tmp_path):
    corpus = needs_reuters()
    run_partition(Settings(raw=str(corpus / "docs"), out=str(tmp_path), workers=2), dt.date(1987, 3, 1))
    result = quality.score(tmp_path, corpus)
    for score in result.scores:
        assert score.precision >= score.floor_precision, score
        assert score.recall >= score.floor_recall, score
    assert {s.name for s in result.scores} >= {"near (Jaccard >= 0.8)", "exact"}
