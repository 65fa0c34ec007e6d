"""Level files: a probe returns exactly the entries holding its keys, whatever the blocks and filter;
levels merge as dates are published and always hold each published part once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from fsspec.implementations.local import LocalFileSystem
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.dedup import levels, published
from pipeline.dedup.duplicates import INDEX, KEY, ORDER_COLUMNS, index_rows
from pipeline.io.arrow import columns_to_table
from pipeline.io.parquet import write_partition
from pipeline.schema import DEDUP_INDEX
from pipeline.settings import Settings

FS = LocalFileSystem()


def write_level(path, keys: np.ndarray, slots: np.ndarray, part: int = 7) -> levels.Level:
    order = np.argsort(keys, kind="stable")
    keys, slots = keys[order], slots[order]
    source = levels.Source("2024-03-01", "part-0.parquet:1:1", len(keys), len(keys))
    parts = [(keys[start : start + part], slots[start : start + part]) for start in range(0, len(keys), part)]
    levels.write_level(FS, str(path), "params", [source], parts)  # in parts, as a merge streams them
    return levels.Level(FS, str(path))


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(0, 300),
    distinct=st.integers(1, 400),
    block=st.sampled_from([1, 2, 4, 16, 256]),
    seed=st.integers(0, 2**32 - 1),
)
def test_probe_returns_the_slots_of_exactly_the_entries_holding_a_key(tmp_path_factory, n, distinct, block, seed):
    """Few distinct keys make runs of equal keys that straddle blocks; absent keys must find nothing."""
    rng = np.random.default_rng(seed)
    pool = rng.integers(0, 2**64 - 1, distinct, dtype=np.uint64, endpoint=True)
    keys = pool[rng.integers(0, distinct, n)] if n else np.zeros(0, dtype=np.uint64)
    slots = rng.integers(0, 2**32 - 1, n, dtype=np.uint32)
    asked = np.concatenate((pool[: distinct // 2], rng.integers(0, 2**64 - 1, 50, dtype=np.uint64, endpoint=True)))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(levels, "BLOCK", block)
        level = write_level(tmp_path_factory.mktemp("level") / "a.level", keys, slots)
        found = level.probe(levels.Probe.of(asked))
        assert sorted(found.tolist()) == sorted(slots[np.isin(keys, asked)].tolist())
        low, high = sorted(rng.integers(0, 2**63, 2).tolist())
        inside = (keys >= np.uint64(low)) & (keys < np.uint64(high))
        got_keys, got_slots = level.between(low, high)
        assert sorted(zip(got_keys.tolist(), got_slots.tolist(), strict=True)) == sorted(
            zip(keys[inside].tolist(), slots[inside].tolist(), strict=True)
        )
        assert np.array_equal(level.between(0, None)[0], np.sort(keys))
        level.close()


def test_the_filter_lets_through_every_present_key_and_few_absent_ones(tmp_path):
    rng = np.random.default_rng(1)
    keys = rng.integers(0, 2**64 - 1, 200_000, dtype=np.uint64, endpoint=True)
    level = write_level(tmp_path / "a.level", keys, np.arange(len(keys), dtype=np.uint32), part=65536)
    assert level.maybe(levels.Probe.of(keys)).all()
    absent = rng.integers(0, 2**64 - 1, 200_000, dtype=np.uint64, endpoint=True)
    assert level.maybe(levels.Probe.of(absent)).mean() < 0.005
    level.close()


def test_a_level_with_fewer_entries_than_its_sources_announce_is_not_written(tmp_path):
    source = levels.Source("2024-03-01", "x", 3, 3)
    entries = [(np.array([1, 2], dtype=np.uint64), np.array([0, 1], dtype=np.uint32))]
    with pytest.raises(ValueError, match="2 entries written, 3 announced"):
        levels.write_level(FS, str(tmp_path / "a.level"), "params", [source], entries)
    assert list(tmp_path.iterdir()) == []


def publish_part(out: Path, date: dt.date, n: int, rng: np.random.Generator) -> None:
    """An index part of `n` articles with random keys, as a run of `date` would write it."""
    params = Settings().minhash_params()
    order = columns_to_table(
        {"article_id": [f"{date}-{i}" for i in range(n)], "published_at": [None] * n,
         "raw_modified_at": [None] * n, "char_count": [100] * n},
        pa.schema([DEDUP_INDEX.field(name) for name in ORDER_COLUMNS]),
    )  # fmt: skip
    keys = [key.hex() for key in np.frombuffer(rng.bytes(16 * n), dtype=KEY).tolist()]
    bands = rng.integers(0, 2**64 - 1, (n, params.bands), dtype=np.uint64, endpoint=True)
    write_partition(str(out), INDEX, date, index_rows(order, keys, bands, params))


def test_levels_merge_as_dates_are_published_and_hold_each_part_once(tmp_path):
    params = Settings().minhash_params()
    rng = np.random.default_rng(5)
    counts = []
    for day in range(40):
        publish_part(tmp_path, dt.date(2024, 1, 1) + dt.timedelta(days=day), 50, rng)
        state = published.Published.list(str(tmp_path), params)
        opened, whole = published.sync(state, params, skip=None)
        held = sorted((s.date, s.identity) for level in opened for s in level.sources)
        assert held == sorted((d.isoformat(), i) for d, i in state.parts.items()) and whole == []
        counts.append(len(opened))
        for level in opened:
            level.close()
    # Size-tiered by 4: at most 3 levels of each size, sizes growing 4x a tier.
    assert max(counts) <= 3 * 3 and counts[-1] < 40 / 4
    # A republished date: the levels hold its new part, and its old part's entries are dead.
    publish_part(tmp_path, dt.date(2024, 1, 1), 50, rng)
    state = published.Published.list(str(tmp_path), params)
    opened, _ = published.sync(state, params, skip=None)
    assert sum(s.date == "2024-01-01" and state.live(s) for level in opened for s in level.sources) == 1


def level_sizes(out: Path, params) -> list[int]:
    state = published.Published.list(str(out), params)
    opened, _ = published.sync(state, params, skip=None, budget=0)  # adds no level: every part is held
    sizes = sorted(len(level.sources) for level in opened)
    for level in opened:
        level.close()
    return sizes


def test_a_run_merges_only_small_levels_and_compact_does_the_rest(tmp_path, monkeypatch):
    params = Settings().minhash_params()
    rng = np.random.default_rng(9)
    entries = 20 * (params.bands + 1)  # one date of 20 articles
    monkeypatch.setattr(published, "RUN_MERGE_ENTRIES", 4 * entries)  # a run merges 4 dates at most
    for day in range(16):
        publish_part(tmp_path, dt.date(2024, 1, 1) + dt.timedelta(days=day), 20, rng)
        state = published.Published.list(str(tmp_path), params)
        opened, _ = published.sync(state, params, skip=None)  # what a run does first
        for level in opened:
            level.close()
    # Runs alone: dates merged 4 at a time, never 16 (that merge is larger than a run's budget).
    assert level_sizes(tmp_path, params) == [4, 4, 4, 4]
    done = published.compact(str(tmp_path), params)
    assert (done.levels_before, done.levels_after, done.entries) == (4, 1, 16 * entries)
    assert level_sizes(tmp_path, params) == [16]


def test_compact_removes_the_levels_of_other_minhash_settings_and_they_come_back_when_used(tmp_path):
    params, other = Settings().minhash_params(), Settings(lsh_bands=16).minhash_params()
    rng = np.random.default_rng(4)
    for day in range(3):
        publish_part(tmp_path, dt.date(2024, 1, 1) + dt.timedelta(days=day), 10, rng)
    for p in (params, other):
        opened, _ = published.sync(published.Published.list(str(tmp_path), p), p, skip=None)
        for level in opened:
            level.close()
    folders = sorted(f.name for f in (tmp_path / published.LEVELS).iterdir())
    assert len(folders) == 2
    done = published.compact(str(tmp_path), params)
    mine = Path(published.Published.list(str(tmp_path), params).folder).name
    assert done.stale_removed == [f for f in folders if f != mine]
    assert [f.name for f in (tmp_path / published.LEVELS).iterdir()] == [mine]
    # Parts of `params` cannot serve `other`: its runs load those dates whole, as before compact.
    opened, whole = published.sync(published.Published.list(str(tmp_path), other), other, skip=None)
    assert opened == [] and len(whole) == 3
