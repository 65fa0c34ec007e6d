"""Read one raw input's bytes (size-capped) and decode them to text by evidence: BOM, magic
numbers of binary formats, then charset detection.
"""

from __future__ import annotations

import codecs
import datetime as dt
import functools
import hashlib
import os
import re
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


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Text and the encoding it was read with: BOM, then strict UTF-8, then charset detection.

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
    if data.find(b"\x00", 0, 65536) != -1:
        raise RejectInput("binary", "the file contains NUL bytes (binary data, not text)")
    try:
        return _checked_text(data.decode("utf-8"), "utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes  # only needed for the minority of non-UTF-8 files

    best = from_bytes(data[:1_000_000]).best()
    if best is None:
        raise RejectInput("undecodable", "no text encoding fits these bytes (not UTF-8, no charset detected)")
    encoding = best.encoding
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise RejectInput("undecodable", f"detected {encoding} but the bytes do not decode: {exc}") from exc
    if encoding != "cp1252" and _decodes_same(data, "cp1252", text):
        # Short Latin-1 texts fit several single-byte code pages equally well (the detector said
        # cp1250 for "Café"); when windows-1252, the web's Latin-1, gives the very same text, name it.
        encoding = "cp1252"
    return _checked_text(text, encoding), encoding


def _decodes_same(data: bytes, encoding: str, text: str) -> bool:
    try:
        return data.decode(encoding) == text
    except UnicodeDecodeError:
        return False


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
