"""The language model's disk cache: built once, then memory-mapped, and never a different answer."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline import language
from tests.test_describe import TEXTS


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    language.load_model.cache_clear()
    yield tmp_path
    language.load_model.cache_clear()


def test_first_load_writes_the_cache_and_the_next_maps_it_with_the_same_answers(fresh_cache):
    built = language.load_model()
    assert not isinstance(built.table, np.memmap) and not list(fresh_cache.rglob("*.tmp"))
    assert sorted(p.name for p in fresh_cache.glob("newsetl/langid-*/*.npy")) == sorted(
        f"{name}.npy" for name in ("moves", "rows", "outputs", "table", "prior", "classes")
    )
    language.load_model.cache_clear()
    mapped = language.load_model()
    assert mapped.table.base is not None  # a view over the mapped file, not a copy
    assert mapped.classify(TEXTS) == built.classify(TEXTS)


def test_an_unwritable_cache_only_costs_time(fresh_cache):
    (fresh_cache / "newsetl").write_text("a file where the cache folder would go")
    assert [lang for lang, _ in language.load_model().classify(TEXTS[:2])] == ["en", "de"]


def test_a_damaged_cache_file_is_rebuilt_not_trusted(fresh_cache):
    expected = language.load_model().classify(TEXTS)
    (table,) = fresh_cache.glob("newsetl/langid-*/table.npy")
    size = table.stat().st_size
    table.write_bytes(table.read_bytes()[:1000])
    language.load_model.cache_clear()
    assert language.load_model().classify(TEXTS) == expected
    assert table.stat().st_size == size  # and cached again
