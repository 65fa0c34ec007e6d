r"""What the compiled kernels share to read a str in C: its characters in place, and the character
classes of Python's `re` on str.

Declarations and inline functions only (cimported, compiled into each kernel): there is no
`pipeline.kernels.text` module to import at run time.
"""

from cpython.unicode cimport (
    Py_UNICODE_ISALNUM,
    Py_UNICODE_ISSPACE,
    PyUnicode_DATA,
    PyUnicode_KIND,
    PyUnicode_READ,
)


cdef struct Text:
    # A str's characters read in place (PEP 393): indexing a str re-checks its layout at every character.
    int kind
    void *data
    Py_ssize_t length


cdef inline Text text_of(str text):
    cdef Text t
    t.kind, t.data, t.length = PyUnicode_KIND(text), PyUnicode_DATA(text), len(text)
    return t


cdef inline Py_UCS4 char_at(Text t, Py_ssize_t i) noexcept:
    """The character at `i`, which the caller knows is inside the text."""
    return PyUnicode_READ(t.kind, t.data, i)


cdef inline Py_UCS4 char_or_nul(Text t, Py_ssize_t i) noexcept:
    """The character at `i`, or 0 outside the text (0 is never a character the scans look for)."""
    if i < 0 or i >= t.length:
        return 0
    return PyUnicode_READ(t.kind, t.data, i)


cdef extern from *:
    # `\w` over Latin-1 (every character of a 1-byte str), chr(c).isalnum() or c == "_", as a table:
    # Py_UNICODE_ISALNUM makes four calls into Unicode's tables per character (the shingle scan of
    # a text took 3x longer with it alone). tests/test_text_scan.py pins it against `re`.
    """
    static const unsigned char newsetl_latin1_word[256] = {
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 00-0F */
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 10-1F */
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 20-2F */
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,  /* 30-3F */
        0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  /* 40-4F */
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1,  /* 50-5F */
        0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  /* 60-6F */
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,  /* 70-7F */
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 80-8F */
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 90-9F */
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0,  /* A0-AF */
        0, 0, 1, 1, 0, 1, 0, 0, 0, 1, 1, 0, 1, 1, 1, 0,  /* B0-BF */
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  /* C0-CF */
        1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1,  /* D0-DF */
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  /* E0-EF */
        1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1,  /* F0-FF */
    };
    """
    const unsigned char newsetl_latin1_word[256]


cdef inline bint is_word_char(Py_UCS4 ch) noexcept:
    r"""`\w` of Python's `re` on str: Py_UNICODE_ISALNUM (what `str.isalnum` tests) or "_"."""
    if ch < 256:
        return newsetl_latin1_word[ch]
    return Py_UNICODE_ISALNUM(ch)  # "_" is below 256


cdef inline bint is_space(Py_UCS4 ch) noexcept:
    r"""`\s` of Python's `re` on str, and where `str.split()` and `str.strip()` cut."""
    return Py_UNICODE_ISSPACE(ch)
