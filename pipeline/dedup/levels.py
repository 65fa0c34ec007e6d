"""Level files: the published dates' dedup keys, sorted, with a Bloom filter, probed a block at a time.

A level file holds entries (key, slot): for each published article, its LSH band keys and the first
64 bits of its exact key, each with the article's slot (its row in its date's index part, plus the
offset of that date among the file's sources). Layout, all little-endian:

    blocks   entries sorted by key, BLOCK at a time: BLOCK keys (uint64), then their slots (uint32)
    bloom    a split-block Bloom filter of the keys: 8 uint32 words a block, 1 bit set in each
    fences   the first key of every block (uint64)
    footer   JSON: params, entries, bloom blocks, sources [[date, identity, rows, entries], ...]
    trailer  footer length (uint64), MAGIC

Why not Parquet: a probe reads the few blocks its keys may be in (one positioned read of ~3 KB
each), which a Parquet reader cannot address below a row group.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from pipeline.io import faults
from pipeline.io.atomic import open_atomic

MAGIC = b"NSLEVEL1"
BLOCK = 256  # entries a block: 3 KB read per key that passes the filter
BLOOM_BITS = 16  # bits of filter an entry: ~0.1 % of absent keys pass (measured)
_SALT = np.array(
    [0x47B6137B, 0x44974D91, 0x8824AD5B, 0xA2B7289D, 0x705495C7, 0x2DF1424B, 0x9EFC4947, 0x5C6BFB31], dtype=np.uint32
)
_BLOOM_CHUNK = 1 << 15  # filter blocks read at once (1 MB)
_ENTRY = 12  # bytes: a key and its slot


@dataclass(frozen=True, slots=True)
class Source:
    """One date's index part, as a level file holds it: rows [offset, offset + rows) of the slots."""

    date: str
    identity: str
    rows: int
    entries: int


def _bloom_blocks(n_entries: int) -> int:
    return max(1, (n_entries * BLOOM_BITS + 255) // 256)


def _bloom_block(keys: np.ndarray, n_blocks: int) -> np.ndarray:
    """Each key's filter block: monotone in the key, so that sorted keys visit the filter in order."""
    return (((keys >> np.uint64(32)) * np.uint64(n_blocks)) >> np.uint64(32)).astype(np.int64)


def _bloom_masks(keys: np.ndarray) -> np.ndarray:
    """The bit each key sets in each of its block's 8 words (from its low 32 bits), as 4 uint64.
    In place: a new array a step made this 3.6x slower (the largest cost of writing a level)."""
    bits = keys.astype(np.uint32)[:, None] * _SALT
    bits >>= np.uint32(27)
    np.left_shift(np.uint32(1), bits, out=bits)
    return bits.view(np.uint64)


@dataclass(frozen=True, slots=True)
class Probe:
    """Keys to look up in every level (sorted, unique), with their filter bits made once."""

    keys: np.ndarray
    masks: np.ndarray

    @classmethod
    def of(cls, keys: np.ndarray) -> Probe:
        keys = _sorted_unique(keys.astype(np.uint64, copy=False))
        return cls(keys, _bloom_masks(keys))


def write_level(fs, path: str, params: str, sources: list[Source], parts: Iterable[tuple[np.ndarray, np.ndarray]]):
    """Write one level file, atomically, from its entries (keys, slots) handed over in key order a
    part at a time (a merge streams them)."""
    entries = sum(s.entries for s in sources)
    bloom = np.zeros((_bloom_blocks(entries), 4), dtype=np.uint64)
    fences: list[np.ndarray] = []
    carry = (np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.uint32))
    written = 0
    with open_atomic(fs, path) as fh:
        for keys, slots in parts:
            if not len(keys):
                continue
            block = _bloom_block(keys, len(bloom))
            starts = np.flatnonzero(np.concatenate(([True], block[1:] != block[:-1])))
            bloom[block[starts]] |= np.bitwise_or.reduceat(_bloom_masks(keys), starts, axis=0)
            keys = np.concatenate((carry[0], keys))
            slots = np.concatenate((carry[1], slots.astype(np.uint32, copy=False)))
            whole = len(keys) - len(keys) % BLOCK
            written += _write_blocks(fh, fences, keys[:whole], slots[:whole])
            carry = (keys[whole:], slots[whole:])
        written += _write_blocks(fh, fences, *carry)
        if written != entries:
            raise ValueError(f"level {path}: {written} entries written, {entries} announced")
        footer = {
            "params": params,
            "entries": entries,
            "bloom_blocks": len(bloom),
            "sources": [[s.date, s.identity, s.rows, s.entries] for s in sources],
        }
        data = json.dumps(footer).encode()
        fence_keys = np.concatenate(fences) if fences else np.zeros(0, dtype=np.uint64)
        for part in (bloom.tobytes(), fence_keys.tobytes(), data, np.uint64(len(data)).tobytes(), MAGIC):
            fh.write(part)
        faults.reach("levels:staged")


def _write_blocks(fh, fences: list[np.ndarray], keys: np.ndarray, slots: np.ndarray) -> int:
    """Whole blocks (or the last, shorter one): each BLOCK keys, then their slots."""
    n = len(keys)
    if not n:
        return 0
    fences.append(keys[::BLOCK].copy())
    size = min(BLOCK, n)
    blocks = np.empty((n // size, size * _ENTRY), dtype=np.uint8)
    blocks[:, : 8 * size] = keys.reshape(-1, size).view(np.uint8)
    blocks[:, 8 * size :] = slots.reshape(-1, size).view(np.uint8)
    fh.write(blocks.tobytes())
    return n


class Level:
    """A level file opened for probing and merging: its footer and fences in memory, the rest read
    a part at a time."""

    def __init__(self, fs, path: str):
        self.fs, self.path = fs, path
        self._fh = fs.open(path, "rb", cache_type="none")  # reads are positioned: no read-ahead on object stores
        size = self._fh.size if hasattr(self._fh, "size") else fs.size(path)
        trailer = self._read(size - 16, 16)
        if trailer[8:] != MAGIC:
            raise ValueError(f"{path} is not a level file")
        length = int(np.frombuffer(trailer[:8], dtype=np.uint64)[0])
        footer = json.loads(self._read(size - 16 - length, length))
        self.params: str = footer["params"]
        self.entries: int = footer["entries"]
        self.sources = [Source(*s) for s in footer["sources"]]
        self.offsets = np.cumsum([0, *(s.rows for s in self.sources)])
        self.n_blocks = -(-self.entries // BLOCK)
        self.bloom_blocks: int = footer["bloom_blocks"]
        self._bloom_at = self.entries * _ENTRY
        fences_at = self._bloom_at + 32 * self.bloom_blocks
        self.fences = np.frombuffer(self._read(fences_at, 8 * self.n_blocks), dtype=np.uint64)

    def close(self) -> None:
        self._fh.close()

    def _read(self, at: int, size: int) -> bytes:
        self._fh.seek(at)
        return self._fh.read(size)

    def _blocks(self, blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Keys and slots of some blocks (sorted, unique), in key order: one read per run of adjacent
        blocks, then parsed all at once."""
        short = self.entries // BLOCK  # the last block of the file is shorter when it is this one
        full, tail = blocks[blocks < short], blocks[blocks >= short]
        raw = np.frombuffer(
            b"".join(self._read(lo * BLOCK * _ENTRY, (hi - lo) * BLOCK * _ENTRY) for lo, hi in _runs(full)),
            dtype=np.uint8,
        ).reshape(-1, BLOCK * _ENTRY)
        keys, slots = (
            [raw[:, : 8 * BLOCK].reshape(-1).view(np.uint64)],
            [raw[:, 8 * BLOCK :].reshape(-1).view(np.uint32)],
        )
        if len(tail):
            rest = self.entries - short * BLOCK
            data = np.frombuffer(self._read(short * BLOCK * _ENTRY, rest * _ENTRY), dtype=np.uint8)
            keys.append(data[: 8 * rest].view(np.uint64))
            slots.append(data[8 * rest :].view(np.uint32))
        return np.concatenate(keys), np.concatenate(slots)

    def maybe(self, probe: Probe) -> np.ndarray:
        """Which of the probe's keys the filter lets through (every present one, ~0.1 % of the others).

        Reads the filter a chunk at a time, and of each chunk only the span the keys fall in."""
        block = _bloom_block(probe.keys, self.bloom_blocks)
        passed = np.zeros(len(block), dtype=bool)
        bounds = np.searchsorted(block, np.arange(0, self.bloom_blocks + _BLOOM_CHUNK, _BLOOM_CHUNK))
        for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
            if lo == hi:
                continue
            a, b = int(block[lo]), int(block[hi - 1]) + 1
            words = np.frombuffer(self._read(self._bloom_at + 32 * a, 32 * (b - a)), dtype=np.uint64).reshape(-1, 4)
            at, masks = block[lo:hi] - a, probe.masks[lo:hi]
            # The first word rules out most absent keys; the other three are checked for the rest.
            maybe = np.flatnonzero((words[at, 0] & masks[:, 0]) == masks[:, 0])
            missing = (words[at[maybe], 1:] & masks[maybe, 1:]) ^ masks[maybe, 1:]  # bits not set
            passed[lo + maybe[(missing[:, 0] | missing[:, 1] | missing[:, 2]) == 0]] = True
        return passed

    def probe(self, probe: Probe) -> np.ndarray:
        """Slots of every entry whose key is one of the probe's."""
        keys = probe.keys[self.maybe(probe)]
        if not len(keys):
            return np.zeros(0, dtype=np.uint32)
        # A key's entries start in the block before the first fence >= it and end in the block
        # before the first fence > it (equal keys can straddle blocks).
        first = np.maximum(np.searchsorted(self.fences, keys, "left") - 1, 0)
        last = np.maximum(np.searchsorted(self.fences, keys, "right") - 1, 0)
        stored, slots = self._blocks(_sorted_unique(np.concatenate((first, last, *_between(first, last)))))
        lo, hi = np.searchsorted(stored, keys, "left"), np.searchsorted(stored, keys, "right")
        return slots[_ranges(lo, hi)]

    def between(self, low: int, high: int | None) -> tuple[np.ndarray, np.ndarray]:
        """Entries with low <= key < high (None: no upper bound), as (keys, slots)."""
        first = max(int(np.searchsorted(self.fences, np.uint64(low), "left")) - 1, 0)
        stop = self.n_blocks if high is None else int(np.searchsorted(self.fences, np.uint64(high), "left"))
        if stop <= first:
            return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.uint32)
        keys, slots = self._blocks(np.arange(first, stop))
        lo = int(np.searchsorted(keys, np.uint64(low), "left"))
        hi = len(keys) if high is None else int(np.searchsorted(keys, np.uint64(high), "left"))
        return keys[lo:hi], slots[lo:hi]


def _ranges(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The indices lo[i]..hi[i]-1 of every i, concatenated."""
    counts = hi - lo
    starts = np.repeat(lo - (np.cumsum(counts) - counts), counts)
    return starts + np.arange(int(counts.sum()))


def _between(first: np.ndarray, last: np.ndarray) -> list[np.ndarray]:
    """The blocks strictly between first and last of the (rare) keys spanning more than two."""
    wide = last > first + 1
    return [_ranges(first[wide] + 1, last[wide])] if wide.any() else []


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    values = np.sort(values)
    return values[np.concatenate(([True], values[1:] != values[:-1]))] if len(values) > 1 else values


def _runs(values: np.ndarray) -> Iterator[tuple[int, int]]:
    """Runs of consecutive integers in sorted `values`, as [start, stop) pairs."""
    if not len(values):
        return iter(())
    breaks = np.flatnonzero(np.diff(values) != 1) + 1
    starts, ends = values[np.r_[0, breaks]], values[np.r_[breaks - 1, len(values) - 1]] + 1
    return zip(starts.tolist(), ends.tolist(), strict=True)
