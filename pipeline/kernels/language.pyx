"""py3langid's byte automaton walked, each text's features counted and their table rows gathered, in C.

Measured on Reuters (LanguageModel.classify, ~48 µs a text in numpy): walking the automaton one
step for every text of a batch at a time cost ~20 µs a text, counting with np.minimum.at/np.add.at
and gathering with table[ids] ~25 µs; here ~6 µs and ~5 µs (bench.stages --cpu, language:
56-61 -> 20-22 µs a document). All three wait on memory (the transition and score tables are 39 MB
and 57 MB), so the walk interleaves texts and the gather prefetches rows. The arithmetic stays
numpy's float32 product (language.py), whose summation order BLAS decides.
"""

from libc.stdint cimport int64_t, uint8_t, uint32_t
from libc.string cimport memcpy

import numpy as np


cdef extern from *:
    void __builtin_prefetch(const void* address) noexcept nogil  # GCC/Clang: a hint, no effect on results


cdef enum:
    LANES = 16  # texts walked side by side: independent walks overlap their waits on memory
    AHEAD = 8  # rows prefetched ahead of the one being copied
    LINE = 64  # bytes in a cache line


cdef class FeatureCounts:
    """The features each text of a batch emits, each once in first-seen order (as py3langid's Counter
    keeps them), with their counts: text i's are ids[offsets[i]:offsets[i + 1]].

    Counts are float32, the type py3langid scores them in (exact below 2**24).
    """

    cdef readonly object ids, counts, offsets
    cdef const float[:, ::1] _table
    cdef const Py_ssize_t[::1] _ids
    cdef const Py_ssize_t[::1] _offsets
    cdef object _buffer
    cdef float[:, ::1] _rows

    def __init__(
        self,
        list texts,
        const uint32_t[::1] moves,
        const int64_t[::1] rows,
        const int64_t[::1] outputs,
        const float[:, ::1] table,
    ):
        """moves/rows/outputs: the automaton (LanguageModel's arrays); table: feature × class scores."""
        lengths = np.array([len(<bytes?> text) for text in texts], dtype=np.intp)  # bytes only: _walk reads them raw
        starts = np.zeros(len(texts) + 1, dtype=np.intp)  # where each text's bytes begin in `emitted`
        np.cumsum(lengths, out=starts[1:])
        emitted = np.empty(starts[len(texts)], dtype=np.int64)
        _walk(texts, np.argsort(-lengths, kind="stable").astype(np.intp), starts, moves, rows, outputs, emitted)
        self.ids, self.counts, self.offsets = _count(emitted, starts, table.shape[0])
        self._table = table
        self._ids = self.ids
        self._offsets = self.offsets
        self._buffer = np.empty((max(np.diff(self.offsets).max(initial=0), 1), table.shape[1]), dtype=np.float32)
        self._rows = self._buffer

    def table_rows(self, Py_ssize_t i):
        """table[ids of text i], as numpy's table[ids] (a buffer that the next call overwrites)."""
        if not 0 <= i < self._offsets.shape[0] - 1:
            raise IndexError(i)
        self._gather(i)
        return self._buffer[: self._offsets[i + 1] - self._offsets[i]]

    cdef void _gather(self, Py_ssize_t i) noexcept:
        """The table rows of text i's features into the buffer, in order."""
        cdef Py_ssize_t start = self._offsets[i]
        cdef Py_ssize_t end = self._offsets[i + 1]
        cdef Py_ssize_t k
        cdef Py_ssize_t width = self._table.shape[1]
        for k in range(start, min(start + AHEAD, end)):
            _prefetch_row(&self._table[self._ids[k], 0], width)
        for k in range(start, end):
            if k + AHEAD < end:
                _prefetch_row(&self._table[self._ids[k + AHEAD], 0], width)
            memcpy(&self._rows[k - start, 0], &self._table[self._ids[k], 0], width * sizeof(float))


cdef inline void _prefetch_row(const float* row, Py_ssize_t width) noexcept nogil:
    """Ask for every cache line of a row."""
    cdef const char* at = <const char*> row
    cdef const char* end = <const char*> (row + width)
    while at < end:
        __builtin_prefetch(at)
        at += LINE
    __builtin_prefetch(end - 1)  # a row need not start on a line


cdef void _walk(
    list texts,
    const Py_ssize_t[::1] order,
    const Py_ssize_t[::1] starts,
    const uint32_t[::1] moves,
    const int64_t[::1] rows,
    const int64_t[::1] outputs,
    int64_t[::1] emitted,
) noexcept:
    """emitted[starts[i] + p] = the output (feature id or -1) of the state text i enters at its byte p.

    py3langid's visit_counts, LANES texts at a time, longest first (`order`): a block's texts
    have similar lengths, and those still running at a byte position are the block's first ones.
    """
    cdef const uint8_t* data[LANES]
    cdef int64_t* out[LANES]
    cdef Py_ssize_t length[LANES]
    cdef int64_t state[LANES]
    cdef Py_ssize_t lanes, lane, p, i
    cdef Py_ssize_t block = 0
    while block < order.shape[0]:
        lanes = min(<Py_ssize_t> LANES, order.shape[0] - block)
        for lane in range(lanes):
            i = order[block + lane]
            data[lane] = <const uint8_t*> (<bytes> texts[i])
            out[lane] = &emitted[starts[i]]
            length[lane] = starts[i + 1] - starts[i]
            state[lane] = 0
        for p in range(length[0]):
            while length[lanes - 1] <= p:
                lanes -= 1
            for lane in range(lanes):
                state[lane] = moves[rows[state[lane]] + data[lane][p]]
                out[lane][p] = outputs[state[lane]]
        block += LANES


cdef tuple _count(const int64_t[::1] emitted, const Py_ssize_t[::1] starts, Py_ssize_t n_features):
    """(ids, counts, offsets) of FeatureCounts from the walk's outputs."""
    cdef Py_ssize_t n_texts = starts.shape[0] - 1
    ids_array = np.empty(emitted.shape[0], dtype=np.intp)  # at most one feature per byte
    counts_array = np.empty(emitted.shape[0], dtype=np.float32)
    offsets_array = np.zeros(n_texts + 1, dtype=np.intp)
    slots_array = np.full(n_features, -1, dtype=np.intp)  # feature → its place in ids, while its text is counted
    cdef Py_ssize_t[::1] ids = ids_array
    cdef float[::1] counts = counts_array
    cdef Py_ssize_t[::1] offsets = offsets_array
    cdef Py_ssize_t[::1] slots = slots_array
    cdef Py_ssize_t i, j, k, first, slot
    cdef Py_ssize_t n = 0
    cdef int64_t feature
    for i in range(n_texts):
        first = n
        for j in range(starts[i], starts[i + 1]):
            feature = emitted[j]
            if feature >= 0:
                slot = slots[feature]
                if slot < 0:
                    slots[feature] = n
                    ids[n] = feature
                    counts[n] = 1
                    n += 1
                else:
                    counts[slot] += 1
        for k in range(first, n):
            slots[ids[k]] = -1
        offsets[i + 1] = n
    return ids_array[:n], counts_array[:n], offsets_array
