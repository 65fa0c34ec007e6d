"""Compiled scans of an article's text for its metadata: sentence ends, years, quotations, and
any of a fixed set of words (agency names).

Why compiled: as `re` passes with a Python step per hit, these scans cost ~25 µs of metadata's
~100 µs per Reuters document (bench.stages --cpu; count_sentences 5, years 5, agency credits 6,
quotations 8). Each walks the text once in C. Each mirrors the regex it replaced exactly (quoted in
its docstring), with the semantics of `re` on str: `\\w` is Py_UNICODE_ISALNUM or "_", `\\s` is
Py_UNICODE_ISSPACE, `\\d` is Py_UNICODE_ISDECIMAL; a character class such as `[A-Z0-9]` is ASCII.
"""

from cpython.unicode cimport Py_UNICODE_ISDECIMAL, Py_UNICODE_TODECIMAL

from pipeline.kernels.text cimport Text, char_at, is_space, is_word_char, text_of

_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st sr jr gen col lt capt sgt rev gov sen rep inc corp co ltd plc no nos vs etc "
    "jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k u.n e.g i.e dipl bzw ca nr z.b".split()
)

# Quantities a year-like number counts ("2000 tonnes"): such a number is no year.
_UNITS = tuple(
    "dlrs dollars tonnes tons shares barrels bpd mln billion million pct percent people cars units feet "
    "metres meters km miles acres hectares".split()
)

cdef Py_ssize_t _QUOTE_LIMIT = 1500  # characters a quotation holds at most


cdef bint _word_at(Text t, Py_ssize_t at, str word):
    """`word` is written at `at` and a word boundary (`\\b`) follows it."""
    cdef Py_ssize_t k, size = len(word)
    if at + size > t.length:
        return False
    for k in range(size):
        if char_at(t, at + k) != word[k]:
            return False
    return is_word_char(word[size - 1]) != (at + size < t.length and is_word_char(char_at(t, at + size)))


# ---- sentences


cdef inline bint _closes(Py_UCS4 ch) noexcept:
    return ch == u'"' or ch == u"”" or ch == u"’" or ch == u")" or ch == u"]"


cdef inline bint _opens(Py_UCS4 ch) noexcept:
    return ch == u'"' or ch == u"“" or ch == u"‘" or ch == u"(" or ch == u"["


cdef inline bint _begins_sentence(Py_UCS4 ch) noexcept:
    return u"A" <= ch <= u"Z" or u"0" <= ch <= u"9" or ch == u"Ä" or ch == u"Ö" or ch == u"Ü"


cdef bint _after_abbreviation(str body, Text t, Py_ssize_t point) except -1:
    """The word before the point at `point` is an abbreviation or an initial ("Mr.", "U.S.", "J. Smith")."""
    cdef Py_ssize_t start = point
    while start > 0 and char_at(t, start - 1) != u" ":
        start -= 1
    # Unicode lower-casing can change a word's length ("İ"): Python's, as before.
    cdef str word = body[start:point].lower().lstrip('("“')
    return word in _ABBREVIATIONS or len(word) == 1 or (len(word) == 3 and word[1] == u".")


def count_sentences(str body, Py_ssize_t paragraphs):
    """Sentences in a body of `paragraphs` paragraphs (each ends at least one sentence).

    A sentence ends where `[.!?]["”’)\\]]*[ \\t]+(?=["“‘(\\[]?[A-Z0-9ÄÖÜ])` matches (at . ! ? and
    closing quotes or brackets, before a space and a capital or digit), unless the word before the
    point is an abbreviation or an initial.
    """
    cdef Text t = text_of(body)
    cdef Py_ssize_t n = t.length, i = 0, closed, k, ends = 0
    cdef Py_UCS4 ch
    while i < n:
        ch = char_at(t, i)
        if ch == u"." or ch == u"!" or ch == u"?":
            closed = i + 1
            while closed < n and _closes(char_at(t, closed)):
                closed += 1
            k = closed
            while k < n and (char_at(t, k) == u" " or char_at(t, k) == u"\t"):
                k += 1
            # The look-ahead: an opening mark is optional, yet none of them begins a sentence itself.
            if k > closed and k < n and (
                _begins_sentence(char_at(t, k))
                or (_opens(char_at(t, k)) and k + 1 < n and _begins_sentence(char_at(t, k + 1)))
            ):
                if ch != u"." or not _after_abbreviation(body, t, i):
                    ends += 1
                i = k
                continue
        i += 1
    return ends + paragraphs


# ---- years


cdef bint _year_at(Text t, Py_ssize_t i) except -1:
    cdef Py_UCS4 first = char_at(t, i), second = char_at(t, i + 1), before, after
    cdef Py_ssize_t k
    if not ((first == u"1" and (second == u"8" or second == u"9")) or (first == u"2" and second == u"0")):
        return False
    if not (Py_UNICODE_ISDECIMAL(char_at(t, i + 2)) and Py_UNICODE_ISDECIMAL(char_at(t, i + 3))):
        return False
    if i > 0:
        before = char_at(t, i - 1)
        if is_word_char(before) or before in u".,$£€/-":
            return False  # part of a longer number or an amount
    k = i + 4
    if k == t.length:
        return True
    after = char_at(t, k)
    if is_word_char(after) or after == u"%":
        return False
    if (after == u"." or after == u",") and k + 1 < t.length and Py_UNICODE_ISDECIMAL(char_at(t, k + 1)):
        return False  # "2000.5", "2,000"
    if is_space(after):
        while k < t.length and is_space(char_at(t, k)):
            k += 1
        for unit in _UNITS:
            if _word_at(t, k, unit):
                return False  # a quantity
    return True


def find_years(str text):
    """Years 1800-2099 a text mentions, sorted, once each: the numbers `re.findall` found with
    `(?:1[89]|20)\\d\\d(?<![\\w.,$£€/-]\\d{4})(?![\\w%]|[.,]\\d|\\s+(?:dlrs|dollars|…|hectares)\\b)`, i.e.
    not part of a longer number, an amount ("$2000") or a quantity ("2000 tonnes").
    """
    cdef Text t = text_of(text)
    cdef Py_ssize_t n = t.length, i = 0
    cdef Py_UCS4 ch
    cdef set found = set()
    while i + 4 <= n:
        ch = char_at(t, i)
        # Most characters open no year: they are passed over here, without a call.
        if (ch == u"1" or ch == u"2") and _year_at(t, i):
            found.add(
                1000 * Py_UNICODE_TODECIMAL(char_at(t, i))
                + 100 * Py_UNICODE_TODECIMAL(char_at(t, i + 1))
                + 10 * Py_UNICODE_TODECIMAL(char_at(t, i + 2))
                + Py_UNICODE_TODECIMAL(char_at(t, i + 3))
            )
            i += 4
        else:
            i += 1
    return sorted(found)


# ---- quotations


cdef inline bint _closes_quotation(Py_UCS4 opening, Py_UCS4 ch) noexcept:
    if opening == u"“":
        return ch == u"”"
    if opening == u'"':
        return ch == u'"'
    if opening == u"„":
        return ch == u"“" or ch == u"”"
    if opening == u"«":
        return ch == u"»"
    if opening == u"‚":
        return ch == u"‘"
    return ch == u"«"


cdef inline bint _quotable(Py_UCS4 opening, Py_UCS4 ch) noexcept:
    """`ch` may stand inside a quotation opened by `opening`."""
    if opening == u"“":
        return ch != u"“" and ch != u"”"
    if opening == u'"':
        return ch != u'"' and ch != u"\n"
    if opening == u"„":
        return ch != u"„" and ch != u"“" and ch != u"”"
    if opening == u"‚":
        return ch != u"‚" and ch != u"‘"
    return ch != u"»" and ch != u"«"


cdef Py_ssize_t _quotation_end(Text t, Py_ssize_t start) noexcept:
    """Where the quotation opened at `start` ends (after its closing mark), or -1 if it does not close:
    the shortest run of 2 to 1500 quotable characters followed by a closing mark."""
    cdef Py_UCS4 opening = char_at(t, start), ch
    cdef Py_ssize_t k
    for k in range(start + 1, t.length):
        ch = char_at(t, k)
        if _closes_quotation(opening, ch) and k - start - 1 >= 2:
            return k + 1
        if not _quotable(opening, ch) or k - start - 1 == _QUOTE_LIMIT:
            return -1
    return -1


def find_quoted(str text):
    """(start, end) of each quoted passage, marks included, as `re.finditer` found them with
    `“([^“”]{2,1500}?)”|"([^"\\n]{2,1500}?)"|„([^„“”]{2,1500}?)[“”]|»([^»«]{2,1500}?)«|«([^«»]{2,1500}?)»|‚([^‚‘]{2,1500}?)‘`:
    English and German marks, French and Swiss guillemets, and German single low-high quotes.
    """
    cdef Text t = text_of(text)
    cdef Py_ssize_t n = t.length, i = 0, end
    cdef Py_UCS4 ch
    cdef list spans = []
    while i < n:
        ch = char_at(t, i)
        if ch == u"“" or ch == u'"' or ch == u"„" or ch == u"»" or ch == u"«" or ch == u"‚":
            end = _quotation_end(t, i)
            if end >= 0:
                spans.append((i, end))
                i = end
                continue
        i += 1
    return spans


# ---- a fixed set of words


cdef class WordSet:
    """Finds any of a fixed set of words, each followed by a word boundary.

    Mirrors `re.finditer` with `(?:word|word|…)\\b`, the words sorted longest first: the longest
    word written at a position wins. Words start with two ASCII characters (checked), so a position
    is rejected by one table look-up of its first two.
    """

    cdef tuple _by_first  # 128 tuples: the words starting with that character, longest first
    cdef unsigned char _firsts[128]  # 1 where a character begins a word: most positions stop at it
    cdef unsigned char _starts[128 * 128]  # 1 where two characters begin a word

    def __init__(self, words):
        table = [[] for _ in range(128)]
        for word in sorted(words, key=len, reverse=True):
            if len(word) < 2 or ord(word[0]) >= 128 or ord(word[1]) >= 128:
                raise ValueError(f"a word must start with two ASCII characters: {word!r}")
            table[ord(word[0])].append(word)
            self._firsts[ord(word[0])] = 1
            self._starts[128 * ord(word[0]) + ord(word[1])] = 1
        self._by_first = tuple(tuple(words) for words in table)

    def find_spans(self, str text):
        """(start, end) of each word found in `text`, in order, not overlapping."""
        cdef Text t = text_of(text)
        cdef Py_ssize_t i = 0
        cdef Py_UCS4 ch, nxt
        cdef list spans = []
        while i + 1 < t.length:
            ch = char_at(t, i)
            if ch >= 128 or not self._firsts[<Py_ssize_t>ch]:
                i += 1
                continue
            nxt = char_at(t, i + 1)
            if nxt < 128 and self._starts[128 * <Py_ssize_t>ch + <Py_ssize_t>nxt]:
                for word in <tuple>self._by_first[<Py_ssize_t>ch]:
                    if _word_at(t, i, word):
                        spans.append((i, i + len(word)))
                        i += len(word) - 1
                        break
            i += 1
        return spans
