"""The benchmark's timing plan: jobs interleaved round by round, ratios taken within a round."""

from __future__ import annotations

from pathlib import Path

import bench.__main__ as bench_main
from bench import speed


def test_jobs_run_in_rounds_of_one_run_each_so_that_they_share_the_machines_minutes(monkeypatch):
    calls = []

    def baseline(job, docs, runs):
        calls.append(job)
        return speed.Timing(job, walls=[1.0], peaks_mb=[1.0])

    def pipeline(docs, out, runs, workers):
        calls.append(f"newsetl{workers}")
        return speed.Timing(f"w{workers}", walls=[0.5], peaks_mb=[1.0], stages={"dedup": [0.1]})

    monkeypatch.setattr(speed, "time_baseline", baseline)
    monkeypatch.setattr(speed, "time_pipeline", pipeline)
    timings = bench_main.time_corpus("x", Path("/nowhere"), 3, [1, 2])
    assert calls == ["floor", "newsetl1", "newsetl2", "datasketch"] * 3
    assert [len(t.walls) for t in timings.values()] == [3, 3, 3, 3]
    assert timings["newsetl2"].stages == {"dedup": [0.1, 0.1, 0.1]}


def test_the_paired_ratio_is_the_median_of_each_rounds_ratio():
    slow = speed.Timing("slow", walls=[12.0, 10.0, 11.0])
    fast = speed.Timing("fast", walls=[3.0, 2.0, 2.0])  # a slow first round for both
    assert bench_main.paired_ratio(slow, fast) == 5.0  # ratios 4, 5, 5.5


def test_peak_memory_sees_a_short_lived_child_of_the_group_and_nothing_outside_it():
    import subprocess
    import sys

    from bench.celery import PeakMemory

    grow = "import time; block = bytearray(300 * 2**20); time.sleep(0.6)"  # 300 MB, touched
    parent = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {grow!r}])"
    proc = subprocess.Popen([sys.executable, "-c", parent], start_new_session=True)
    outside = subprocess.Popen([sys.executable, "-c", grow])  # its own group: not counted
    with PeakMemory([proc.pid]) as memory:
        proc.wait()
    outside.wait()
    assert 300 <= memory.process_mb < 500
    assert 300 <= memory.total_mb < 600


def test_peak_memory_follows_a_child_that_starts_a_session_of_its_own():
    import subprocess
    import sys

    from bench.celery import PeakMemory

    grow = "import time; block = bytearray(300 * 2**20); time.sleep(0.6)"
    parent = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {grow!r}], start_new_session=True)"
    proc = subprocess.Popen([sys.executable, "-c", parent], start_new_session=True)
    with PeakMemory([proc.pid]) as memory:
        proc.wait()
    assert memory.process_mb >= 300  # an Airflow task runs in a process group of its own
