"""Compiled builders of Arrow buffers from lists of Python strings and lists (the staged write's hot loop).

Why compiled (Reuters, staged write of a worker, CPU µs per document, measured one after the
other): a string column was six C-level passes over its list in Python (count the Nones, replace
them, join, encode, the lengths, the non-ASCII lengths again) plus numpy's cumulative sum; this is
one pass that copies each string's UTF-8 bytes where they go and writes its offset.

ASCII strings (most) are copied straight from their characters; the others are encoded with
Python's own UTF-8 codec (so a lone surrogate raises UnicodeEncodeError, as `str.encode` does).
"""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.unicode cimport PyUnicode_AsUTF8String, PyUnicode_DATA, PyUnicode_GET_LENGTH
from libc.stdint cimport int32_t, int64_t, uint8_t
from libc.string cimport memcpy, memset

cdef extern from "Python.h":  # (not in Cython's cpython.unicode)
    int PyUnicode_READY(object text) except -1  # a no-op from Python 3.12 on
    bint PyUnicode_IS_ASCII(object text)

# Arrow's string offsets are int32: a column of one table holds at most 2 GiB of text.
cdef int64_t MAX_OFFSET = 2**31 - 1


def string_buffers(list texts not None):
    """(UTF-8 data, int32 offsets, validity bitmap or None, null count) of `texts` (str or None).

    The buffers of `pa.StringArray.from_buffers`: a None is a null (no bytes); the validity bitmap
    has one bit per item, least significant first, and is None when there is no null.
    """
    cdef Py_ssize_t n = len(texts), i, nulls = 0
    cdef int64_t total = 0
    cdef object item
    cdef str text
    # First pass: the size of the data, and the encoded form of the strings that are not ASCII.
    cdef list encoded = [None] * n
    for i in range(n):
        item = texts[i]
        if item is None:
            nulls += 1
            continue
        text = item  # (a TypeError for anything but a str, as "".join gives)
        PyUnicode_READY(text)
        if PyUnicode_IS_ASCII(text):
            total += PyUnicode_GET_LENGTH(text)
        else:
            encoded[i] = PyUnicode_AsUTF8String(text)
            total += PyBytes_GET_SIZE(encoded[i])
    if total > MAX_OFFSET:
        raise ValueError("a column of one partition holds over 2 GiB of text")

    data = PyBytes_FromStringAndSize(NULL, total)
    offsets = PyBytes_FromStringAndSize(NULL, (n + 1) * sizeof(int32_t))
    cdef char *out = PyBytes_AS_STRING(data)
    cdef int32_t *ends = <int32_t *>PyBytes_AS_STRING(offsets)
    cdef uint8_t *bits = NULL
    validity = None
    if nulls:
        validity = PyBytes_FromStringAndSize(NULL, (n + 7) // 8)
        bits = <uint8_t *>PyBytes_AS_STRING(validity)
        memset(bits, 0, (n + 7) // 8)
    cdef Py_ssize_t at = 0, size
    ends[0] = 0
    for i in range(n):
        item = texts[i]
        if item is not None:
            if bits != NULL:
                bits[i >> 3] |= 1 << (i & 7)
            if encoded[i] is None:
                size = PyUnicode_GET_LENGTH(item)
                memcpy(out + at, PyUnicode_DATA(item), size)
            else:
                size = PyBytes_GET_SIZE(encoded[i])
                memcpy(out + at, PyBytes_AS_STRING(encoded[i]), size)
            at += size
        ends[i + 1] = <int32_t>at
    return data, offsets, validity, nulls


def list_buffers(list lists not None):
    """(int32 offsets, the items of every list in order, null count) of `lists` (lists, tuples or
    None, which counts as an empty list): the offsets of a list column and the values of its child."""
    cdef Py_ssize_t n = len(lists), i, nulls = 0
    cdef int64_t at = 0
    cdef object item
    cdef list flat = []
    offsets = PyBytes_FromStringAndSize(NULL, (n + 1) * sizeof(int32_t))
    cdef int32_t *ends = <int32_t *>PyBytes_AS_STRING(offsets)
    ends[0] = 0
    for i in range(n):
        item = lists[i]
        if item is None:
            nulls += 1
        else:
            flat.extend(item)
            at = len(flat)
            if at > MAX_OFFSET:
                raise ValueError("a column of one partition holds over 2 GiB of text")
        ends[i + 1] = <int32_t>at
    return offsets, flat, nulls
