"""Metadata extraction meets the issue's floors on real labels (Reuters-21578, first 2,000 stories).

The full-corpus table is printed by `python -m bench.metadata_quality` (and kept in docs/performance.md).
"""

from __future__ import annotations

import pytest

from bench import metadata_quality
from tests.conftest import needs_reuters


@pytest.mark.corpus
def test_reuters_titles_datelines_and_places_meet_the_floors():
    result = metadata_quality.run(needs_reuters(), limit=2000)
    c = result["counts"]
    assert c["title_ok"] / c["title_n"] >= 0.99
    assert c["dateline_ok"] / c["dateline_n"] >= 0.97
    assert c["places_tp"] / (c["places_tp"] + c["places_fp"]) >= 0.80
    assert c["places_tp"] / (c["places_tp"] + c["places_fn"]) >= 0.70
    assert c["people_ok"] / c["people_n"] >= 0.75
    assert c["orgs_ok"] / c["orgs_n"] >= 0.75
