"""The whole job on real files: the seed article's structure, datasets, invariant, reruns, dedup across dates."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from pipeline.enrich import metadata
from pipeline.ingest.listing import SourceNotFound
from pipeline.models import RawDoc
from pipeline.run.partition import run_partition
from pipeline.run.transform import process_doc
from pipeline.settings import Settings
from tests.conftest import SEED_ARTICLE, read_dataset

DAY1, DAY2 = dt.date(2024, 5, 1), dt.date(2024, 5, 2)
STORY = (
    "Flood hits town\n\n"
    "Heavy rain flooded the town centre on Sunday, forcing hundreds of residents to leave their homes.\n\n"
    "Emergency services said the water level was expected to fall by Tuesday evening.\n\n"
)


def _run(raw, out, date=DAY1, **kw):
    kw.setdefault("max_reject_rate", 1.0)  # these inputs are mostly broken on purpose: no quarantine
    return run_partition(Settings(raw=str(raw), out=str(out), **kw), date, trigger="test")


@pytest.fixture
def seed(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / SEED_ARTICLE.name).write_bytes(SEED_ARTICLE.read_bytes())
    out = tmp_path / "out"
    _run(raw, out)
    [row] = read_dataset(out, "articles").to_dict("records")
    return row


def test_seed_article_structure_is_recovered(seed):
    assert seed["title"] == "Before the silent Putin: Armenia and Azerbaijan approach each other"
    assert seed["kicker"] == "Before silent Putin"
    assert seed["headline"] == "Armenia and Azerbaijan approach each other"
    assert seed["lead"].startswith("The heads of government of the two countries are meeting in Moscow")
    assert list(seed["subheadings"]) == ["Diplomacy in Russian"]
    assert list(seed["captions"]) == ["As usual, the conversation took place at a large table."]
    assert list(seed["photo_credits"]) == ["REUTERS"]
    assert seed["source_site"] == "site-34"
    assert list(seed["agencies"]) == ["Reuters"]
    assert seed["language"] == "en"
    assert seed["paragraph_count"] == 6


def test_seed_article_body_holds_none_of_the_structure_lines(seed):
    body = seed["body"]
    for line in ("Before silent Putin", "Diplomacy in Russian", "As usual, the conversation", "(Photo", "source site"):
        assert line not in body
    assert not body.startswith(seed["title"])
    assert body.startswith(seed["lead"])
    assert body.endswith("which also spread to other border areas of Armenia and Azerbaijan.")
    assert "“I think there is a possibility of a peace deal – especially" in body  # curly quotes and dash kept


def test_every_input_lands_in_exactly_one_dataset(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text(STORY)
    (raw / "b_copy.txt").write_text(STORY.upper())  # same text, other case: an exact duplicate
    (raw / "c_empty.txt").write_text("")
    (raw / "d_trailer_only.txt").write_text("source site-34\n")
    (raw / "e.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    (raw / "f_title_only.txt").write_text("JUST A HEADLINE\n\n Reuter\n")
    out = tmp_path / "out"
    summary = _run(raw, out)
    articles, dups, rejects = (read_dataset(out, n) for n in ("articles", "duplicates", "rejects"))
    assert summary.n_raw == 6 == len(articles) + len(dups) + len(rejects)
    assert list(articles.raw_path) == ["a.txt"]
    assert list(dups.raw_path) == ["b_copy.txt"]
    assert dups.kept_article_id.tolist() == articles.article_id.tolist()
    assert dict(zip(rejects.raw_path, rejects.reason, strict=True)) == {
        "c_empty.txt": "empty",
        "d_trailer_only.txt": "no_body",
        "e.png": "binary",
        "f_title_only.txt": "no_body",
    }
    assert all(rejects.detail.str.len() > 10)
    assert articles.duplicate_count.tolist() == [1]


def test_rerun_of_a_date_replaces_it_and_never_matches_itself(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text(STORY)
    out = tmp_path / "out"
    _run(raw, out)
    first = (out / "articles" / "date=2024-05-01" / "part-0.parquet").read_bytes()
    _run(raw, out)
    assert (out / "articles" / "date=2024-05-01" / "part-0.parquet").read_bytes() == first
    assert len(read_dataset(out, "articles")) == 1
    assert len(read_dataset(out, "duplicates")) == 0
    assert len(read_dataset(out, "runs")) == 2
    assert not [p for p in out.rglob("*") if p.name.startswith(".")]  # no temp files left behind


def test_copy_published_on_another_date_points_at_the_kept_article(tmp_path):
    day1, day2 = tmp_path / "raw" / "2024-05-01", tmp_path / "raw" / "2024-05-02"
    day1.mkdir(parents=True)
    day2.mkdir(parents=True)
    (day1 / "a.txt").write_text(STORY)
    (day2 / "resent.txt").write_text(STORY.replace("\n\n", "\n\n\n"))  # whitespace differs only
    (day2 / "new.txt").write_text("Other story\n\nSomething else entirely happened in another town today.\n")
    out = tmp_path / "out"
    raw = str(tmp_path / "raw" / "{date}")
    _run(raw, out, DAY1)
    _run(raw, out, DAY2)
    dups = read_dataset(out, "duplicates")
    kept = read_dataset(out, "articles")
    assert dups.raw_path.tolist() == ["resent.txt"]
    assert dups.kept_date.tolist() == [DAY1]
    assert dups.kept_article_id.iloc[0] == kept[kept.raw_path == "a.txt"].article_id.iloc[0]
    assert "published on 2024-05-01" in dups.reason.iloc[0]
    assert sorted(kept.raw_path) == ["a.txt", "new.txt"]


def test_a_dated_raw_template_with_no_folder_for_the_day_publishes_an_empty_partition(tmp_path, caplog):
    (tmp_path / "raw").mkdir()
    out = tmp_path / "out"
    summary = _run(str(tmp_path / "raw" / "{date}"), out)
    assert (summary.n_raw, summary.n_articles) == (0, 0)
    assert read_dataset(out, "articles").empty
    runs = read_dataset(out, "runs")
    assert runs.n_raw.tolist() == [0]
    assert f"no raw folder {tmp_path}/raw/2024-05-01" in caplog.text


def test_a_dated_raw_template_whose_root_is_missing_is_an_error_not_an_empty_day(tmp_path):
    with pytest.raises(SourceNotFound, match=f"raw source not found: {tmp_path}/typo "):
        _run(str(tmp_path / "typo" / "{date}"), tmp_path / "out")
    assert not (tmp_path / "out" / "articles").exists()


def test_run_row_records_counts_params_and_stage_times(tmp_path, sample_raw):
    out = tmp_path / "out"
    summary = _run(sample_raw, out)
    runs = read_dataset(out, "runs")
    assert len(runs) == 1
    row = runs.iloc[0]
    assert row.n_raw == summary.n_raw == row.n_articles + row.n_duplicates + row.n_rejects
    assert row.n_excluded == 2  # the two SOURCES.tsv attribution files
    assert set(dict(row.stage_seconds)) == {"list", "process", "dedup", "write", "audit"}
    assert '"raw":' in row.params
    assert row.partition_date == DAY1
    assert isinstance(row.finished_at, pd.Timestamp)


def test_parallel_workers_produce_identical_files(tmp_path, sample_raw):
    _run(sample_raw, tmp_path / "w1", workers=1)
    _run(sample_raw, tmp_path / "w2", workers=2)
    for name in ("articles", "duplicates", "rejects"):
        one = (tmp_path / "w1" / name / "date=2024-05-01" / "part-0.parquet").read_bytes()
        two = (tmp_path / "w2" / name / "date=2024-05-01" / "part-0.parquet").read_bytes()
        assert one == two, name


def test_sample_wikinews_articles_are_kept_in_their_language(tmp_path, sample_raw):
    out = tmp_path / "out"
    _run(sample_raw, out)
    articles = read_dataset(out, "articles")
    landed = pd.concat([articles.raw_path, read_dataset(out, "duplicates").raw_path])
    assert read_dataset(out, "rejects").empty
    for folder, language in (("wikinews", "en"), ("wikinews_other", "de")):
        assert landed.str.startswith(f"{folder}/").sum() == len(list((sample_raw / folder).glob("*.txt")))
        assert set(articles[articles.raw_path.str.startswith(f"{folder}/")].language) == {language}
    english = articles[articles.raw_path.str.startswith("wikinews/")]
    dated = english[english.raw_path.str.contains(r"/\d{4}-\d{2}-\d{2}_")]
    assert dated.published_at.notna().all()


def test_every_metadata_field_reaches_the_article(tmp_path, monkeypatch):
    path = tmp_path / "a.txt"
    path.write_text("Headline of the story\n\nThe body of the story has enough words to be kept as an article here.")
    doc = RawDoc(uri=str(path), rel_path="a.txt", size=path.stat().st_size)
    # A distinct value in every field, so a field left out of the Article shows as its default.
    made = metadata.Metadata(**{f.name: f"value of {f.name}" for f in dataclasses.fields(metadata.Metadata)})
    monkeypatch.setattr(metadata, "extract_metadata", lambda *args, **kwargs: made)
    article = process_doc(doc, Settings())
    for f in dataclasses.fields(metadata.Metadata):
        assert getattr(article, f.name) == f"value of {f.name}"
