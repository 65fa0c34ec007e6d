"""Locks and the commit on an object store (moto's S3 server), where a rename is a copy then a delete.

The output's locks are PostgreSQL advisory locks (a database of the test's own): the real CLI is run
twice on one date at once, killed at each point of the commit, and the datasets read back from the
store are compared byte for byte with an uninterrupted run's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from tests.conftest import PROJECT, run_cli
from tests.services import moto_s3, scratch_database
from tests.test_commit import DATE, write_raw
from tests.test_lock import make_raw

pytestmark = pytest.mark.slow

PUBLISHED = ("articles", "duplicates", "rejects", "dedup_index")
# Every named point of a run's publishing, in order (pipeline.io.commit): before the journal is
# written, the store must be as before the run; after it, the next run rolls the commit forward.
BEFORE_COMMIT = [
    "processed", "staged:rejects", "staged:duplicates", "staged:articles", "staged:dedup_index", "staged:runs",
    "staged", "committed",
]  # fmt: skip
AFTER_COMMIT = ["published:rejects", "published:duplicates", "published:articles", "published:dedup_index",
                "published:runs"]  # fmt: skip
BUCKET = "news"


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    with moto_s3(tmp_path_factory.mktemp("moto") / "moto.out") as server:
        server.fs().mkdir(BUCKET)
        yield server


@pytest.fixture(scope="module")
def lock_db():
    with scratch_database("newsetl_locks") as url:
        yield url


@pytest.fixture
def store(s3):
    return s3.fs()


def cli(s3, lock_db: str | None, *args: str, check: bool = True, env: dict | None = None):
    """The real CLI with the store's endpoint, and the lock database when given."""
    locks = ["--lock-db", lock_db] if lock_db else []
    return run_cli(*args, *locks, check=check, env={**s3.env, **(env or {})})


def start_cli(s3, lock_db: str, *args: str, env: dict | None = None) -> subprocess.Popen:
    exe = Path(sys.executable).with_name("newsetl")
    return subprocess.Popen(
        [str(exe), *args, "--lock-db", lock_db], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        cwd=PROJECT, env={**os.environ, **s3.env, **(env or {})},
    )  # fmt: skip


def snapshot(store, out: str) -> dict[str, str]:
    """Every object a reader of the datasets (and dedup) can see, with the hash of its bytes."""
    root = out.removeprefix("s3://")
    files = {}
    for dataset in PUBLISHED:
        for key in store.find(f"{root}/{dataset}"):
            if not key.rsplit("/", 1)[-1].startswith((".", "_")):
                files[key.removeprefix(root)] = hashlib.sha256(store.cat(key)).hexdigest()
    return files


def leftovers(store, out: str) -> list[str]:
    """Staged objects and journals anywhere under out (a killed run's staging folder stays, as on a local disk)."""
    return sorted(key for key in store.find(out.removeprefix("s3://")) if key.endswith(".tmp") or "/_journal/" in key)


def run_count(store, out: str) -> int:
    return len(store.glob(f"{out.removeprefix('s3://')}/runs/**/run-*.parquet"))


def copy_out(store, source: str, dest: str) -> str:
    store.copy(f"{BUCKET}/{source}", f"{BUCKET}/{dest}", recursive=True)
    return f"s3://{BUCKET}/{dest}"


@pytest.fixture(scope="module")
def states(s3, lock_db, tmp_path_factory):
    """On the store: the datasets before the run under test (v1 published) and after it uninterrupted (v2)."""
    base = tmp_path_factory.mktemp("states")
    raw1, raw2 = write_raw(base / "raw1", 1), write_raw(base / "raw2", 2)
    store = s3.fs()
    before = f"s3://{BUCKET}/before"
    cli(s3, lock_db, "run", "--raw", str(raw1), "--out", before, "--date", DATE, "-q")
    after = copy_out(store, "before", "after")
    cli(s3, lock_db, "run", "--raw", str(raw2), "--out", after, "--date", DATE, "-q")
    assert snapshot(store, before) != snapshot(store, after)
    return {"raw2": raw2, "before": before, "after": after}


def test_an_object_store_without_a_lock_database_is_refused_in_one_line(s3, store, states):
    out = copy_out(store, "before", "no-locks")

    proc = cli(s3, None, "run", "--raw", str(states["raw2"]), "--out", out, "--date", DATE, "-q", check=False)

    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "is on an object store, which has no locks: give a lock database" in " ".join(proc.stderr.split())
    assert snapshot(store, out) == snapshot(store, states["before"])


def _crashed_run(s3, lock_db, store, states, point: str, name: str) -> str:
    out = copy_out(store, "before", name)
    proc = cli(
        s3, lock_db, "run", "--raw", str(states["raw2"]), "--out", out, "--date", DATE, "-q",
        check=False, env={"NEWSETL_TEST_CRASH_AT": point},
    )  # fmt: skip
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    return out


# "committed": the journal is written (the commit point), no dataset moved yet.
@pytest.mark.parametrize("point", BEFORE_COMMIT)
def test_a_run_killed_up_to_its_commit_point_leaves_the_store_as_before_and_a_rerun_converges(
    s3, lock_db, store, states, point
):
    out = _crashed_run(s3, lock_db, store, states, point, f"crash-{point}")

    assert snapshot(store, out) == snapshot(store, states["before"])
    assert run_count(store, out) == run_count(store, states["before"])

    cli(s3, lock_db, "run", "--raw", str(states["raw2"]), "--out", out, "--date", DATE, "-q")
    assert snapshot(store, out) == snapshot(store, states["after"])
    assert leftovers(store, out) == []


@pytest.mark.parametrize("point", AFTER_COMMIT)
def test_a_run_killed_while_copying_into_place_is_rolled_forward_by_the_next_run(s3, lock_db, store, states, point):
    """Killed between two copies (the first dataset, or all of them but the journal not yet removed):
    each object is whole, old or new, and the next run on the store (here another date) finishes the commit."""
    out = _crashed_run(s3, lock_db, store, states, point, f"crash-{point.replace(':', '-')}")
    seen, before, after = snapshot(store, out), snapshot(store, states["before"]), snapshot(store, states["after"])
    assert all(seen[key] in (before.get(key), after.get(key)) for key in seen)
    assert store.find(f"{out.removeprefix('s3://')}/_journal") != []

    other = make_raw(states["raw2"].parent / f"other-{point.replace(':', '-')}", "ferry")
    cli(s3, lock_db, "run", "--raw", str(other), "--out", out, "--date", "2024-05-02", "-q")

    assert {k: h for k, h in snapshot(store, out).items() if DATE in k} == after
    assert run_count(store, out) == run_count(store, states["after"]) + 1  # the crashed run's row is there
    assert leftovers(store, out) == []


def wait_for_lock_holder(lock_db: str, proc: subprocess.Popen) -> None:
    """Until `proc` holds an advisory lock (its session's application_name names its pid)."""
    import psycopg2

    deadline = time.monotonic() + 120
    query = (
        "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND a.application_name LIKE %s"
    )
    while True:
        with psycopg2.connect(lock_db) as db, db.cursor() as cur:
            cur.execute(query, (f"pid {proc.pid} %",))
            if cur.fetchone()[0]:
                return
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the first run never took its lock"
        time.sleep(0.2)


def test_a_second_run_of_the_same_date_is_refused_while_the_first_holds_it_and_one_run_publishes(
    s3, lock_db, store, tmp_path
):
    raw = make_raw(tmp_path / "raw", "harbour", "school")
    alone, out = f"s3://{BUCKET}/alone", f"s3://{BUCKET}/twice"
    cli(s3, lock_db, "run", "--raw", str(raw), "--out", alone, "--date", DATE, "-q")

    first = start_cli(s3, lock_db, "run", "--raw", str(raw), "--out", out, "--date", DATE, "-q",
                      env={"NEWSETL_TEST_PAUSE_AT": "processed:20"})  # fmt: skip
    wait_for_lock_holder(lock_db, first)
    refused = cli(s3, lock_db, "run", "--raw", str(raw), "--out", out, "--date", DATE, "-q", check=False)
    waited = start_cli(s3, lock_db, "run", "--raw", str(raw), "--out", out, "--date", DATE, "-q", "--lock-wait", "300")
    assert first.wait(timeout=300) == 0, first.communicate()
    assert waited.wait(timeout=300) == 0, waited.communicate()

    assert refused.returncode == 3
    message = " ".join(refused.stderr.split())
    assert f"another newsetl run is already processing {DATE} into {out} (pid {first.pid} on" in message
    assert snapshot(store, out) == snapshot(store, alone)
    assert len(pd.read_parquet(f"{out}/runs", storage_options=_options(s3))) == 2  # the waiting one ran after
    assert leftovers(store, out) == []


def test_two_dates_published_at_once_keep_a_shared_text_once(s3, lock_db, tmp_path):
    out = f"s3://{BUCKET}/two-dates"
    raw1 = make_raw(tmp_path / "day1", "harbour", "school")
    raw2 = make_raw(tmp_path / "day2", "museum", "harbour")  # the harbour story arrived on both days

    runs = [
        start_cli(s3, lock_db, "run", "--raw", str(raw), "--out", out, "--date", day, "-q",
                  env={"NEWSETL_TEST_PAUSE_AT": "processed:1"})
        for raw, day in ((raw1, "2024-05-01"), (raw2, "2024-05-02"))
    ]  # fmt: skip
    assert [proc.wait(timeout=300) for proc in runs] == [0, 0], [proc.communicate() for proc in runs]

    articles = pd.read_parquet(f"{out}/articles", storage_options=_options(s3))
    duplicates = pd.read_parquet(f"{out}/duplicates", storage_options=_options(s3))
    assert sorted(articles["raw_path"]) == ["harbour.txt", "museum.txt", "school.txt"]
    assert duplicates["raw_path"].tolist() == ["harbour.txt"]


def test_two_commits_of_one_date_at_once_publish_one_run_whole(s3, store, monkeypatch):
    """The fence behind the locks: should a lost lock let two runs of a date commit together, the
    journal's conditional write refuses the second, which publishes nothing."""
    import s3fs

    from pipeline.io import commit

    for name, value in s3.env.items():
        monkeypatch.setenv(name, value)
    s3fs.S3FileSystem.clear_instance_cache()
    out, day = f"s3://{BUCKET}/fence", dt.date.fromisoformat(DATE)
    rows = {tag: pa.table({"raw_path": [f"{tag}.txt"]}) for tag in ("first", "second")}
    first, second = commit.Transaction(out, day), commit.Transaction(out, day)
    first.stage("rejects", rows["first"], name="part-0.parquet")
    second.stage("rejects", rows["second"], name="part-0.parquet")

    monkeypatch.setenv("NEWSETL_TEST_PAUSE_AT", "committed:15")  # the first waits past its commit point
    committing = threading.Thread(target=first.commit)
    committing.start()
    deadline = time.monotonic() + 60
    while not store.find(f"{BUCKET}/fence/_journal") and time.monotonic() < deadline:
        time.sleep(0.05)
    with pytest.raises(commit.PublishError, match=f"another run of {DATE} committed into {out} at the same time"):
        with second:
            second.commit()
    committing.join(timeout=60)

    published = pd.read_parquet(f"{out}/rejects", storage_options=_options(s3))
    assert published["raw_path"].tolist() == ["first.txt"]
    assert leftovers(store, out) == []


def _options(s3) -> dict:
    return {"endpoint_url": s3.endpoint, "key": "test", "secret": "test"}


def test_a_run_that_fails_its_audit_is_quarantined_on_the_store_and_the_published_date_stays(
    s3, lock_db, store, states, tmp_path
):
    out = copy_out(store, "before", "audit")
    bad = tmp_path / "bad"
    bad.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (bad / name).write_bytes(b"")  # every input a reject: over any reject rate

    proc = cli(s3, lock_db, "run", "--raw", str(bad), "--out", out, "--date", DATE, "-q", check=False)

    assert proc.returncode == 4, proc.stderr
    assert len(proc.stderr.splitlines()) == 1 and "Traceback" not in proc.stderr
    assert snapshot(store, out) == snapshot(store, states["before"])
    kept = store.find(f"{out.removeprefix('s3://')}/_quarantine/{DATE}")
    assert any(key.endswith("/reason.txt") for key in kept)
    assert any(key.endswith("/rejects/part-0.parquet") for key in kept)


def test_a_killed_runs_staging_folder_is_removed_by_a_publish_once_stale(s3, lock_db, store, states, monkeypatch):
    """SIGKILL skips a run's own cleanup: its staging folder stays on the store until a publish finds
    it untouched for STALE_AFTER (the store's own object times, here read two days on)."""
    import s3fs

    from pipeline.io import staging

    out = _crashed_run(s3, lock_db, store, states, "processed", "stale-staging")
    left = store.find(f"{out.removeprefix('s3://')}/_staging")
    assert any(key.endswith("/plan.json") for key in left)

    for name, value in s3.env.items():
        monkeypatch.setenv(name, value)
    s3fs.S3FileSystem.clear_instance_cache()
    mine = f"{out}/_staging/{DATE}/running-now"
    assert staging.remove_stale(out, keep=mine) == []  # written a moment ago: a run may still publish it
    later = dt.datetime.now(dt.UTC) + staging.STALE_AFTER + dt.timedelta(hours=1)
    assert staging.remove_stale(out, keep=mine, now=later) != []
    assert not store.exists(f"{out.removeprefix('s3://')}/_staging")


LEVEL_DAYS = [f"2024-03-0{d}" for d in range(1, 6)]


@pytest.fixture(scope="module")
def four_days(s3, lock_db, tmp_path_factory):
    """Four dates published on the store (their dedup levels ready to merge) and their raw folders."""
    from tests.test_dedup_history import write_raw as write_day

    raw = tmp_path_factory.mktemp("levels-raw")
    for day in range(1, 6):
        write_day(raw, day)
    base = f"s3://{BUCKET}/levels-base"
    for day in LEVEL_DAYS[:4]:
        cli(s3, lock_db, "run", "--raw", str(raw / "{date}"), "--out", base, "--date", day, "-q")
    return raw


@pytest.mark.parametrize("point", ["levels:staged", "levels:merged"])
def test_a_run_killed_while_it_writes_dedup_levels_on_the_store_converges_on_rerun(
    s3, lock_db, store, four_days, point, monkeypatch
):
    """The fifth date's run writes its level and merges the first four (tests/test_dedup_history.py
    on a local disk): killed there, on the store its rerun leaves what an uninterrupted run leaves."""
    import s3fs

    from pipeline.dedup import published
    from pipeline.settings import Settings

    name = point.replace(":", "-")
    clean, crashed = copy_out(store, "levels-base", f"{name}-clean"), copy_out(store, "levels-base", name)
    last = ("run", "--raw", str(four_days / "{date}"), "--date", LEVEL_DAYS[4], "-q")
    cli(s3, lock_db, *last, "--out", clean)
    proc = cli(s3, lock_db, *last, "--out", crashed, check=False, env={"NEWSETL_TEST_CRASH_AT": point})
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    cli(s3, lock_db, *last, "--out", crashed)

    assert snapshot(store, crashed) == snapshot(store, clean)
    for key, value in s3.env.items():
        monkeypatch.setenv(key, value)
    s3fs.S3FileSystem.clear_instance_cache()
    params = Settings().minhash_params()
    state = published.Published.list(crashed, params)
    opened, whole = published.sync(state, params, skip=None)
    held = [(s.date, s.identity) for level in opened for s in level.sources if state.live(s)]
    for level in opened:
        level.close()
    assert whole == []  # every published part is in the levels, each once
    assert sorted(held) == sorted((d.isoformat(), identity) for d, identity in state.parts.items())
    assert leftovers(store, crashed) == []
