"""Read stage: listing order and exclusions, size cap, decoding with detection."""

from __future__ import annotations

import codecs
import datetime as dt
import os

import pytest

from pipeline.ingest import decode
from pipeline.ingest.decode import RejectInput, decode_bytes, load_bytes
from pipeline.ingest.listing import SourceNotFound, list_raw
from pipeline.models import RawDoc

LATIN1_GERMAN = (
    "Die Bürger von Köln wählten am Sonntag einen neuen Oberbürgermeister. "
    "Der Kandidat äußerte sich zufrieden über das Ergebnis und dankte seinen Wählern."
)


def test_listing_is_recursive_sorted_and_skips_hidden_and_excluded_files(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.txt").write_text("x")
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "SOURCES.tsv").write_text("attribution")
    (tmp_path / ".hidden.txt").write_text("x")
    (tmp_path / "_staging").mkdir()
    (tmp_path / "_staging" / "x.txt").write_text("x")
    listing = list_raw(str(tmp_path), exclude=("SOURCES.tsv",))
    assert [d.rel_path for d in listing.docs] == ["a.txt", "b/2.txt"]
    assert listing.excluded == ["SOURCES.tsv"]


def test_listed_modification_times_are_the_files_own_to_the_microsecond(tmp_path):
    times = {"a.txt": 1_700_000_000.1234565, "b.txt": 1_234_567_890.9999996, "c.txt": 0.0, "d.txt": 86_400.5}
    for name, seconds in times.items():
        (tmp_path / name).write_text("x")
        os.utime(tmp_path / name, (seconds, seconds))
    docs = list_raw(str(tmp_path)).docs
    # What datetime itself makes of each file's st_mtime (rounded half to even), epoch included.
    assert {d.rel_path: d.modified_at for d in docs} == {
        name: dt.datetime.fromtimestamp(os.stat(tmp_path / name).st_mtime, tz=dt.UTC) for name in times
    }


def test_glob_lists_only_matching_files(tmp_path):
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "b.html").write_text("x")
    listing = list_raw(str(tmp_path / "*.txt"))
    assert [d.rel_path for d in listing.docs] == ["a.txt"]


def test_missing_source_is_a_clear_error(tmp_path):
    with pytest.raises(SourceNotFound, match="not found"):
        list_raw(str(tmp_path / "nope"))


def test_sidecar_metadata_travels_with_its_file(tmp_path):
    (tmp_path / "a.txt").write_text("Title\n\nBody text here.")
    (tmp_path / "a.txt.meta.json").write_text('{"source_url": "https://example.com/a", "published_at": "2024-05-01"}')
    [doc] = list_raw(str(tmp_path), exclude=("*.meta.json",)).docs
    assert doc.sidecar == {"source_url": "https://example.com/a", "published_at": "2024-05-01"}


def test_file_over_the_size_cap_is_rejected_without_reading(tmp_path):
    doc = RawDoc(uri=str(tmp_path / "does-not-exist.txt"), rel_path="big.txt", size=10_000)
    with pytest.raises(RejectInput) as err:
        load_bytes(doc, max_bytes=1_000)
    assert err.value.reason == "too_large"


def test_a_file_that_grew_after_listing_is_read_whole_up_to_the_cap(tmp_path):
    path = tmp_path / "growing.txt"
    path.write_bytes(b"Headline\n\n" + b"word " * 200)
    listed_small = RawDoc(uri=str(path), rel_path="growing.txt", size=10)
    assert load_bytes(listed_small, max_bytes=10_000) == path.read_bytes()
    with pytest.raises(RejectInput, match="grew while reading") as err:
        load_bytes(listed_small, max_bytes=500)
    assert err.value.reason == "too_large"


def test_a_file_that_shrank_after_listing_is_read_as_it_is_now(tmp_path):
    path = tmp_path / "shrunk.txt"
    path.write_bytes(b"Headline\n\nShort body.")
    assert load_bytes(RawDoc(uri=str(path), rel_path="shrunk.txt", size=5_000), max_bytes=10_000) == path.read_bytes()


def test_a_file_of_its_listed_size_is_read_with_one_read_call(tmp_path, monkeypatch):
    path = tmp_path / "as-listed.txt"
    path.write_bytes(b"Headline\n\nBody text of the article.")
    calls, os_read = [], os.read

    def counted_read(fd, n):
        calls.append(n)
        return os_read(fd, n)

    monkeypatch.setattr(decode.os, "read", counted_read)
    doc = RawDoc(uri=str(path), rel_path="as-listed.txt", size=path.stat().st_size)
    assert load_bytes(doc, max_bytes=10_000) == path.read_bytes()
    assert calls == [path.stat().st_size + 1]


def test_a_file_returned_in_short_reads_is_still_read_whole(tmp_path, monkeypatch):
    path = tmp_path / "slow.txt"
    path.write_bytes(b"Headline\n\n" + b"word " * 100)
    os_read = os.read
    monkeypatch.setattr(decode.os, "read", lambda fd, n: os_read(fd, min(n, 7)))
    for listed in (path.stat().st_size, 10):  # as listed, and grown since listed
        doc = RawDoc(uri=str(path), rel_path="slow.txt", size=listed)
        assert load_bytes(doc, max_bytes=10_000) == path.read_bytes()


def test_control_characters_in_ascii_and_in_unicode_text_are_counted_alike():
    noisy = "Headline " + "\x01" * 20 + " body" * 50  # 20 controls in ~280 characters: binary
    for text in (noisy, noisy + " café"):
        with pytest.raises(RejectInput, match="20 control characters") as err:
            decode_bytes(text.encode())
        assert err.value.reason == "binary"
    assert decode_bytes(b"Headline\x0c\n\tbody text\x0b here")[0] == "Headline\x0c\n\tbody text\x0b here"


def test_utf8_is_decoded_as_utf8():
    text, encoding = decode_bytes("Gruß aus Zürich — “quoted”".encode())
    assert (text, encoding) == ("Gruß aus Zürich — “quoted”", "utf-8")


def test_latin1_file_comes_out_right_without_replacement_characters():
    text, encoding = decode_bytes(LATIN1_GERMAN.encode("latin-1"))
    assert text == LATIN1_GERMAN
    assert "\ufffd" not in text
    assert encoding != "utf-8"


def test_utf16_with_bom_is_decoded():
    data = codecs.BOM_UTF16_LE + "Headline\n\nBody of the story.".encode("utf-16-le")
    text, encoding = decode_bytes(data)
    assert text == "Headline\n\nBody of the story."
    assert encoding == "utf-16"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"  \n\t \r\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00", "binary"),
        (b"text\x00with\x00nuls", "binary"),
        (bytes(range(1, 32)) * 50, "binary"),
    ],
)
def test_unusable_bytes_are_rejected_with_a_reason(data, reason):
    with pytest.raises(RejectInput) as err:
        decode_bytes(data)
    assert err.value.reason == reason
    assert err.value.detail


def test_a_file_listed_without_a_stat_gets_its_size_and_mtime_from_the_file_it_opens(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"x" * 100)
    os.utime(path, (1_600_000_000.5, 1_600_000_000.5))
    doc = RawDoc(uri=str(path), rel_path="a.txt", size=None)
    assert load_bytes(doc, max_bytes=1_000) == b"x" * 100
    assert doc.size == 100
    assert doc.modified_at == dt.datetime.fromtimestamp(1_600_000_000.5, tz=dt.UTC)
    with pytest.raises(RejectInput, match="100 bytes is over the 50-byte limit"):
        load_bytes(RawDoc(uri=str(path), rel_path="a.txt", size=None), max_bytes=50)
