"""WARC files: response and resource records holding HTML pages are articles (through the HTML path),
every other record a reject with its reason, each located by its byte offset in the file."""

from __future__ import annotations

import gzip
import uuid
from pathlib import Path

from tests.conftest import read_dataset, run_cli

DATE = "2024-05-01"
PAGE = """<html><head><title>{title}</title>{meta}</head><body><article><h1>{title}</h1>
<p>The harbour ferry resumed its service on Monday after three months of repairs to its engines and
hull, the port authority said. The crossing costs {price} and takes twelve minutes.</p>
<p>About two thousand passengers a day use it in summer, and a second boat is expected to join the
route in June if the sea trials go well, the authority's spokeswoman told reporters on the quay.</p>
</article></body></html>"""


def warc_record(kind: str, uri: str | None, block: bytes, content_type: str, date: str = "2024-04-30T06:00:00Z"):
    """One WARC/1.0 record (headers, block, two CRLFs) and its WARC-Record-ID."""
    record_id = f"<urn:uuid:{uuid.uuid4()}>"
    headers = [f"WARC-Type: {kind}", f"WARC-Record-ID: {record_id}", f"WARC-Date: {date}"]
    if uri:
        headers.append(f"WARC-Target-URI: {uri}")
    headers += [f"Content-Type: {content_type}", f"Content-Length: {len(block)}"]
    return b"WARC/1.0\r\n" + "\r\n".join(headers).encode() + b"\r\n\r\n" + block + b"\r\n\r\n", record_id


def http_response(status: str, content_type: str, body: bytes) -> bytes:
    head = f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


def response(uri: str, status: str, content_type: str, body: bytes):
    return warc_record("response", uri, http_response(status, content_type, body), "application/http; msgtype=response")


def build_warc(path: Path, records: list[bytes], gzipped: bool) -> list[int]:
    """Write the records (each its own gzip member when `gzipped`); returns their byte offsets."""
    offsets, data = [], b""
    for record in records:
        offsets.append(len(data))
        data += gzip.compress(record) if gzipped else record
    path.write_bytes(data)
    return offsets


def test_html_records_of_a_warc_are_articles_and_the_others_rejects_with_reasons(tmp_path):
    pound = PAGE.format(title="Ferry back in service", meta="", price="£2").encode("cp1252")
    utf8 = PAGE.format(title="Ferry timetable", meta='<meta charset="utf-8">', price="€3").encode()
    made = [
        warc_record("warcinfo", None, b"software: test\r\n", "application/warc-fields"),
        warc_record("request", "https://news.example/ferry", b"GET /ferry HTTP/1.1\r\n\r\n", "application/http"),
        response("https://news.example/ferry", "200 OK", "text/html; charset=windows-1252", pound),
        response("https://news.example/gone", "404 Not Found", "text/html", b"<html>gone</html>"),
        response("https://news.example/logo.png", "200 OK", "image/png", b"\x89PNG\r\n\x1a\nxxxx"),
        warc_record("resource", "https://news.example/timetable", utf8, "text/html"),
    ]
    raw = tmp_path / "raw"
    raw.mkdir()
    offsets = build_warc(raw / "crawl.warc.gz", [record for record, _ in made], gzipped=True)
    run_cli("run", "--raw", str(raw), "--out", str(tmp_path / "out"), "--date", DATE, "-q", "--max-reject-rate", "1")

    at = {f"crawl.warc.gz#offset={offset}": record_id for offset, (_, record_id) in zip(offsets, made, strict=True)}
    names = list(at)
    articles = read_dataset(tmp_path / "out", "articles").set_index("raw_path")
    assert sorted(articles.index) == sorted([names[2], names[5]])
    ferry = articles.loc[names[2]]
    assert ferry["title"] == "Ferry back in service"
    assert "costs £2" in ferry["body"]  # the HTTP header's charset, not a guess
    assert ferry["raw_encoding"] == "cp1252"
    assert ferry["warc_record_id"] == at[names[2]]
    assert ferry["warc_target_uri"] == "https://news.example/ferry"
    assert ferry["warc_date"].isoformat() == "2024-04-30T06:00:00+00:00"
    assert ferry["source_url"] == "https://news.example/ferry"
    assert ferry["raw_uri"] == f"{raw / 'crawl.warc.gz'}#offset={offsets[2]}"
    assert "costs €3" in articles.loc[names[5], "body"]

    rejects = read_dataset(tmp_path / "out", "rejects").set_index("raw_path")
    assert rejects["reason"].to_dict() == {
        names[0]: "not_a_page",
        names[1]: "not_a_page",
        names[3]: "not_a_page",
        names[4]: "not_html",
    }
    assert rejects.loc[names[1], "detail"] == "a WARC request record: only response and resource records hold pages"
    assert rejects.loc[names[4], "detail"] == "a WARC response record of image/png: not an HTML page"


def test_a_warc_cut_off_in_a_record_keeps_the_records_before_it(tmp_path):
    page = PAGE.format(title="Ferry back", meta="", price="2 euros").encode()
    records = [response(f"https://news.example/{i}", "200 OK", "text/html; charset=utf-8", page)[0] for i in range(3)]
    raw = tmp_path / "raw"
    raw.mkdir()
    build_warc(raw / "cut.warc", records, gzipped=False)
    data = (raw / "cut.warc").read_bytes()
    (raw / "cut.warc").write_bytes(data[: len(data) - 200])
    run_cli("run", "--raw", str(raw), "--out", str(tmp_path / "out"), "--date", DATE, "-q", "--max-reject-rate", "1")

    landed = {n: sorted(read_dataset(tmp_path / "out", n)["raw_path"]) for n in ("articles", "duplicates", "rejects")}
    assert len(landed["articles"]) + len(landed["duplicates"]) == 2  # (the same page: one kept, one copy)
    rejects = read_dataset(tmp_path / "out", "rejects")
    assert rejects["reason"].tolist() == ["broken_file"]


def test_the_plan_lists_a_warc_page_by_its_byte_range_not_its_bytes(tmp_path):
    from pipeline.ingest.listing import list_raw
    from pipeline.ingest.records import expand

    page = PAGE.format(title="Ferry back", meta="", price="2 euros").encode()
    records = [response(f"https://news.example/{i}", "200 OK", "text/html", page)[0] for i in range(3)]
    offsets = build_warc(tmp_path / "day.warc.gz", records, gzipped=True)
    table = expand(list_raw(str(tmp_path)).table)
    assert table.column("record").null_count == 3  # a day of CC-NEWS is gigabytes: the workers read them
    ends = [*offsets[1:], (tmp_path / "day.warc.gz").stat().st_size]
    assert table.column("context").to_pylist() == [f"{a}-{b}" for a, b in zip(offsets, ends, strict=True)]
    assert table.column("size").to_pylist() == [len(page)] * 3
