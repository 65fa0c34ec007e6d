"""Runs of capitalised words, and the people, organizations and places they name: compiled.

Why compiled: under cProfile on 8,000 Reuters stories, finding the runs with a regex (one match
object each) and classifying each run in Python (entities.find_names, gazetteer.find_mentions and
their per-run helpers) took ~1 s, the largest part of the metadata stage. Here a run is two
offsets found by a C scan of the text, and each run's words are looked up in the tables without
match objects or per-run Python calls. Characters are tested as Python's `re` and `str` test them
(`\w` = Py_UNICODE_ISALNUM or "_", str.isupper/islower of one character = Py_UNICODE_ISUPPER/ISLOWER,
str.split/strip = Py_UNICODE_ISSPACE), so the results are those of the regexes and string methods
the code mirrors (quoted in the comments).
"""

import re

from cpython.bytes cimport PyBytes_FromStringAndSize
from cpython.mem cimport PyMem_Free, PyMem_Malloc, PyMem_Realloc
from libc.string cimport memcpy
from cpython.unicode cimport Py_UCS1, Py_UNICODE_ISALNUM, Py_UNICODE_ISALPHA, Py_UNICODE_ISLOWER, Py_UNICODE_ISUPPER

from pipeline.kernels.text cimport Text, char_or_nul, is_space, is_word_char, text_of


cdef inline bint is_capital(Py_UCS4 c) noexcept:
    return c >= 65 and c <= 90  # [A-Z]


cdef inline bint is_run_capital(Py_UCS4 c) noexcept:
    return (c >= 65 and c <= 90) or (c >= 0xC0 and Py_UNICODE_ISUPPER(c))  # [A-Z] or "Ö", "É", "Ł"


cdef inline bint is_blank(Py_UCS4 c) noexcept:
    return c == 32 or c == 9  # [ \t]


cdef inline bint is_tail(Py_UCS4 c) noexcept:
    return is_word_char(c) or c == 39 or c == 0x2019 or c == 38 or c == 45  # [\w'’&-]


cdef inline bint is_ascii_lower(Py_UCS4 c) noexcept:
    return c >= 97 and c <= 122


cdef Py_ssize_t literal_end(Text t, Py_ssize_t i, const char *literal) noexcept:
    """Where `literal` (ASCII) ends if the text has it at `i`, else -1."""
    cdef Py_ssize_t k = 0
    while literal[k]:
        if char_or_nul(t, i + k) != <Py_UCS4>literal[k]:
            return -1
        k += 1
    return i + k


cdef class Words:
    """A fixed list of ASCII words, as C strings for the scan: handed in from Python (entities.py
    keeps every word list), so that the kernel holds none of its own."""

    cdef list kept  # the bytes objects the pointers point into
    cdef const char **words
    cdef int count

    def __init__(self, words):
        self.kept = [w.encode("ascii") for w in words]
        self.count = len(self.kept)
        self.words = <const char **>PyMem_Malloc(max(1, self.count) * sizeof(const char *))
        if self.words is NULL:
            raise MemoryError()
        for k in range(self.count):
            self.words[k] = self.kept[k]

    def __dealloc__(self):
        PyMem_Free(self.words)


cdef Py_ssize_t token_end(Text t, Py_ssize_t p, Words titles) noexcept:
    """End of the token whose capital is at `p`: `[A-Z](?:TAIL)`, where TAIL is, first match wins,
    an abbreviated title's rest and point ("Mr." "Capt."), `\\.(?:[A-Z]\\.)*` (initials: "U.S.",
    "J.") or `[\\w'’&-]*`."""
    cdef Py_ssize_t q
    cdef int k
    for k in range(titles.count):
        if <Py_UCS4>titles.words[k][0] == char_or_nul(t, p):
            q = literal_end(t, p + 1, titles.words[k] + 1)
            if q >= 0:
                return q
    q = p + 1
    if char_or_nul(t, q) == 46:  # "."
        q += 1
        while is_capital(char_or_nul(t, q)) and char_or_nul(t, q + 1) == 46:
            q += 2
        return q
    while is_tail(char_or_nul(t, q)):
        q += 1
    return q


cdef Py_ssize_t after_joiners(Text t, Py_ssize_t q, Words joiners) noexcept:
    """`(?:(?:JOINER)[ \\t]+)*` from `q` (greedy; at most one joiner can be followed by a blank at a
    position, so there is nothing to backtrack)."""
    cdef Py_ssize_t end
    cdef int k
    cdef bint joined = True
    while joined:
        joined = False
        for k in range(joiners.count):
            end = literal_end(t, q, joiners.words[k])
            if end >= 0 and is_blank(char_or_nul(t, end)):
                while is_blank(char_or_nul(t, end)):
                    end += 1
                q = end
                joined = True
                break
    return q


cdef class Runs:
    """The runs of capitalised words of one text, as (start, end) offsets in order."""

    cdef Py_ssize_t *bounds  # start, end, start, end, …
    cdef Py_ssize_t count
    cdef Py_ssize_t capacity

    def __dealloc__(self):
        PyMem_Free(self.bounds)

    cdef int add(self, Py_ssize_t start, Py_ssize_t end) except -1:
        cdef Py_ssize_t *grown
        if self.count == self.capacity:
            self.capacity = max(16, 2 * self.capacity)
            grown = <Py_ssize_t *>PyMem_Realloc(self.bounds, 2 * self.capacity * sizeof(Py_ssize_t))
            if grown is NULL:
                raise MemoryError()
            self.bounds = grown
        self.bounds[2 * self.count] = start
        self.bounds[2 * self.count + 1] = end
        self.count += 1
        return 0

    def __len__(self):
        return self.count

    def __getitem__(self, Py_ssize_t i):
        if not 0 <= i < self.count:
            raise IndexError(i)
        return self.bounds[2 * i], self.bounds[2 * i + 1]


cdef class RunFinder:
    """Finds the runs of capitalised words in a text ("Federal Reserve Board Chairman Paul Volcker", "U.S.").

    Mirrors `CAP(?<![\\w'’&-]CAP)(?:TAIL)(?:[ \\t]+(?:JOINER[ \\t]+)*CAP(?:TAIL))*` scanned with
    finditer, CAP being a capital letter (`[A-Z]` or any other upper-case letter, "Österreich"): a
    run starts at a capital that does not continue a word ("McDonald", "ex-Soviet") and takes
    capitalised words or initials joined by blanks and name particles. The abbreviated titles whose
    point stays in the run ("Mr.", "Capt.") and the joiners are handed in.
    """

    cdef Words titles, joiners

    def __init__(self, abbreviated_titles, joiners):
        self.titles, self.joiners = Words(abbreviated_titles), Words(joiners)

    def find(self, str text) -> Runs:
        cdef Text t = text_of(text)
        cdef Runs runs = Runs()
        cdef Py_ssize_t p = 0, start, end, q
        while p < t.length:
            if t.kind == 1:  # most texts: skip to the next capital without the per-character kind test
                while p < t.length and not is_run_capital((<Py_UCS1 *>t.data)[p]):
                    p += 1
                if p == t.length:
                    break
            if not is_run_capital(char_or_nul(t, p)) or is_tail(char_or_nul(t, p - 1)):
                p += 1
                continue
            start = p
            end = token_end(t, p, self.titles)
            while is_blank(char_or_nul(t, end)):
                q = end
                while is_blank(char_or_nul(t, q)):
                    q += 1
                q = after_joiners(t, q, self.joiners)
                if not is_run_capital(char_or_nul(t, q)):
                    break
                end = token_end(t, q, self.titles)
            runs.add(start, end)
            p = end
        return runs


cdef class Vocabulary:
    """The words that mark names in one language (pipeline/enrich/wordlists.py says what each holds)."""

    cdef frozenset titles, roles, verbs, not_names, determiners, not_org_acronyms, subject_verbs, lone_given_names
    cdef tuple title_endings, org_endings
    cdef bint acronyms_are_organizations, lone_name_after_verb

    def __init__(
        self,
        frozenset titles,
        tuple title_endings,
        frozenset roles,
        frozenset verbs,
        frozenset not_names,
        frozenset determiners,
        tuple org_endings,
        frozenset not_org_acronyms,
        bint acronyms_are_organizations,
        bint lone_name_after_verb,
        frozenset subject_verbs,
        frozenset lone_given_names,
    ):
        if not all(role.isalpha() and role.islower() for role in roles):
            raise ValueError("role words must be lower-case letters (see after_role)")
        self.titles, self.title_endings, self.roles, self.verbs = titles, title_endings, roles, verbs
        self.not_names, self.determiners, self.org_endings = not_names, determiners, org_endings
        self.not_org_acronyms = not_org_acronyms
        self.acronyms_are_organizations, self.lone_name_after_verb = acronyms_are_organizations, lone_name_after_verb
        self.subject_verbs, self.lone_given_names = subject_verbs, lone_given_names

    cdef bint is_title(self, str w):
        """A title word: listed, or a compound ending like one ("Außenminister", "SPD-Chef")."""
        if w in self.titles:
            return True
        return len(self.title_endings) > 0 and len(w) > 5 and w.lower().endswith(self.title_endings)


cdef class NameFinder:
    """People and organizations named by the runs of a text: the classification entities.py
    describes, over the tables it passes in (those of every language here, one language's
    `Vocabulary` per call)."""

    cdef frozenset suffixes, joiners, particles, given_names, org_prefixes, not_person_words
    cdef dict organizations, demonyms
    cdef object key_of

    def __init__(
        self,
        frozenset suffixes,
        frozenset joiners,
        frozenset particles,
        frozenset given_names,
        frozenset org_prefixes,
        frozenset not_person_words,
        dict organizations,
        dict demonyms,
        key_of,
    ):
        self.suffixes, self.joiners, self.particles = suffixes, joiners, particles
        self.given_names, self.org_prefixes, self.not_person_words = given_names, org_prefixes, not_person_words
        self.organizations, self.demonyms, self.key_of = organizations, demonyms, key_of

    def find(self, str text, Runs runs, list known_organizations, Vocabulary v, dict places):
        """(people, organizations) named in `text`, whose runs are `runs`, in order of first mention,
        each once; `v` is the text's language's words, `places` the place names it can hold."""
        cdef Text t = text_of(text)
        cdef list people = [], orgs = list(known_organizations), words
        cdef Py_ssize_t i, start, end, titled
        cdef str run
        cdef object name, org, key
        cdef bint lone_orgs = v.acronyms_are_organizations or len(v.org_endings) > 0
        for i in range(runs.count):
            start, end = runs.bounds[2 * i], runs.bounds[2 * i + 1]
            if not has_space(t, start, end):
                # One word: a name only right after a role written in lower case ("Kremlin chief Putin")
                # or, where the language allows, a reporting verb ("sagte Merkel").
                if self.after_role(text, t, start, v):
                    run = text[start:end]
                elif v.lone_name_after_verb and word_before(text, t, start) in v.verbs:
                    run = text[start:end]
                elif v.subject_verbs and word_after(text, t, end) in v.subject_verbs and opens_sentence(text, t, start):
                    run = text[start:end]  # "Schulte bestätigte am Donnerstag": a bare noun opens no German sentence
                elif v.lone_given_names and text[start:end] in v.lone_given_names:
                    run = text[start:end]  # "Peter", "Marianne": a first name alone
                elif lone_orgs:
                    org = self.lone_organization(text[start:end], v, places)
                    if org and org not in orgs:
                        orgs.append(org)
                    continue
                else:
                    continue  # in C: most runs stop here
                if run in v.not_names:
                    continue
                name = self.name_from([run], 1, v)
            else:
                words = split_run(text, t, start, end)
                titled = self.last_title(words, v)
                # "Federal Reserve Board Chairman Paul Volcker": an organization before the title, a person after.
                org = self.organization(words[:titled] if titled >= 0 else words, v)
                if org:
                    org = self.organizations.get(self.key_of(org), org)
                    if org not in orgs:
                        orgs.append(org)
                if titled >= 0:
                    name = self.given_person(words[titled + 1 :], v) or self.name_from(words[titled + 1 :], 1, v)
                elif org:
                    continue
                else:
                    name = self.untitled_person(words, text, t, start, end, v)
            if name:
                key = self.key_of(name)
                if key not in places and key not in self.demonyms and key not in self.organizations:
                    people.append(name)
        return merge_surnames(people), orgs

    cdef bint after_role(self, str text, Text t, Py_ssize_t start, Vocabulary v):
        """Whether the word before a run at `start` is a role ("chief Putin"): `text[start - 1] == " "`,
        `text[start - 2].islower()` and the word before in the role words. That word ends at the
        space and, being a role, is the whole stretch of lower-case letters before it: only that
        stretch is looked up before the exact `word_before`."""
        cdef Py_ssize_t a = start - 2
        if start < 2 or char_or_nul(t, start - 1) != 32 or not Py_UNICODE_ISLOWER(char_or_nul(t, start - 2)):
            return False
        while a >= 0 and Py_UNICODE_ISLOWER(char_or_nul(t, a)):
            a -= 1
        return text[a + 1 : start - 1] in v.roles and word_before(text, t, start) in v.roles

    cdef Py_ssize_t last_title(self, list words, Vocabulary v):
        cdef Py_ssize_t i, n = len(words)
        for i in range(n - 1, -1, -1):
            if words[i] in v.titles or (i < n - 1 and v.is_title(words[i])):
                return i
        return -1

    cdef object lone_organization(self, str word, Vocabulary v, dict places):
        """The organization one capitalised word names, where the language marks them: an acronym
        ("SPD", "ORF") or an institution's compound ("Bundesverfassungsgericht")."""
        cdef Py_ssize_t n = len(word)
        cdef str key
        if v.acronyms_are_organizations and 2 <= n <= 6 and word.isupper() and word.isalpha():
            key = self.key_of(word)
            if word in v.not_org_acronyms or key in places or key in self.demonyms:
                return None
            return self.organizations.get(key, word)
        if n > 8 and Py_UNICODE_ISLOWER(word[n - 1]) and word.lower().endswith(v.org_endings):
            for ending in v.org_endings:
                if len(ending) < n and word.lower().endswith(ending):
                    return word  # a compound ("Bundesverfassungsgericht"), not the word itself ("Gericht")
        return None

    cdef object organization(self, list words, Vocabulary v):
        """The organization a run names: a club's or company's prefix and the name after it ("FC
        Bayern", "VfB Stuttgart"), or words up to an institutional suffix and an "of …" after it."""
        cdef Py_ssize_t i, n = len(words), last = -1, start = 0, end
        cdef str w
        cdef bint suffixed = False
        while start < n - 1 and words[start] in v.not_names:
            start += 1
        if n - start >= 2 and words[start] in self.org_prefixes and is_name_shaped(words[start + 1]):
            end = start + 2
            while end < min(n, start + 3) and is_name_shaped(words[end]) and not v.is_title(words[end]):
                end += 1
            return " ".join(words[start:end])
        start = 0
        for w in words:
            if w in self.suffixes:
                suffixed = True
                break
        if not suffixed:
            return None
        for i in range(n):
            if strip_points(words[i]) in self.suffixes:
                last = i
        if last < 0:
            return None
        end = last + 1
        if end + 1 < n and words[end] == "of":
            end = n
        while start < last and (
            words[start] in v.not_names or words[start] in v.titles or words[start] in self.joiners
        ):
            start += 1
        org = strip_points(" ".join(words[start:end]))
        if end - start < 2 and org != "Bundesbank":
            return None  # a suffix alone ("Co", "Group") names nothing
        return org

    cdef object untitled_person(self, list words, str text, Text t, Py_ssize_t start, Py_ssize_t end, Vocabulary v):
        """A name of several words marked by a title or role just before it, a given name, or a
        reporting verb next to it."""
        cdef str prev = word_before(text, t, start)
        if prev in v.titles or prev in v.roles:
            return self.given_person(words, v) or self.name_from(words, 1, v)
        name = self.given_person(words, v)
        if name:
            return name
        if prev in v.verbs or word_after(text, t, end) in v.verbs:
            return self.name_from(words, 2, v)
        return None

    cdef bint is_given_name(self, str w):
        """A given name ("Angela"), or a compound of them ("Frank-Walter")."""
        if w in self.given_names:
            return True
        if "-" not in w:
            return False
        for part in w.split("-"):
            if part not in self.given_names:
                return False
        return True

    cdef object given_person(self, list words, Vocabulary v):
        """A person named by given names (and initials) then a surname, particles allowed ("Angela
        Merkel", "Frank-Walter Steinmeier", "Ursula von der Leyen"), wherever in the run it stands."""
        cdef Py_ssize_t n = len(words), first = 0, k
        while first < n and (words[first] in v.not_names or v.is_title(words[first])):
            first += 1
        while first < n - 1 and not self.is_given_name(words[first]):
            first += 1
        if first >= n - 1:
            return None
        k = first + 1
        while k < n - 1 and (self.is_given_name(words[k]) or is_initial(words[k])):
            k += 1
        while k < n - 1 and words[k] in self.particles:
            k += 1
        surname = words[k][:-2] if is_possessive(words[k]) else words[k]
        if not is_name_shaped(surname) or surname in v.not_names or v.is_title(surname):
            return None
        return " ".join([*words[first:k], surname])

    cdef object name_from(self, list words, Py_ssize_t min_words, Vocabulary v):
        """A personal name from a run's words: no joiners but particles, each word name-shaped."""
        cdef str w
        cdef list kept = []
        cdef Py_ssize_t first = 0
        for w in words:
            if w in self.joiners and w not in self.particles:
                return None
            kept.append(w[:-2] if is_possessive(w) else w)
        while first < len(kept) and kept[first] in v.not_names:
            first += 1
        if not (min_words <= len(kept) - first <= 4):
            return None
        kept = kept[first:]
        if kept[0] in self.particles or kept[len(kept) - 1] in self.particles:
            return None  # "von Apple", "der Firma": a phrase, not a name
        for w in kept:
            if w in self.particles or is_initial(w):
                continue  # "van", "J."
            # `w[:1].isupper() and w[-1:].islower()`: all-caps words and codes are not names
            if not is_name_shaped(w) or w in self.not_person_words or w in self.suffixes:
                return None
        return " ".join(kept)


cdef bint is_elision(Text t, Py_ssize_t start) noexcept:
    """Whether the name at `start` follows an elided article or preposition: "l'Allemagne", "d'Italia"."""
    cdef Py_UCS4 apostrophe = char_or_nul(t, start - 1)
    return (
        (apostrophe == 39 or apostrophe == 0x2019)
        and start >= 2
        and Py_UNICODE_ISALPHA(char_or_nul(t, start - 2))
        and (start == 2 or not is_word_char(char_or_nul(t, start - 3)))
    )


cdef bint opens_sentence(str text, Text t, Py_ssize_t start):
    """Whether the word at `start` opens a sentence: nothing before it, or a word ending one."""
    cdef str prev = word_before(text, t, start)
    return not prev or prev[len(prev) - 1] in ".!?:\"“”»«„"


cdef bint is_initial(str w):
    """"J.": a capital and a point."""
    return len(w) == 2 and w[1] == "."


cdef bint is_name_shaped(str w):
    """`w[:1].isupper() and w[-1:].islower()`"""
    return len(w) > 0 and Py_UNICODE_ISUPPER(w[0]) and Py_UNICODE_ISLOWER(w[len(w) - 1])


cdef list merge_surnames(list names):
    """One entry per person: a lone surname joins the full name that ends with it."""
    cdef dict full_by_last = {}
    cdef str name, last
    for name in names:
        last = last_word(name)
        if len(name.split()) > len(full_by_last.get(last, "").split()):
            full_by_last[last] = name
    return list(dict.fromkeys([full_by_last[last_word(name)] for name in names]))


cdef str last_word(str name):
    cdef list words = name.split()
    return words[len(words) - 1]


cdef bint has_space(Text t, Py_ssize_t start, Py_ssize_t end) noexcept:
    cdef Py_ssize_t i
    for i in range(start, end):
        if char_or_nul(t, i) == 32:
            return True
    return False


cdef list split_run(str text, Text t, Py_ssize_t start, Py_ssize_t end):
    """`run.split()`: a run's words are separated by [ \\t]+ and hold no other white space."""
    cdef list words = []
    cdef Py_ssize_t i = start, word
    while i < end:
        word = i
        while i < end and not is_blank(char_or_nul(t, i)):
            i += 1
        words.append(text[word:i])
        while i < end and is_blank(char_or_nul(t, i)):
            i += 1
    return words


cdef str strip_points(str w):
    """`w.rstrip(".,")`, without a call when there is nothing to strip."""
    cdef Py_UCS4 last = w[len(w) - 1] if w else 0
    return w.rstrip(".,") if last == 46 or last == 44 else w


cdef bint is_possessive(str w):
    """`w.endswith(("'s", "’s"))`"""
    cdef Py_ssize_t n = len(w)
    return n >= 2 and w[n - 1] == "s" and (w[n - 2] == "'" or w[n - 2] == "’")


cdef str word_before(str text, Text t, Py_ssize_t start):
    """The word before offset `start`: `text[space + 1 : start].strip().rstrip(",")` where `space`
    is the last white space in `text[max(0, start - 30) : start - 1]` (at start 0, an empty string)."""
    cdef Py_ssize_t a, b = start, space = start - 2
    if start == 0:
        return ""
    while space >= max(0, start - 30) and not is_space(char_or_nul(t, space)):
        space -= 1
    if space < max(0, start - 30):
        space = -1
    a = space + 1
    while a < b and is_space(char_or_nul(t, a)):
        a += 1
    while b > a and is_space(char_or_nul(t, b - 1)):
        b -= 1
    while b > a and char_or_nul(t, b - 1) == 44:  # ","
        b -= 1
    return text[a:b]


cdef str word_after(str text, Text t, Py_ssize_t end):
    """The first word in the 20 characters from `end`, punctuation stripped:
    `text[end : end + 20].split(maxsplit=1)[0].strip(".,;:")`, "" when there is none."""
    cdef Py_ssize_t limit = min(end + 20, t.length), a = end, b
    while a < limit and is_space(char_or_nul(t, a)):
        a += 1
    b = a
    while b < limit and not is_space(char_or_nul(t, b)):
        b += 1
    while a < b and is_stop(char_or_nul(t, a)):
        a += 1
    while b > a and is_stop(char_or_nul(t, b - 1)):
        b -= 1
    return text[a:b]


cdef inline bint is_stop(Py_UCS4 c) noexcept:
    return c == 46 or c == 44 or c == 59 or c == 58  # . , ; :


# A Bloom filter of the gazetteer's first words, so that a run's word is looked up (as a string)
# only when it may open a name: on Reuters this made find_mentions ~1.5x faster.
cdef enum:
    FILTER_BITS = 65536
    FILTER_BYTES = 8192


cdef inline unsigned long long hash_char(unsigned long long h, unsigned int c) noexcept:
    return (h ^ c) * 1099511628211ULL  # FNV-1a


# ---- the gazetteer's names


cdef enum:
    EXACT = 0  # a name's first letter, upper-cased: as written ("M" of "Moscow")
    FOLD = 1  # a later character: in any case, as `re` folds case
    BLANKS = 2  # a space: one or more white-space characters (`\s+`)


_ASCII = "".join(map(chr, range(128)))
cdef object _ONE = 1  # a Python int: shifted up to 127 places (a C long would overflow)


cdef class NameTrie:
    """The gazetteer's names (lower-case keys): where one starts at an offset, and where each
    starts in a whole text.

    Mirrors what `re` found with one trie-shaped regex: per key, `re.escape(key[0].upper())` and
    then `(?i:…)` of the rest, a space as `\\s+` and an apostrophe as `['’]`, shared prefixes
    factored out and optional suffixes greedy, then `(?![\\w'’-]|\\.\\w)`. So at an offset the first
    path in the trie's sorted order wins whose end the look-ahead accepts: the longest such name.
    Whether a text character matches a key character in any case is asked of `re` itself (a table
    for ASCII, a memo for other characters). Why compiled: the regex's ~6 match calls per Reuters
    story, with their match objects, cost ~3 µs of find_mentions' ~7 µs.
    """

    cdef Py_ssize_t *edge_start  # the edges of node i are edge_start[i] to edge_start[i + 1] - 1
    cdef Py_UCS4 *edge_char
    cdef Py_ssize_t *edge_child
    cdef unsigned char *edge_kind
    cdef unsigned long long *edge_ascii  # per edge, two words of bits: the ASCII characters it matches
    cdef unsigned char *ends  # 1 where a key ends
    cdef dict folds  # (key character, text character) → matches, for text characters beyond ASCII
    cdef Py_ssize_t n_nodes, n_edges

    def __init__(self, keys):
        trie = {}
        for key in keys:
            node = trie
            for ch in key:
                node = node.setdefault(ch, {})
            node[""] = {}
        # Flattened breadth-first; each node's edges in sorted order, as the regex's branches were.
        nodes, edges = [trie], []
        starts = []
        for i, node in enumerate(nodes):
            starts.append(len(edges))
            for ch, child in sorted(node.items()):
                if not ch or (i == 0 and not ch.isalpha()):
                    continue  # a key's end; at the root, a key not opening with a letter (the regex had none)
                if i == 0 and len(ch.upper()) != 1:
                    raise ValueError(f"a name's first letter must upper-case to one letter: {ch!r}")
                edges.append((ch.upper() if i == 0 else ch, len(nodes), EXACT if i == 0 else BLANKS if ch == " " else FOLD))
                nodes.append(child)
        starts.append(len(edges))
        self.edge_start = <Py_ssize_t *>PyMem_Malloc(len(starts) * sizeof(Py_ssize_t))
        self.edge_char = <Py_UCS4 *>PyMem_Malloc(max(1, len(edges)) * sizeof(Py_UCS4))
        self.edge_child = <Py_ssize_t *>PyMem_Malloc(max(1, len(edges)) * sizeof(Py_ssize_t))
        self.edge_kind = <unsigned char *>PyMem_Malloc(max(1, len(edges)))
        self.edge_ascii = <unsigned long long *>PyMem_Malloc(2 * max(1, len(edges)) * sizeof(unsigned long long))
        self.ends = <unsigned char *>PyMem_Malloc(len(nodes))
        if not (self.edge_start and self.edge_char and self.edge_child and self.edge_kind and self.edge_ascii and self.ends):
            raise MemoryError()
        self.folds = {}
        self.n_nodes, self.n_edges = len(nodes), len(edges)
        for i, node in enumerate(nodes):
            self.ends[i] = i > 0 and "" in node
            self.edge_start[i] = starts[i]
        self.edge_start[len(nodes)] = starts[len(nodes)]
        ascii_of = {}  # key character → the ASCII characters it matches, as two words of bits
        for e, (ch, child, kind) in enumerate(edges):
            self.edge_char[e], self.edge_child[e], self.edge_kind[e] = ord(ch), child, kind
            if ch not in ascii_of:
                # Every ASCII character fold_matches accepts, found by one findall over all of them
                # (a fullmatch per character pair was ~40 ms of each process's start).
                bits = sum(_ONE << ord(c) for c in NameTrie.fold_pattern(ch).findall(_ASCII))
                ascii_of[ch] = (bits & 0xFFFFFFFFFFFFFFFF, bits >> 64)
            self.edge_ascii[2 * e], self.edge_ascii[2 * e + 1] = ascii_of[ch]

    def __reduce__(self):
        """Pickled as its arrays: loading the gazetteer's cached trie takes ~1 ms where building it
        took ~18 ms of each worker's start (measured)."""
        cdef Py_ssize_t edges = max(1, self.n_edges)
        return _trie_from_arrays, (
            self.n_nodes,
            self.n_edges,
            PyBytes_FromStringAndSize(<char *>self.edge_start, (self.n_nodes + 1) * sizeof(Py_ssize_t)),
            PyBytes_FromStringAndSize(<char *>self.edge_char, edges * sizeof(Py_UCS4)),
            PyBytes_FromStringAndSize(<char *>self.edge_child, edges * sizeof(Py_ssize_t)),
            PyBytes_FromStringAndSize(<char *>self.edge_kind, edges),
            PyBytes_FromStringAndSize(<char *>self.edge_ascii, 2 * edges * sizeof(unsigned long long)),
            PyBytes_FromStringAndSize(<char *>self.ends, self.n_nodes),
        )

    def __dealloc__(self):
        PyMem_Free(self.edge_start)
        PyMem_Free(self.edge_char)
        PyMem_Free(self.edge_child)
        PyMem_Free(self.edge_kind)
        PyMem_Free(self.edge_ascii)
        PyMem_Free(self.ends)

    @staticmethod
    def fold_pattern(str key_char):
        """The one-character pattern of `key_char` in the trie regex: itself in any case (`re`'s
        folding), and either apostrophe for an apostrophe."""
        pattern = "['’]" if key_char == "'" else re.escape(key_char)
        return re.compile(f"(?i:{pattern})")

    @staticmethod
    def fold_matches(str key_char, str text_char):
        """Whether `re` matches `text_char` to the key character `key_char` in any case."""
        return NameTrie.fold_pattern(key_char).fullmatch(text_char) is not None

    cdef bint edge_matches(self, Py_ssize_t e, Py_UCS4 c) except -1:
        cdef unsigned int code = c
        if self.edge_kind[e] == EXACT:
            return c == self.edge_char[e]
        if code < 128:
            return (self.edge_ascii[2 * e + code // 64] >> (code % 64)) & 1
        pair = (self.edge_char[e], c)
        found = self.folds.get(pair)
        if found is None:
            found = self.folds[pair] = NameTrie.fold_matches(chr(self.edge_char[e]), chr(c))
        return found

    cdef Py_ssize_t walk(self, Text t, Py_ssize_t node, Py_ssize_t at) except -2:
        """End of the first name through `node` from offset `at` that the look-ahead accepts, or -1."""
        cdef Py_ssize_t e, q, end
        cdef Py_UCS4 c = char_or_nul(t, at)
        if at < t.length:
            for e in range(self.edge_start[node], self.edge_start[node + 1]):
                if self.edge_kind[e] == BLANKS:
                    if not is_space(c):
                        continue
                    # `\s+` greedy: the key goes on with a character no white space matches, so
                    # giving back white space can never let it match.
                    q = at + 1
                    while q < t.length and is_space(char_or_nul(t, q)):
                        q += 1
                elif self.edge_matches(e, c):
                    q = at + 1
                else:
                    continue
                end = self.walk(t, self.edge_child[e], q)
                if end >= 0:
                    return end
        if self.ends[node] and not (
            is_word_char(c) or c == 39 or c == 0x2019 or c == 45 or (c == 46 and is_word_char(char_or_nul(t, at + 1)))
        ):
            return at  # (?![\w'’-]|\.\w); char_at is 0 past the end, which none of them is
        return -1

    def match_end(self, str text, Py_ssize_t at):
        """Where the name starting at `at` ends, or -1 when none starts there."""
        return self.walk(text_of(text), 0, at)

    def find_all(self, str text):
        """(start, end) of each name in `text`, left to right, not overlapping (as `re.finditer`)."""
        cdef Text t = text_of(text)
        cdef Py_ssize_t at = 0, end
        cdef list found = []
        while at < t.length:
            end = self.walk(t, 0, at)
            if end >= 0:
                found.append((at, end))
                at = end
            else:
                at += 1
        return found



cdef class MentionFinder:
    """Places, nationality adjectives and organizations named in a text: gazetteer.find_mentions,
    which describes them. `names` are the gazetteer's names, tried where a word of a run opens
    a name (`first_words`); `classify` maps a hit's surface to (organization, place, country)."""

    cdef frozenset first_words
    cdef NameTrie names
    cdef unsigned char filter[FILTER_BYTES]

    def __init__(self, frozenset first_words, NameTrie names):
        cdef str word
        cdef Py_UCS4 c
        cdef unsigned long long h
        self.first_words, self.names = first_words, names
        for word in first_words:
            h = 14695981039346656037ULL
            for c in word:
                h = hash_char(h, c)
            self.filter[(h & (FILTER_BITS - 1)) >> 3] |= 1 << (h & 7)
            self.filter[((h >> 32) & (FILTER_BITS - 1)) >> 3] |= 1 << ((h >> 32) & 7)

    cdef bint may_open_name(self, Text t, Py_ssize_t a, Py_ssize_t b) noexcept:
        """Whether text[a:b], lower-cased as ASCII, may be a first word (False: it is not one)."""
        cdef unsigned long long h = 14695981039346656037ULL
        cdef Py_UCS4 c
        cdef Py_ssize_t i
        for i in range(a, b):
            c = char_or_nul(t, i)
            h = hash_char(h, (<unsigned int>c) | 32 if is_capital(c) else c)  # lower-cased as ASCII
        return (self.filter[(h & (FILTER_BITS - 1)) >> 3] >> (h & 7)) & 1 and (
            self.filter[((h >> 32) & (FILTER_BITS - 1)) >> 3] >> ((h >> 32) & 7)
        ) & 1

    def find(self, str text, Runs runs, classify, frozenset determiners, Words particles):
        """(places, organizations, country hits, place spans) named in `text`, whose runs are `runs`.
        `classify` maps a hit's surface to (organization, place, country) in the text's language; a
        city right after one of its `determiners` is a common word ("das Essen", "einige Male"), and
        a place right before one of its name `particles` and a capital opens a name ("Van der Bellen")."""
        cdef dict places = {}  # an ordered set
        cdef list orgs = [], hits = [], spans = []
        cdef Text t = text_of(text)
        cdef Py_ssize_t start, end, q, named
        cdef Py_UCS4 before
        # Runs start at ASCII capitals only: a text with other letters ("Łódź") is scanned whole.
        for start, end in self.hits_in_runs(text, t, runs) if text.isascii() else self.names.find_all(text):
            before = char_or_nul(t, start - 1)
            if start and (before == 45 or before == 39 or before == 0x2019 or before == 46 or Py_UNICODE_ISALNUM(before)):
                if not is_elision(t, start):
                    continue  # inside a word or a compound ("McDonald", "ex-Soviet")
            org, place, country = classify(text[start:end])
            if org:
                if org not in orgs:
                    orgs.append(org)
            elif place:
                if particles.count and is_blank(char_or_nul(t, end)):
                    q = end + 1
                    while is_blank(char_or_nul(t, q)):
                        q += 1
                    named = after_joiners(t, q, particles)
                    if named > q and is_run_capital(char_or_nul(t, named)):
                        continue
                if determiners and place[2] == "city" and place[0] == text[start:end] and word_before(text, t, start) in determiners:
                    continue  # (a city written by the language's own name for it, "das Moskau", is one)
                places[place] = None
                spans.append((start, end, place))
                if country:
                    hits.append((start, country))
            elif country:
                hits.append((start, country))
        return list(places), orgs, hits, spans

    cdef list hits_in_runs(self, str text, Text t, Runs runs):
        """(start, end) of the names found where a run's word opens one, left to right and not
        overlapping: what a scan of the whole text finds. (That includes the names starting inside a
        compound, which find_mentions drops: "Texas-New Mexico" names no Mexico, nor "U.S.-WEST GERMAN"
        Germany, but which hide the words they span.) A run's words are split at each blank and looked
        up lower-cased (ASCII text: the offsets stay); each part after a hyphen is tried too."""
        cdef list found = []
        cdef Py_ssize_t i, start, end, a, b, h, taken = 0  # a name can span runs: none starts inside the previous one
        for i in range(runs.count):
            start, end = runs.bounds[2 * i], runs.bounds[2 * i + 1]
            a = start
            while a <= end:
                b = a
                while b < end and not is_blank(char_or_nul(t, b)):
                    b += 1
                if self.may_open_name(t, a, b) and text[a:b].lower() in self.first_words:
                    taken = self.try_name(t, a, taken, found)
                for h in range(a, b):
                    if char_or_nul(t, h) == 45:  # "-"
                        taken = self.try_name(t, h + 1, taken, found)
                a = b + 1
            if char_or_nul(t, end - 1) == 46 and char_or_nul(t, end) == 45:
                taken = self.try_name(t, end + 1, taken, found)  # a run stops before a compound's next part ("U.S.-Japan")
        return found

    cdef Py_ssize_t try_name(self, Text t, Py_ssize_t at, Py_ssize_t taken, list found) except -1:
        """The end of the name at `at` (added to `found`), or `taken` when none starts there."""
        cdef Py_ssize_t end
        if at < taken:
            return taken
        end = self.names.walk(t, 0, at)
        if end < 0:
            return taken
        found.append((at, end))
        return end


def salient_countries(str dateline_country, list hits, Py_ssize_t lead_end):
    """Countries the article is about: the dateline's, those named in the title or lead (`hits`
    at offsets before `lead_end`), and those named at least twice. A country named once deep in the
    body (one of a list of producers, a passing comparison) is a place mentioned, not a subject: it
    stays in `places`. In order, once each. (Compiled with the mentions: in Python, the counting and
    the two lists cost ~2.5 µs per Reuters story.)"""
    cdef dict counts = {}
    cdef list salient = [dateline_country] if dateline_country else []
    cdef Py_ssize_t at
    cdef str code
    for _, code in hits:
        counts[code] = counts.get(code, 0) + 1
    for at, code in hits:
        if (at < lead_end or <Py_ssize_t>counts[code] >= 2) and code not in salient:
            salient.append(code)
    return salient


def _trie_from_arrays(Py_ssize_t n_nodes, Py_ssize_t n_edges, bytes starts, bytes chars, bytes children, bytes kinds, bytes ascii, bytes ends):
    """A NameTrie from the arrays its __reduce__ gave (the memo of non-ASCII folds starts empty)."""
    cdef Py_ssize_t edges = max(1, n_edges)
    if (
        len(starts) != (n_nodes + 1) * sizeof(Py_ssize_t) or len(chars) != edges * sizeof(Py_UCS4)
        or len(children) != edges * sizeof(Py_ssize_t) or len(kinds) != edges
        or len(ascii) != 2 * edges * sizeof(unsigned long long) or len(ends) != n_nodes
    ):
        raise ValueError("a NameTrie's arrays of inconsistent sizes")
    cdef NameTrie trie = NameTrie.__new__(NameTrie)
    trie.n_nodes, trie.n_edges, trie.folds = n_nodes, n_edges, {}
    trie.edge_start = <Py_ssize_t *>_copied(starts)
    trie.edge_char = <Py_UCS4 *>_copied(chars)
    trie.edge_child = <Py_ssize_t *>_copied(children)
    trie.edge_kind = <unsigned char *>_copied(kinds)
    trie.edge_ascii = <unsigned long long *>_copied(ascii)
    trie.ends = <unsigned char *>_copied(ends)
    return trie


cdef void* _copied(bytes data) except NULL:
    """`data` in memory of its own (PyMem, freed by NameTrie.__dealloc__)."""
    cdef void* out = PyMem_Malloc(max(1, len(data)))
    if not out:
        raise MemoryError()
    memcpy(out, <const char *>data, len(data))
    return out
