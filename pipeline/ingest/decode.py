"""Read one raw input's bytes (size-capped) and decode them to text by evidence: magic numbers of
binary formats, a BOM, a declared charset, valid UTF-8, then the letters each candidate decoding gives.
"""

from __future__ import annotations

import codecs
import datetime as dt
import functools
import hashlib
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Callable

import fsspec

from pipeline.models import RawDoc


class RejectInput(Exception):
    """An input that cannot become an article; carries the reject reason code."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def load_bytes(doc: RawDoc, max_bytes: int) -> bytes:
    """The raw bytes of one input, refusing (before reading) anything over the size cap.

    A local file listed without a stat gets its size and mtime here, from the open file (an fstat:
    a stat by path before the open cost ~3 µs a file more, measured); one that cannot be opened
    keeps no size, and its `unreadable` reject says 0 (run.transform._reject).
    """
    if doc.refused:
        raise RejectInput(*doc.refused)
    if doc.record is not None:  # a record: its bytes came with the plan
        _refuse_too_large(len(doc.record), max_bytes)
        return doc.record
    if doc.format == "warc":  # a WARC page: read from its byte range in the file
        from pipeline.ingest.records import warc_payload  # (records reads through this module)

        return warc_payload(doc, max_bytes)
    if doc.size is not None:
        _refuse_too_large(doc.size, max_bytes)
    try:
        if "://" in doc.uri:
            with fsspec.open(doc.uri, "rb") as fh:
                data = _read_capped(fh.read, doc.size, max_bytes)
        else:
            # Local files skip fsspec (its per-open URL parsing cost more than the read itself) and
            # Python's file objects (building one cost 2.5x the read: measured, os.read is 12 -> 5 µs a file).
            fd = os.open(doc.uri, os.O_RDONLY)
            try:
                if doc.size is None:
                    st = os.fstat(fd)
                    doc.size, doc.modified_at = st.st_size, dt.datetime.fromtimestamp(st.st_mtime, tz=dt.UTC)
                    _refuse_too_large(doc.size, max_bytes)
                data = _read_capped(functools.partial(os.read, fd), doc.size, max_bytes)
            finally:
                os.close(fd)
    except PermissionError as exc:
        raise RejectInput("unreadable", f"permission denied: {exc.strerror or exc}") from exc
    except IsADirectoryError as exc:
        raise RejectInput("unreadable", "is a directory, not a file") from exc
    except OSError as exc:
        raise RejectInput("unreadable", f"could not read the file: {exc}") from exc
    if len(data) > max_bytes:
        raise RejectInput("too_large", f"over the {max_bytes:,}-byte limit (grew while reading)")
    return data


def _refuse_too_large(size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise RejectInput("too_large", f"{size:,} bytes is over the {max_bytes:,}-byte limit")


def _read_capped(read: Callable[[int], bytes], size: int, max_bytes: int) -> bytes:
    """Up to `max_bytes` + 1 bytes of a file listed at `size` bytes.

    The listed size (+1 to see growth) is read first: reading max_bytes + 1 at once allocates the
    whole cap for every file, which cost 3x the read itself (measured). A file still of its listed
    size needs no second read to see its end: a read of a regular file returns less than asked
    only at the end of the file, so getting `size` of the `size + 1` bytes asked is the end (one
    system call a file fewer, ~1 µs).
    """
    data = read(size + 1)
    if len(data) < size:  # shrank since it was listed (or a short read): read on to the end
        data += _read_full(read, size + 1 - len(data))
    if len(data) > size:  # grew since it was listed: read on, up to the cap
        data += _read_full(read, max_bytes + 1 - len(data))
    return data


def _read_full(read: Callable[[int], bytes], n: int) -> bytes:
    """`n` bytes, or fewer at the end of the file (a read may return less than asked)."""
    data = read(n)
    while len(data) < n:
        more = read(n - len(data))
        if not more:
            break
        data += more
    return data


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# Signatures of common binary formats, so the reject says what the file actually is.
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"\x1f\x8b", "gzip-compressed data"),
    (b"PK\x03\x04", "a ZIP archive (or DOCX/XLSX)"),
    (b"BZh", "bzip2-compressed data"),
    (b"\xfd7zXZ\x00", "xz-compressed data"),
    (b"\x7fELF", "an executable"),
    (b"PAR1", "a Parquet file"),
)


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


_MAGIC_PREFIXES = tuple(magic for magic, _ in _MAGIC)


_BOM_PREFIXES = tuple(bom for bom, _ in _BOMS)


def decode_bytes(data: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Text and the encoding it was read with, by evidence: a byte-order mark, then the charset the
    carrier declares (`content_type`: an HTTP or WARC header, a fetch sidecar; else an HTML page's
    <meta charset>), then strict UTF-8, then the evidence of the bytes (`_by_evidence`).

    Raises RejectInput for empty, binary or undecodable input.
    """
    if not data or data.isspace():
        raise RejectInput("empty", "the file is empty" if not data else "the file holds only whitespace")
    if data.startswith(_MAGIC_PREFIXES):  # one C call spares most files the loop
        for magic, what in _MAGIC:
            if data.startswith(magic):
                raise RejectInput("binary", f"the file is {what}, not text")
    if data.startswith(_BOM_PREFIXES):
        for bom, encoding in _BOMS:
            if data.startswith(bom):
                try:
                    return _checked_text(data.decode(encoding), encoding), encoding
                except UnicodeDecodeError as exc:
                    raise RejectInput("undecodable", f"has a {encoding} byte-order mark but is not {encoding}") from exc
    declared = declared_charset(data, content_type)
    if declared and declared != "utf-8" and not (declared in _SINGLE_BYTE and _is_utf8_beyond_ascii(data)):
        try:
            return _checked_text(data.decode(declared), declared), declared
        except UnicodeDecodeError:
            pass  # mislabelled: the bytes' evidence decides
    if data.find(b"\x00", 0, 65536) != -1:
        raise RejectInput("binary", "the file contains NUL bytes (binary data, not text)")
    try:
        return _checked_text(data.decode("utf-8"), "utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    text, encoding = _by_evidence(data)
    return _checked_text(text, encoding), encoding


def _is_utf8_beyond_ascii(data: bytes) -> bool:
    """Valid UTF-8 with multi-byte characters: a page labelled latin-1 whose bytes are that is UTF-8
    mislabelled (read as declared, "ü" would become "Ã¼")."""
    if data.isascii():
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


_SINGLE_BYTE = frozenset(("cp1252", "cp1250", "cp1251", "cp1253", "cp1254", "cp1257", "latin-1", "iso8859-15"))
_SINGLE_BYTE |= frozenset(f"iso8859-{n}" for n in range(2, 17))

# Charset labels as browsers read them (the WHATWG Encoding standard): a page labelled latin-1 or
# ASCII is windows-1252, GB2312 and GBK are GB18030, Shift_JIS and EUC-KR their Windows supersets.
_LABELS = {
    **dict.fromkeys(("iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "us-ascii", "ascii"), "cp1252"),
    **dict.fromkeys(("gb2312", "gbk", "x-gbk"), "gb18030"),
    **dict.fromkeys(("shift_jis", "shift-jis", "sjis", "x-sjis", "ms_kanji"), "cp932"),
    **dict.fromkeys(("euc-kr", "ks_c_5601-1987"), "cp949"),
}
_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""<meta\b[^>]{0,300}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE)


def codec_of(label: str) -> str | None:
    """Python's codec for a declared charset label (`_LABELS`), or None when it names none."""
    label = label.strip().lower()
    try:
        return codecs.lookup(_LABELS.get(label, label)).name
    except LookupError:
        return None


def declared_charset(data: bytes, content_type: str | None = None) -> str | None:
    """The charset declared for the bytes: by the Content-Type of their carrier, else by an HTML
    page's <meta charset> or http-equiv in its first 4 KB. None when nothing (usable) is declared."""
    found = _CHARSET.search(content_type) if content_type else None
    if found and codec_of(found.group(1)):
        return codec_of(found.group(1))
    if b"<" in data[:4096]:
        meta = _META_CHARSET.search(data, 0, 4096)
        if meta:
            return codec_of(meta.group(1).decode("ascii"))
    return None


# The letters of the Latin-script languages (lower case, beyond ASCII), as data: a decoding that a
# single language's letters explain is what the writer meant; mojibake mixes letters of several
# (Czech read as windows-1252 gives è, ì, ø and ¹ in one word).
ALPHABETS = {
    "de": "äöüß",
    "fr": "àâæçéèêëîïôœùûüÿ",
    "es": "áéíñóúü",
    "pt": "áâãàçéêíóôõú",
    "it": "àèéìíîòóùú",
    "ca": "àçèéíïòóúü",
    "nl": "áéëïóöü",
    "sv": "åäöé",
    "no": "æøåéóôò",
    "is": "áðéíóúýþæö",
    "fi": "äöå",
    "et": "äöõüšž",
    "cs": "áčďéěíňóřšťúůýž",
    "sk": "áäčďéíĺľňóôŕšťúýž",
    "pl": "ąćęłńóśźż",
    "hu": "áéíóöőúüű",
    "ro": "ăâîșşțţ",
    "hr": "čćđšž",
    "lt": "ąčęėįšųūž",
    "lv": "āčēģīķļņšūž",
    "tr": "çğıöşüâîû",
    "sq": "çë",
}
_ALPHABETS = [frozenset(letters) for letters in ALPHABETS.values()]
# Symbols any language's text may hold, and what windows-1252 has beyond Latin-1.
SYMBOLS = frozenset("«»‹›„“”‘’‚–—…•·°£€$©®™§¿¡½¼×\u00a0\u00ad")
# The single-byte code pages tried for a text that is not UTF-8, in order of preference: the Western
# one first (the web's Latin-1), then Central European. charset-normalizer's guess is tried after them.
CODE_PAGES = ("cp1252", "iso8859-2", "cp1250")


# Double-byte East Asian encodings: which of them, charset-normalizer's frequency tables decide.
DOUBLE_BYTE = ("gb18030", "cp932", "cp949", "big5", "euc_jp")


def _by_evidence(data: bytes) -> tuple[str, str]:
    """The decoding of non-UTF-8 bytes that the evidence supports.

    The candidates are CODE_PAGES, charset-normalizer's best guess (the other scripts: Cyrillic,
    Greek, ...) and its best guess among the DOUBLE_BYTE encodings, each that decodes the bytes.
    They are taken in that order of preference, a later one only when its `_cost` is at least 2 less:
    a mostly-ASCII text with one '£' stays Western (windows-1252, the first), where the detector
    alone said Shift-JIS ('」') or cp1250 ('Ł').
    """
    from charset_normalizer import from_bytes  # only needed for the minority of non-UTF-8 files

    sample = data[:1_000_000]
    guesses = [from_bytes(sample).best(), from_bytes(sample, cp_isolation=list(DOUBLE_BYTE)).best()]
    names = [*CODE_PAGES, *(codec_of(g.encoding) for g in guesses if g is not None)]
    decoded: dict[str, str] = {}
    for name in names:
        if name and name not in decoded:
            try:
                decoded[name] = data.decode(name)
            except UnicodeDecodeError:
                continue
    if not decoded:
        raise RejectInput("undecodable", "no text encoding fits these bytes (not UTF-8, no charset detected)")
    costs = {name: _cost(text, name) for name, text in decoded.items()}
    chosen = next(iter(costs))
    for name, cost in costs.items():  # in order of preference: a later one must cost 2 less
        if cost <= costs[chosen] - 2:
            chosen = name
    return decoded[chosen], chosen


def _cost(text: str, encoding: str) -> int:
    """What speaks against a decoding: the bytes of its non-ASCII characters that neither one language's
    letters (ALPHABETS), one writing system (WRITING_SYSTEMS) nor the common SYMBOLS explain, plus
    two per mojibake mark (`_marks`). Counted in bytes, so that single- and double-byte decodings of
    the same bytes compare."""
    counts = Counter(c.lower() for c in text if c > "\x7f")
    width = {c: len(c.encode(encoding, "replace")) for c in counts}
    explained = sum(n * width[c] for c, n in counts.items() if c in SYMBOLS)
    latin = max(sum(n * width[c] for c, n in counts.items() if c in letters) for letters in _ALPHABETS)
    scripts: Counter = Counter()
    for c, n in counts.items():
        script = None if c in SYMBOLS else _script(c)
        if script:
            scripts[script] += n * width[c]
    systems = max((sum(scripts[s] for s in system) for system in WRITING_SYSTEMS), default=0)
    explained += max(latin, systems, max(scripts.values(), default=0))
    return sum(n * width[c] for c, n in counts.items()) - explained + 2 * _marks(text)


# Scripts written together (Unicode script names' first word): a Japanese text mixes kanji, kana and
# East Asian punctuation, a Korean one Hangul and hanja. Any other script explains its own letters.
WRITING_SYSTEMS = (
    ("CJK", "HIRAGANA", "KATAKANA", "KATAKANA-HIRAGANA", "IDEOGRAPHIC", "FULLWIDTH", "HALFWIDTH"),
    ("HANGUL", "CJK", "IDEOGRAPHIC", "FULLWIDTH", "HALFWIDTH"),
)


def _marks(text: str) -> int:
    """Mojibake marks of a decoding: a non-ASCII symbol that no text writes between two letters (ł read
    as '³' in "P³ock"), two non-ASCII signs against a letter (’ read from GB18030 as '¡¯' in "It¡¯s"),
    a capital after a small letter (the same bytes read as ISO 8859-2: "ItĄŻs"), an East Asian
    character against a Latin letter (a double-byte reading of Latin bytes takes the next letter as its
    second byte: "é" + "t" read as one Chinese character)."""
    marks, last = 0, len(text) - 1
    for i, c in enumerate(text):
        if c <= "\x7f" or c.isspace():
            continue
        before = i > 0 and text[i - 1].isalpha()
        if c >= "\u2e80":
            marks += (i > 0 and text[i - 1].isascii() and text[i - 1].isalpha()) or (
                i < last and text[i + 1].isascii() and text[i + 1].isalpha()
            )
        elif c.isalpha():
            marks += c.isupper() and i > 0 and text[i - 1].islower()
        elif before and i < last and text[i + 1].isalpha() and c not in SYMBOLS:
            marks += 1
        elif i < last and _is_sign(text[i + 1]) and (before or (i + 1 < last and text[i + 2].isalpha())):
            marks += 1
    return marks


def _is_sign(c: str) -> bool:
    return c > "\x7f" and not c.isalpha() and not c.isspace()


def _script(c: str) -> str | None:
    """The non-Latin script of a letter (CYRILLIC, GREEK, HANGUL, ...), or of any East Asian
    character (CJK, HIRAGANA, IDEOGRAPHIC for CJK punctuation, FULLWIDTH forms, ...); else None."""
    if c < "\u2e80" and not unicodedata.category(c).startswith("L"):
        return None
    if "\u3000" <= c <= "\u303f":  # CJK symbols and punctuation (「」、。), named by what they are
        return "IDEOGRAPHIC"
    name = unicodedata.name(c, "")
    return None if name.startswith("LATIN") else name.split(" ", 1)[0]


# C0/C1 control characters other than tab, newlines, vertical tab and form feed.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")


_NOT_CONTROL = bytes(b for b in range(256) if not _CONTROL.match(chr(b)))


def _checked_text(text: str, encoding: str) -> str:
    """Refuse decoded text that is mostly control characters (binary data that happened to decode)."""
    sample = text[:65536]
    if sample.isascii():  # most files: deleting every other byte counts the controls 3x faster than the regex
        controls = len(sample.encode("ascii").translate(None, _NOT_CONTROL))
    else:
        controls = len(_CONTROL.findall(sample))
    if sample and controls / len(sample) > 0.01:
        raise RejectInput(
            "binary", f"{controls} control characters in the first {len(sample)} ({encoding}): binary data"
        )
    return text
