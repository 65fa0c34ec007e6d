"""Compiled scans of article texts: word counts, the hash-normalized text, and word-shingle hashes.

Why compiled (Reuters, 19,722 story texts, CPU µs per text, measured one after the other): each
function is one pass over a text's characters, where the Python it replaced built, joined and
split strings per word and ran a dozen numpy passes per batch. Shingle hashes 16.6 -> 3.3, the
normalized body 7.0 -> 3.0, the word count 2.7 -> 1.8, rensa's signature lists to a matrix
2.7 -> 0.6. In bench.stages --cpu: sketch 28-30 -> 12 µs/doc, parse+clean 110-114 -> 87 µs/doc.

Words are what `re.compile(r"\\w+").findall` finds: runs of characters that are alphanumeric
(Py_UNICODE_ISALNUM, what `str.isalnum` and `re`'s `\\w` test) or "_". Non-ASCII texts go through
Python's NFKC normalization and Unicode case folding first (one call each over the whole text).
"""

import unicodedata

import numpy as np

from cpython.bytes cimport PyBytes_FromStringAndSize
from cpython.unicode cimport PyUnicode_1BYTE_KIND, PyUnicode_2BYTE_KIND, PyUnicode_DATA, PyUnicode_KIND
from libc.stdint cimport int64_t, uint8_t, uint16_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memcpy

from pipeline.kernels.text cimport is_space, is_word_char

cdef extern from "Python.h":
    bint PyUnicode_IS_ASCII(object text)  # not in Cython's cpython.unicode

# Polynomial hash base of shingles (odd, so invertible modulo 2**64); minhash's band keys reuse it.
BASE = 0x100000001B3
cdef uint64_t _BASE = BASE
cdef uint64_t _BASE_INVERSE = pow(BASE, -1, 1 << 64)
cdef uint64_t _SPACE = 0x20


cdef inline uint32_t lower_ascii(uint32_t code) noexcept:
    """`str.lower` and `str.casefold` of an ASCII character."""
    return code + 32 if 0x41 <= code <= 0x5A else code  # A-Z


cdef inline uint64_t mix(uint64_t x) noexcept:
    """splitmix64's finalizer (as minhash._mix): spreads every input bit over the whole 64-bit word."""
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL
    return x ^ (x >> 31)


cdef inline int utf8_encode(uint32_t ch, unsigned char *out) noexcept:
    """UTF-8 bytes of one code point (not a surrogate) into `out`; returns how many."""
    if ch < 0x80:
        out[0] = <unsigned char>ch
        return 1
    if ch < 0x800:
        out[0] = <unsigned char>(0xC0 | (ch >> 6))
        out[1] = <unsigned char>(0x80 | (ch & 0x3F))
        return 2
    if ch < 0x10000:
        out[0] = <unsigned char>(0xE0 | (ch >> 12))
        out[1] = <unsigned char>(0x80 | ((ch >> 6) & 0x3F))
        out[2] = <unsigned char>(0x80 | (ch & 0x3F))
        return 3
    out[0] = <unsigned char>(0xF0 | (ch >> 18))
    out[1] = <unsigned char>(0x80 | ((ch >> 12) & 0x3F))
    out[2] = <unsigned char>(0x80 | ((ch >> 6) & 0x3F))
    out[3] = <unsigned char>(0x80 | (ch & 0x3F))
    return 4


cdef str fold_non_ascii(str text):
    """Unicode compatibility forms and case folded: what the ASCII fast paths do by lowering A-Z."""
    if PyUnicode_IS_ASCII(text):
        return text
    return unicodedata.normalize("NFKC", text).casefold()


# The loops below read a str's characters in place, in its own width (PEP 393: 1, 2 or 4 bytes a
# character), each compiled once per width: a loop reading any width (PyUnicode_READ) ran ~1.5x slower.
ctypedef fused char_t:
    uint8_t
    uint16_t
    uint32_t


cdef Py_ssize_t count_runs(const char_t *chars, Py_ssize_t n) noexcept:
    cdef Py_ssize_t count = 0, i
    cdef bint inside = False, word
    for i in range(n):
        word = is_word_char(chars[i])
        count += word > inside  # a word starts here
        inside = word
    return count


def count_words(str text not None) -> int:
    """How many words (`\\w+` runs) a text holds, without building them."""
    cdef int kind = PyUnicode_KIND(text)
    cdef void *data = PyUnicode_DATA(text)
    cdef Py_ssize_t n = len(text)
    if kind == PyUnicode_1BYTE_KIND:
        return count_runs(<uint8_t *>data, n)
    if kind == PyUnicode_2BYTE_KIND:
        return count_runs(<uint16_t *>data, n)
    return count_runs(<uint32_t *>data, n)


cdef Py_ssize_t join_words(const char_t *chars, Py_ssize_t n, unsigned char *out) noexcept:
    """UTF-8 of the (folded) text's whitespace-separated words joined by one space into `out`;
    returns its length, or -1 - i when character i is a surrogate (UTF-8 cannot hold it)."""
    cdef Py_ssize_t size = 0, i
    cdef uint32_t ch
    cdef bint gap = False
    for i in range(n):
        ch = chars[i]
        if is_space(ch):
            gap = size > 0
            continue
        if 0xD800 <= ch <= 0xDFFF:
            return -1 - i
        if gap:
            out[size] = 0x20
            size += 1
            gap = False
        size += utf8_encode(lower_ascii(ch), out + size)
    return size


def normalize_for_hash(str text not None) -> bytes:
    """UTF-8 of the text with Unicode compatibility forms, case and whitespace folded: words are
    split where `str.split()` splits (Py_UNICODE_ISSPACE, what `re`'s `\\s` matches too) and joined
    by one space."""
    text = fold_non_ascii(text)
    cdef int kind = PyUnicode_KIND(text)
    cdef void *data = PyUnicode_DATA(text)
    cdef Py_ssize_t n = len(text), size
    cdef unsigned char *out = <unsigned char *>malloc(4 * n + 1)
    if out == NULL:
        raise MemoryError()
    try:
        if kind == PyUnicode_1BYTE_KIND:
            size = join_words(<uint8_t *>data, n, out)
        elif kind == PyUnicode_2BYTE_KIND:
            size = join_words(<uint16_t *>data, n, out)
        else:
            size = join_words(<uint32_t *>data, n, out)
        if size < 0:  # as str.encode("utf-8") refuses it
            raise UnicodeEncodeError("utf-8", text, -1 - size, -size, "surrogates not allowed")
        return PyBytes_FromStringAndSize(<char *>out, size)
    finally:
        free(out)


cdef struct Words:
    # The text's words joined by single spaces, as UTF-8, hashed as a polynomial: prefix(j) is the
    # sum of bytes b[i] * BASE**i for i < j. For each word, at its first byte j and past its last, k:
    uint64_t *before  # prefix(j)
    uint64_t *after  # prefix(k)
    uint64_t *unshift  # BASE**-j: (prefix(k) - prefix(j)) * BASE**-j hashes bytes j..k as if they came first
    Py_ssize_t count, capacity


cdef int reserve(Words *words, Py_ssize_t capacity) except -1:
    """Room for `capacity` words at least (one allocation holds the three arrays)."""
    cdef uint64_t *table
    if capacity <= words.capacity:
        return 0
    capacity = max(capacity, 2 * words.capacity)
    table = <uint64_t *>realloc(words.before, 3 * capacity * sizeof(uint64_t))
    if table == NULL:
        raise MemoryError()
    words.before, words.after, words.unshift = table, table + capacity, table + 2 * capacity
    words.capacity = capacity
    return 0


cdef Py_ssize_t hash_words(const char_t *chars, Py_ssize_t n, Words *words) noexcept:
    """Prefix hashes of every word of a (folded) text into `words` (room for n // 2 + 1 words);
    returns how many words."""
    cdef uint64_t prefix = 0, power = 1, unshift = 1
    cdef unsigned char utf8[4]
    cdef int size, k
    cdef bint inside = False
    cdef Py_ssize_t i, count = 0
    for i in range(n):
        if is_word_char(chars[i]):
            if not inside:
                words.before[count], words.unshift[count] = prefix, unshift
                inside = True
            size = utf8_encode(lower_ascii(chars[i]), utf8)
            for k in range(size):
                prefix += utf8[k] * power
                power *= _BASE
                unshift *= _BASE_INVERSE
        elif inside:
            words.after[count] = prefix
            count += 1
            inside = False
            prefix += _SPACE * power  # the space that joins it to the next word
            power *= _BASE
            unshift *= _BASE_INVERSE
    if inside:
        words.after[count] = prefix
        count += 1
    return count


cdef int scan_words(str body, Words *words) except -1:
    """Prefix hashes of every word of a body, as shingles see it (case and Unicode forms folded)."""
    cdef str text = fold_non_ascii(body)
    cdef Py_ssize_t n = len(text)
    cdef int kind = PyUnicode_KIND(text)
    cdef void *data = PyUnicode_DATA(text)
    reserve(words, n // 2 + 1)  # a word and the character that ends it: 2 characters or more
    if kind == PyUnicode_1BYTE_KIND:
        words.count = hash_words(<uint8_t *>data, n, words)
    elif kind == PyUnicode_2BYTE_KIND:
        words.count = hash_words(<uint16_t *>data, n, words)
    else:
        words.count = hash_words(<uint32_t *>data, n, words)
    return 0


def shingle_hashes(list bodies, Py_ssize_t words):
    """64-bit hashes of every word n-gram of every body, flat, and each body's offsets into them.

    A shingle's hash is the polynomial hash of its words' UTF-8 bytes joined by single spaces,
    mixed. A body shorter than `words` words is one shingle (all its words); a body without words
    is one shingle, of the empty text.
    """
    cdef Words found
    found.before = found.after = found.unshift = NULL
    found.count = found.capacity = 0
    offsets = np.zeros(len(bodies) + 1, dtype=np.int64)
    cdef int64_t[::1] offset_view = offsets
    cdef uint64_t[::1] hash_view
    cdef uint64_t *out = NULL
    cdef uint64_t *grown
    cdef Py_ssize_t total = 0, capacity = 0, n_shingles, first, last, i
    cdef str body
    if words < 1:
        raise ValueError(f"shingles of {words} words")
    try:
        for i in range(len(bodies)):
            body = bodies[i]
            if body is None:
                raise TypeError("a body is None, not a str")
            scan_words(body, &found)
            n_shingles = max(found.count - words + 1, 1)
            if total + n_shingles > capacity:
                capacity = 2 * capacity + n_shingles + 4096
                grown = <uint64_t *>realloc(out, capacity * sizeof(uint64_t))
                if grown == NULL:
                    raise MemoryError()
                out = grown
            if found.count == 0:  # the empty text's hash
                out[total] = mix(0)
                total += 1
            else:
                for first in range(n_shingles):
                    last = min(first + words, found.count) - 1
                    out[total] = mix((found.after[last] - found.before[first]) * found.unshift[first])
                    total += 1
            offset_view[i + 1] = total
        hashes = np.empty(total, dtype=np.uint64)
        if total:
            hash_view = hashes
            memcpy(&hash_view[0], out, total * sizeof(uint64_t))
        return hashes, offsets
    finally:
        free(out)
        free(found.before)


def signature_matrix(list rows, Py_ssize_t width):
    """rensa's signatures (a list of `width` ints per body: its only output) as a (len(rows), width)
    uint32 matrix. Converting here cost ~0.6 µs a body, numpy.fromiter over the chained rows ~2.7 µs."""
    matrix = np.empty((len(rows), width), dtype=np.uint32)
    cdef uint32_t[:, ::1] view = matrix
    cdef Py_ssize_t i, j
    cdef list row
    for i in range(len(rows)):
        row = rows[i]
        if len(row) != width:
            raise ValueError(f"a signature of {len(row)} values, not {width}")
        for j in range(width):
            view[i, j] = row[j]
    return matrix
