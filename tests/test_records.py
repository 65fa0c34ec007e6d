"""Record inputs: every record of a JSONL, CSV/TSV or Parquet file (plain or gzip) is one raw input,
located in its file, landing in exactly one of articles, duplicates and rejects."""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.conftest import SAMPLE_RAW, assert_same_partitions, read_dataset, run_cli

DATE = "2024-05-01"
BODY = (
    "The harbour ferry resumed its service on Monday after three months of repairs to its engines and "
    "hull, the port authority said. The crossing takes twelve minutes and carries about two thousand "
    "passengers a day in summer."
)


def _story(i: int) -> str:
    return f"{BODY} This is report number {i} of the day, about quay {i * 7} and its {i + 2} new cranes."


def _run(raw: Path | str, out: Path, *args: str, check: bool = True):
    return run_cli("run", "--raw", str(raw), "--out", str(out), "--date", DATE, "-q", *args, check=check)


def _landed(out: Path) -> dict[str, list[str]]:
    return {name: sorted(read_dataset(out, name)["raw_path"]) for name in ("articles", "duplicates", "rejects")}


def test_news_please_jsonl_records_are_articles_with_their_fields(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    lines = [
        json.dumps(
            {
                "title": f"Ferry report {i}",
                "maintext": _story(i),
                "url": f"https://news.example/ferry-{i}",
                "date_publish": "2024-04-30 18:05:00",
                "authors": ["Ann Smith", "Bo Li"],
                "language": "en",
            }
        ).encode()
        for i in range(3)
    ]
    (raw / "crawl.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    _run(raw, tmp_path / "out")

    articles = read_dataset(tmp_path / "out", "articles").set_index("raw_path")
    assert sorted(articles.index) == [f"crawl.jsonl#line={n}" for n in (1, 2, 3)]
    first = articles.loc["crawl.jsonl#line=1"]
    assert first["title"] == "Ferry report 0"
    assert first["body"] == _story(0)
    assert first["source_url"] == "https://news.example/ferry-0"
    assert first["author"] == "Ann Smith, Bo Li"
    assert first["published_at"].isoformat() == "2024-04-30T18:05:00+00:00"
    assert first["language"] == "en"
    assert first["raw_uri"] == f"{raw / 'crawl.jsonl'}#line=1"
    assert first["raw_sha256"] == hashlib.sha256(lines[0]).hexdigest()  # the record's own bytes
    assert first["raw_size"] == len(lines[0])


def test_a_broken_record_is_a_reject_with_its_locator_and_the_invariant_counts_records(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    good = [json.dumps({"title": f"Report {i}", "text": _story(i)}) for i in range(3)]
    (raw / "hub.jsonl").write_text("\n".join([good[0], "{broken", "", good[1], "[1, 2]", good[2]]) + "\n")
    _run(raw, tmp_path / "out", "--max-reject-rate", "1")

    assert _landed(tmp_path / "out") == {
        "articles": ["hub.jsonl#line=1", "hub.jsonl#line=4", "hub.jsonl#line=6"],
        "duplicates": [],
        "rejects": ["hub.jsonl#line=2", "hub.jsonl#line=5"],  # line 3 is blank: no record
    }
    rejects = read_dataset(tmp_path / "out", "rejects").set_index("raw_path")
    assert rejects.loc["hub.jsonl#line=2", "reason"] == "bad_record"
    assert "not a JSON object" in rejects.loc["hub.jsonl#line=2", "detail"]
    assert rejects.loc["hub.jsonl#line=5", "detail"] == "a JSON list, not an object of fields"
    runs = read_dataset(tmp_path / "out", "runs")
    assert runs["n_raw"].tolist() == [5]


def test_a_truncated_gzip_file_keeps_the_records_before_the_break(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    text = "".join(json.dumps({"title": f"Report {i}", "text": _story(i)}) + "\n" for i in range(200))
    data = gzip.compress(text.encode())
    (raw / "cut.ndjson.gz").write_bytes(data[: len(data) // 2])
    _run(raw, tmp_path / "out", "--max-reject-rate", "1")

    landed = _landed(tmp_path / "out")
    assert landed["articles"] and all(p.startswith("cut.ndjson.gz#line=") for p in landed["articles"])
    [broken] = landed["rejects"]
    rejects = read_dataset(tmp_path / "out", "rejects")
    assert rejects["reason"].tolist() == ["broken_file"]
    assert broken.startswith("cut.ndjson.gz#broken-after-line=")


def test_csv_and_tsv_rows_are_records_with_the_header_s_text_column(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    with open(raw / "export.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "title", "content", "url"])
        writer.writerow(
            [1, "Quay reopens", _story(1) + "\n\nA second paragraph, quoted in the CSV.", "https://a.example/1"]
        )
        writer.writerow([2, "Cranes arrive", _story(2), "https://a.example/2"])
    with open(raw / "export.tsv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, delimiter="\t")
        writer.writerow(["headline", "body"])
        writer.writerow(["Tide tables", _story(3)])
    _run(raw, tmp_path / "out")

    articles = read_dataset(tmp_path / "out", "articles").set_index("raw_path")
    assert sorted(articles.index) == ["export.csv#row=1", "export.csv#row=2", "export.tsv#row=1"]
    assert articles.loc["export.csv#row=1", "title"] == "Quay reopens"
    assert articles.loc["export.csv#row=1", "body"].endswith("A second paragraph, quoted in the CSV.")
    assert articles.loc["export.csv#row=2", "source_url"] == "https://a.example/2"
    assert articles.loc["export.tsv#row=1", "title"] == "Tide tables"


def test_a_hub_parquet_export_is_read_row_by_row(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    table = pa.table(
        {
            "text": [_story(i) for i in range(4)],
            "title": [f"Hub story {i}" for i in range(4)],
            "url": [f"https://hub.example/{i}" for i in range(4)],
            "date": ["2024-04-29"] * 4,
        }
    )
    pq.write_table(table, raw / "train-00000.parquet", row_group_size=3)
    _run(raw, tmp_path / "out")

    articles = read_dataset(tmp_path / "out", "articles").set_index("raw_path")
    assert sorted(articles.index) == [f"train-00000.parquet#row={n}" for n in (1, 2, 3, 4)]
    assert articles.loc["train-00000.parquet#row=4", "title"] == "Hub story 3"
    assert articles.loc["train-00000.parquet#row=4", "published_at"].date().isoformat() == "2024-04-29"


def test_fields_name_other_columns_and_a_record_without_text_says_which_flag(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "odd.jsonl").write_text(json.dumps({"headline": "Odd names", "story": _story(5), "link": "u"}) + "\n")
    _run(raw, tmp_path / "plain", "--max-reject-rate", "1")
    rejects = read_dataset(tmp_path / "plain", "rejects")
    assert rejects["reason"].tolist() == ["no_text_field"]
    assert "--fields body=NAME" in rejects["detail"][0]
    assert "story" in rejects["detail"][0]  # the record's own fields are listed

    _run(raw, tmp_path / "mapped", "--fields", "body=story,title=headline")
    article = read_dataset(tmp_path / "mapped", "articles").iloc[0]
    assert (article["title"], article["body"]) == ("Odd names", _story(5))


def test_an_unknown_fields_column_is_a_one_line_error(tmp_path):
    proc = _run(tmp_path, tmp_path / "out", "--fields", "headline=title", check=False)
    assert proc.returncode == 2
    assert "unknown column 'headline'" in proc.stderr


def test_text_as_lines_reads_each_line_of_a_text_file_as_an_article(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "dump.txt").write_text("\n".join(_story(i) for i in range(3)) + "\n")
    _run(raw, tmp_path / "out", "--text-as", "lines")
    articles = read_dataset(tmp_path / "out", "articles")
    assert sorted(articles["raw_path"]) == ["dump.txt#line=1", "dump.txt#line=2", "dump.txt#line=3"]
    assert sorted(articles["body"]) == sorted(_story(i) for i in range(3))


def _sample_as_jsonl(path: Path) -> int:
    """The bundled sample's articles as one JSONL record each (text = the file's text)."""
    files = sorted(p for p in SAMPLE_RAW.rglob("*.txt"))
    with open(path, "w", encoding="utf-8") as fh:
        for file in files:
            fh.write(json.dumps({"text": file.read_text(encoding="utf-8"), "url": file.name}) + "\n")
    return len(files)


@pytest.mark.parametrize("shards", ["1", "3"])
def test_records_are_sharded_like_files_the_datasets_do_not_depend_on_the_shard_count(tmp_path, shards):
    raw = tmp_path / "raw"
    raw.mkdir()
    n = _sample_as_jsonl(raw / "sample.jsonl")
    _run(raw, tmp_path / "one", "--shards", "1", "--workers", "1")
    _run(raw, tmp_path / "many", "--shards", shards, "--workers", "2")
    assert_same_partitions(tmp_path / "one", tmp_path / "many", [DATE])
    landed = _landed(tmp_path / "one")
    assert sum(len(paths) for paths in landed.values()) == n


def test_a_glob_of_gzip_files_and_an_fsspec_uri_are_read_as_records(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    for part in range(2):
        text = json.dumps({"title": f"Part {part}", "text": _story(part)}) + "\n"
        (raw / f"part-{part}.jsonl.gz").write_bytes(gzip.compress(text.encode()))
    _run(f"file://{raw}/part-*.jsonl.gz", tmp_path / "out")
    assert _landed(tmp_path / "out")["articles"] == ["part-0.jsonl.gz#line=1", "part-1.jsonl.gz#line=1"]


def test_a_sources_file_s_fields_travel_with_the_landed_files(tmp_path):
    export = tmp_path / "export"
    export.mkdir()
    (export / "feed.jsonl").write_text(json.dumps({"headline": "Mapped", "story": _story(8)}) + "\n")
    sources = tmp_path / "sources.toml"
    sources.write_text(
        f'[[sources]]\nname = "export"\npath = "{export}"\nfields = {{ body = "story", title = "headline" }}\n'
    )
    run_cli("fetch", "--sources", str(sources), "--landing", str(tmp_path / "landing"), "--date", DATE, "-q")
    _run(tmp_path / "landing" / DATE, tmp_path / "out")
    article = read_dataset(tmp_path / "out", "articles").iloc[0]
    assert (article["title"], article["body"]) == ("Mapped", _story(8))


def test_a_text_file_of_json_objects_is_read_as_records(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "export.txt").write_text("".join(json.dumps({"title": f"T{i}", "text": _story(i)}) + "\n" for i in range(3)))
    _run(raw, tmp_path / "out")
    assert _landed(tmp_path / "out")["articles"] == [f"export.txt#line={n}" for n in (1, 2, 3)]
    assert read_dataset(tmp_path / "out", "runs")["n_raw"].tolist() == [3]  # counted by its records


def test_a_text_file_with_a_csv_header_naming_a_text_column_is_read_as_records(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    rows = [["title", "text"], *([f"Story {i}", _story(i)] for i in range(2))]
    with open(raw / "export.txt", "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    _run(raw, tmp_path / "out")
    assert _landed(tmp_path / "out")["articles"] == ["export.txt#row=1", "export.txt#row=2"]


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        ("\n".join(_story(i) * 5 for i in range(12)), "--text-as lines"),  # many long lines: an article a line?
        ("id,headline,words\n" + "\n".join(f"{i},Story {i},{_story(i)!r}" for i in range(3)), "--text-as csv"),
        ("\n".join([json.dumps({"text": _story(1)}), "a line of prose", json.dumps({"text": _story(2)})]), "jsonl"),
    ],
)
def test_a_text_file_that_looks_like_records_but_is_unclear_is_rejected_naming_the_flag(tmp_path, text, flag):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "dump.txt").write_text(text)
    _run(raw, tmp_path / "out", "--max-reject-rate", "1")
    rejects = read_dataset(tmp_path / "out", "rejects")
    assert rejects["reason"].tolist() == ["looks_like_records"]
    assert flag in rejects["detail"][0]


def test_the_articles_of_the_sample_stay_articles_none_looks_like_records(tmp_path):
    from pipeline.ingest.records import sniff

    for path in sorted(SAMPLE_RAW.rglob("*.txt")):
        assert sniff(path.read_text(encoding="utf-8")) is None, path


def test_many_articles_published_as_one_fail_the_quality_check(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "dump.txt").write_text("\n".join(_story(i) * 5 for i in range(200)))
    proc = _run(raw, tmp_path / "out", "--text-as", "article", check=False)
    assert proc.returncode == 4  # quarantined, not published
    assert "far outside the corpus's size range" in proc.stderr
    assert "--text-as lines" in proc.stderr
