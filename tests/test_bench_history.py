"""`python -m bench.history` at a small size: the table, the plot, and the baseline's files matched."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bench.history import Plan
from tests.conftest import PROJECT

pytestmark = pytest.mark.slow


def test_the_quick_history_bench_prints_its_floors_and_matches_every_date_loaded(tmp_path):
    cmd = [sys.executable, "-m", "bench.history", "--days", "9", "--per-day", "200", "--timed", "4,9"]
    proc = subprocess.run([*cmd, "--out", str(tmp_path)], capture_output=True, text=True, cwd=PROJECT, timeout=900)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "files of day 4 identical to every date loaded: yes" in lines
    assert "recall at day 4: levels 1.0000, every date 1.0000" in lines
    assert any(line.startswith("day 9 / day 4 run time:") for line in lines)
    assert any(line.startswith("peak memory of any run:") for line in lines)
    assert (tmp_path / "history.png").read_bytes()[:4] == b"\x89PNG"


def test_generated_days_are_reproducible_and_copy_only_earlier_days():
    plan, again = Plan(30, 100, 0.1, seed=3), Plan(30, 100, 0.1, seed=3)
    assert plan.story(5, 7) == again.story(5, 7) != plan.story(5, 8)
    source_day, source, changes = plan.sources(20)
    assert len(source_day) == plan.copies(20) == 10
    assert (source_day >= 1).all() and (source_day < 20).all() and (changes <= 3).all()
    assert all(s < plan.fresh(int(d)) for d, s in zip(source_day, source, strict=True))
    assert (
        plan.copy(20, 0, int(source_day[0]), int(source[0]), 0).split("\n\n", 1)[0]
        == plan.story(int(source_day[0]), int(source[0])).split("\n\n", 1)[0]
    )
