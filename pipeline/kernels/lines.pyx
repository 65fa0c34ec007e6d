r"""Lines of a plain-text article, scanned in C: title, wire wrap, paragraphs, boilerplate candidates, tickers.

Why compiled: in Python, `split_title`, `looks_hard_wrapped` and `split_paragraphs` each split the
whole document into line strings, stripped them and re-joined hard-wrapped lines piece by piece:
~15 µs/doc of parse+clean on Reuters (measured; ~5 µs here). Each is now one pass over the text's
code points that only creates the strings it returns (a paragraph of wrapped lines is written into
one buffer). The boilerplate scan and the ticker cut are per-paragraph loops of the same kind.

Python semantics kept: lines are what `str.split("\n")` returns, `str.strip()` removes exactly the
characters for which Py_UNICODE_ISSPACE is true (as does the regex `\s`), and an indented line
starts with " " or "\t".
"""

from cpython.unicode cimport PyUnicode_FromKindAndData, PyUnicode_READ, PyUnicode_Substring, PyUnicode_WRITE
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy

from pipeline.kernels.text cimport Text, char_at, is_space, text_of


cdef inline Py_ssize_t _line_end(Text t, Py_ssize_t start, Py_ssize_t end):
    r"""Index of the next "\n" at or after `start`, or `end`."""
    while start < end and char_at(t, start) != u"\n":
        start += 1
    return start


cdef inline Py_ssize_t _lstrip(Text t, Py_ssize_t start, Py_ssize_t end):
    while start < end and is_space(char_at(t, start)):
        start += 1
    return start


cdef inline Py_ssize_t _rstrip(Text t, Py_ssize_t start, Py_ssize_t end):
    while end > start and is_space(char_at(t, end - 1)):
        end -= 1
    return end


cdef inline bint _indented(Text t, Py_ssize_t start, Py_ssize_t end):
    # `line[:1] in (" ", "\t")`
    return start < end and (char_at(t, start) == u" " or char_at(t, start) == u"\t")


cdef str _stripped(str text, Text t, Py_ssize_t start, Py_ssize_t end):
    start = _lstrip(t, start, end)
    return PyUnicode_Substring(text, start, _rstrip(t, start, end))


def split_title(str text):
    """The title and the text after it.

    The title is the first line, or up to three unindented lines before the first blank or
    indented line when the wire wrapped a long headline.
    """
    cdef Text t = text_of(text)
    cdef Py_ssize_t lo = 0, hi = t.length, n = 1, chars, start, end
    cdef Py_ssize_t[3] ends
    # text.strip("\n").split("\n")
    while lo < hi and char_at(t, lo) == u"\n":
        lo += 1
    while hi > lo and char_at(t, hi - 1) == u"\n":
        hi -= 1
    ends[0] = _line_end(t, lo, hi)
    chars = ends[0] - lo
    while n < 3 and ends[n - 1] < hi:
        start = ends[n - 1] + 1
        end = _line_end(t, start, hi)
        if _lstrip(t, start, end) == end or _indented(t, start, end):
            break
        ends[n] = end
        chars += end - start
        n += 1
    if n > 1 and chars > 250:
        n = 1
    if n == 1:
        title = _stripped(text, t, lo, ends[0])
    else:
        title = " ".join([_stripped(text, t, lo if i == 0 else ends[i - 1] + 1, ends[i]) for i in range(n)])
    # "\n".join(lines[n:]): empty when the title took every line.
    rest = PyUnicode_Substring(text, ends[n - 1] + 1, hi) if ends[n - 1] < hi else ""
    return title, rest


def looks_hard_wrapped(str text):
    """Wire copy: most lines run on into the next one and none is long (wrapped at ~65 characters)."""
    cdef Text t = text_of(text)
    cdef Py_ssize_t start = 0, end, length, previous = 0
    cdef Py_ssize_t nonblank = 0, run_on = 0, short = 0
    while True:
        end = _line_end(t, start, t.length)
        length = end - start
        if length:
            nonblank += 1
            short += length <= 100
            run_on += previous != 0
        previous = length
        if end == t.length:
            break
        start = end + 1
    if nonblank < 3:
        return False
    # `sorted(lengths)[int(nonblank * 0.9)] <= 100` holds when more than that many lines are short.
    return run_on >= 0.5 * nonblank and short > <Py_ssize_t>(nonblank * 0.9)


cdef str _join_wrapped(str text, Text t, Py_ssize_t start, Py_ssize_t end, char* buffer):
    """The non-blank lines between `start` and `end` stripped and joined: "well-" + "known" stays
    "well-known", every other join is a space."""
    cdef Py_ssize_t n = 0, line_end, first, last
    while True:
        line_end = _line_end(t, start, end)
        first = _lstrip(t, start, line_end)
        last = _rstrip(t, first, line_end)
        # Python: `sep = "" if tail.endswith("-") and tail != " -" else " "` (tail: the last two characters).
        if n and not (
            PyUnicode_READ(t.kind, buffer, n - 1) == u"-"
            and not (n >= 2 and PyUnicode_READ(t.kind, buffer, n - 2) == u" ")
        ):
            PyUnicode_WRITE(t.kind, buffer, n, u" ")
            n += 1
        memcpy(buffer + n * t.kind, <char*>t.data + first * t.kind, (last - first) * t.kind)
        n += last - first
        if line_end >= end:
            break
        start = line_end + 1
    # FromKindAndData finds the widest character: the string is canonical even if the text's kind is wider.
    return PyUnicode_FromKindAndData(t.kind, buffer, n)


def split_paragraphs(str text, bint wrapped):
    r"""Paragraphs of `text`, re-flowing hard-wrapped lines.

    In hard-wrapped text a paragraph ends at a blank line or an indented line. Otherwise every
    line is its own paragraph (blank lines only separate them).
    """
    cdef Text t = text_of(text)
    cdef Py_ssize_t start = 0, end, first, para_start = -1, para_end = 0
    cdef list paragraphs = []
    cdef char* buffer = NULL
    if wrapped:
        buffer = <char*>malloc(t.length * t.kind + 1)
        if buffer == NULL:
            raise MemoryError()
    try:
        while True:
            end = _line_end(t, start, t.length)
            first = _lstrip(t, start, end)
            if not wrapped:
                if first < end:
                    paragraphs.append(PyUnicode_Substring(text, first, _rstrip(t, first, end)))
            else:
                # The lines of the current paragraph are the ones from para_start to para_end.
                if first == end or (para_start >= 0 and _indented(t, start, end)):
                    if para_start >= 0:
                        paragraphs.append(_join_wrapped(text, t, para_start, para_end, buffer))
                        para_start = -1
                if first < end:
                    if para_start < 0:
                        para_start = start
                    para_end = end
            if end == t.length:
                break
            start = end + 1
        if para_start >= 0:
            paragraphs.append(_join_wrapped(text, t, para_start, para_end, buffer))
    finally:
        free(buffer)
    return paragraphs


def boilerplate_candidates(list paragraphs, object fullmatch):
    """(index, matched) of the paragraphs that boilerplate rules may concern, in order.

    `matched`: `fullmatch(paragraph.strip())` matched (the alternation of the rules). The others
    listed end with ")" once right-stripped: only they can end with an inline credit. Most
    paragraphs are neither; deciding that in one C loop spares a Python iteration per paragraph.
    """
    cdef list found = []
    cdef Text t
    cdef Py_ssize_t i, first, last
    cdef str para
    for i in range(len(paragraphs)):
        para = paragraphs[i]
        t = text_of(para)
        first = _lstrip(t, 0, t.length)
        last = _rstrip(t, first, t.length)
        if fullmatch(PyUnicode_Substring(para, first, last)) is not None:
            found.append((i, True))
        elif last > first and char_at(t, last - 1) == u")":
            found.append((i, False))
    return found


cdef inline bint _ticker_char(Py_UCS4 ch, bint first):
    # [A-Z0-9] for the first character, [A-Z0-9.&-] for the others (ASCII only, as in the regex).
    return (u"A" <= ch <= u"Z") or (u"0" <= ch <= u"9") or (not first and (ch == u"." or ch == u"&" or ch == u"-"))


def cut_tickers(str text):
    r"""The text without its `<TICKER>` tags (and the spaces before them), and the tickers in order.

    Mirrors `re.compile(r"\s*<([A-Z0-9][A-Z0-9.&-]{0,9})>")`: its `findall` and `sub("", ...)` in
    one pass. The regex's leading `\s*` left `re` no literal to skip to: it tried a match at every
    character, twice (~2 µs per tagged paragraph on Reuters); here only a "<" starts a test.
    """
    cdef Text t = text_of(text)
    cdef Py_ssize_t pos = 0, at = 0, first, end, start
    cdef list pieces = [], tickers = []
    while at < t.length:
        if char_at(t, at) != u"<":
            at += 1
            continue
        first = at + 1
        if first < t.length and _ticker_char(char_at(t, first), True):
            end = first + 1
            while end < t.length and end - first < 10 and _ticker_char(char_at(t, end), False):
                end += 1
            if end < t.length and char_at(t, end) == u">":
                # `\s*` takes the spaces before the tag, back to the end of the previous match.
                start = at
                while start > pos and is_space(char_at(t, start - 1)):
                    start -= 1
                pieces.append(PyUnicode_Substring(text, pos, start))
                tickers.append(PyUnicode_Substring(text, first, end))
                pos = at = end + 1
                continue
        at += 1
    if not tickers:
        return text, tickers
    pieces.append(PyUnicode_Substring(text, pos, t.length))
    return "".join(pieces), tickers
