"""Two runs at once: the same date is refused (or waits) with a clear message, different dates both succeed."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import PROJECT, run_cli
from tests.test_commit import _story, snapshot

DATE = "2024-05-01"


def start_cli(*args: str, env: dict | None = None) -> subprocess.Popen:
    exe = Path(sys.executable).with_name("newsetl")
    return subprocess.Popen(
        [str(exe), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, **(env or {})}, cwd=PROJECT,
    )  # fmt: skip


def wait_for_lock(out: Path, date: str, proc: subprocess.Popen) -> None:
    """Until `proc` holds the date's lock (it writes its pid into the lock file once it has it)."""
    lock_file = out / "_locks" / f"date={date}.lock"
    deadline = time.monotonic() + 120
    while not (lock_file.exists() and f"pid {proc.pid} " in lock_file.read_text()):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the first run never took its lock"
        time.sleep(0.1)


def while_a_run_holds_the_date(raw: Path, out: Path, pause: int, *command: str, check: bool = False):
    """Start a run of DATE that pauses `pause` s once processed (holding the date's lock), run
    `command` through the CLI meanwhile, let the run finish; returns (the run, the command's result)."""
    run = start_cli(
        "run", "--raw", str(raw), "--out", str(out), "--date", DATE, "-q",
        env={"NEWSETL_TEST_PAUSE_AT": f"processed:{pause}"},
    )  # fmt: skip
    wait_for_lock(out, DATE, run)
    result = run_cli(*command, check=check)
    assert run.wait(timeout=300) == 0, run.communicate()
    return run, result


def make_raw(folder: Path, *topics: str) -> Path:
    folder.mkdir()
    for topic in topics:
        (folder / f"{topic}.txt").write_text(_story(topic, "Monday"))
    return folder


def test_a_second_run_of_the_same_date_fails_fast_and_the_first_publishes_alone(tmp_path):
    raw, out, alone = make_raw(tmp_path / "raw", "harbour", "school"), tmp_path / "out", tmp_path / "alone"
    run_cli("run", "--raw", str(raw), "--out", str(alone), "--date", DATE, "-q")

    first, second = while_a_run_holds_the_date(
        raw, out, 4, "run", "--raw", str(raw), "--out", str(out), "--date", DATE, "-q"
    )

    assert second.returncode == 3
    message = " ".join(second.stderr.split())
    assert f"another newsetl run is already processing {DATE} into {out} (pid {first.pid} on" in message
    assert "retry when it has finished, or pass --lock-wait SECONDS to wait" in message
    assert snapshot(out) == snapshot(alone)
    assert len(pd.read_parquet(out / "runs")) == 1


def test_a_second_run_of_the_same_date_told_to_wait_runs_after_the_first(tmp_path):
    raw, out, alone = make_raw(tmp_path / "raw", "harbour", "school"), tmp_path / "out", tmp_path / "alone"
    run_cli("run", "--raw", str(raw), "--out", str(alone), "--date", DATE, "-q")

    waiting = ("run", "--raw", str(raw), "--out", str(out), "--date", DATE, "-q", "--lock-wait", "120")
    while_a_run_holds_the_date(raw, out, 3, *waiting, check=True)

    assert snapshot(out) == snapshot(alone)
    assert len(pd.read_parquet(out / "runs")) == 2  # it ran, after the first had published


def test_two_dates_run_at_once_both_publish_and_a_shared_text_is_kept_once(tmp_path):
    out = tmp_path / "out"
    raw1 = make_raw(tmp_path / "day1", "harbour", "school")
    raw2 = make_raw(tmp_path / "day2", "museum", "harbour")  # the harbour story arrived on both days

    runs = [
        start_cli("run", "--raw", str(raw), "--out", str(out), "--date", day, "-q",
                  env={"NEWSETL_TEST_PAUSE_AT": "processed:1"})
        for raw, day in ((raw1, "2024-05-01"), (raw2, "2024-05-02"))
    ]  # fmt: skip
    assert [proc.wait(timeout=300) for proc in runs] == [0, 0], [proc.communicate() for proc in runs]

    articles = pd.read_parquet(out / "articles")
    duplicates = pd.read_parquet(out / "duplicates")
    assert sorted(articles["date"].astype(str).unique()) == ["2024-05-01", "2024-05-02"]
    assert sorted(articles["raw_path"]) == ["harbour.txt", "museum.txt", "school.txt"]
    assert duplicates["raw_path"].tolist() == ["harbour.txt"]
    kept = articles[articles["raw_path"] == "harbour.txt"]
    assert duplicates["kept_article_id"].tolist() == kept["article_id"].tolist()
    assert duplicates["date"].astype(str).tolist() != kept["date"].astype(str).tolist()


def test_a_delete_while_a_run_of_the_date_is_under_way_fails_fast_and_removes_nothing(tmp_path):
    raw, out = make_raw(tmp_path / "raw", "harbour", "school"), tmp_path / "out"
    run_cli("run", "--raw", str(raw), "--out", str(out), "--date", DATE, "-q")
    published = snapshot(out)

    rerun, delete = while_a_run_holds_the_date(raw, out, 4, "delete", "--date", DATE, "--out", str(out))

    assert delete.returncode == 3
    message = " ".join(delete.stderr.split())
    assert f"another newsetl run is already processing {DATE} into {out} (pid {rerun.pid} on" in message
    assert snapshot(out) == published  # the rerun published the same files; the delete removed nothing


def test_a_migration_while_a_run_holds_a_date_fails_fast_with_the_same_message(tmp_path):
    raw, out = make_raw(tmp_path / "raw", "harbour"), tmp_path / "out"
    run_cli("run", "--raw", str(raw), "--out", str(out), "--date", DATE, "-q")

    _, migrate = while_a_run_holds_the_date(raw, out, 4, "migrate", "--out", str(out))

    assert migrate.returncode == 3
    assert f"another newsetl run is already processing {DATE} into {out}" in " ".join(migrate.stderr.split())
    assert "files rewritten" not in migrate.stdout


def test_a_database_lock_held_by_a_killed_run_is_released_at_once_and_named_while_held(tmp_path):
    """The lock kept in PostgreSQL (an object store's): refused to a second holder with the first's
    pid, and freed by the server when the holder dies, like a flock (no stale lock, no expiry to wait)."""
    from pipeline.io import lock
    from tests.services import scratch_database

    day = dt.date.fromisoformat(DATE)
    holder = (
        "import datetime as dt, os, signal, sys\n"
        "from pipeline.io import lock\n"
        "with lock.partition_lock(sys.argv[1], dt.date(2024, 5, 1), 0, sys.argv[2]):\n"
        "    print('held', flush=True)\n"
        "    sys.stdin.readline()\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    with scratch_database("newsetl_lock") as db:
        proc = subprocess.Popen(
            [sys.executable, "-c", holder, "s3://bucket/out", db], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True, cwd=PROJECT,
        )  # fmt: skip
        assert proc.stdout.readline() == "held\n"
        with pytest.raises(lock.PartitionBusy, match=rf"into s3://bucket/out \(pid {proc.pid} on "):
            with lock.partition_lock("s3://bucket/out", day, 0, db):
                pass
        with lock.partition_lock("s3://bucket/other", day, 0, db):  # another output: another lock
            pass
        proc.communicate("crash\n", timeout=60)
        assert proc.returncode == -signal.SIGKILL
        with lock.partition_lock("s3://bucket/out", day, 10, db):
            pass


def test_an_unreachable_lock_database_is_a_one_line_error(tmp_path):
    from tests.services import free_port

    closed = f"postgresql://postgres@127.0.0.1:{free_port()}/none"
    proc = run_cli("delete", "--date", DATE, "--out", "s3://bucket/out", "--lock-db", closed, check=False)

    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "cannot reach the lock database:" in " ".join(proc.stderr.split())
