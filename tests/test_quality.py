"""Quality contract: a partition that breaks it is reported; a run that breaks it is quarantined, not published."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.article.rules import RULES
from pipeline.checks import quality
from pipeline.checks.quality import check_partition
from pipeline.io.parquet import write_partition
from pipeline.io.partitions import read_partition
from tests.conftest import run_cli

DAY = dt.date(2024, 5, 1)


@pytest.fixture
def published(sample_raw: Path, tmp_path: Path) -> Path:
    out = tmp_path / "out"
    run_cli("run", "--date", DAY.isoformat(), "--raw", str(sample_raw), "--out", str(out), "-q")
    return out


def _articles(out: Path) -> pa.Table:
    return read_partition(str(out), "articles", DAY)


def _replace_articles(out: Path, table: pa.Table) -> None:
    write_partition(str(out), "articles", DAY, table)


def test_a_freshly_published_partition_meets_the_contract(published: Path):
    report = check_partition(str(published), DAY, max_reject_rate=0.5)
    assert report.ok, report.failures
    assert report.n_raw == report.n_articles + report.n_duplicates + report.n_rejects > 0
    assert run_cli("check", "--date", DAY.isoformat(), "--out", str(published)).returncode == 0


def test_a_trailer_left_at_the_end_of_a_body_fails_and_names_its_rule(published: Path):
    table = _articles(published)
    bodies = table.column("body").to_pylist()
    bodies[0] += "\n\nsource site-34"
    _replace_articles(published, table.set_column(table.schema.get_field_index("body"), "body", pa.array(bodies)))

    report = check_partition(str(published), DAY, max_reject_rate=0.5)
    assert not report.ok
    assert any("trailer_source_site" in f for f in report.failures)


def test_a_repeated_article_breaks_both_the_invariant_and_unique_ids(published: Path):
    table = _articles(published)
    _replace_articles(published, pa.concat_tables([table, table.slice(0, 1)]))

    failures = " | ".join(check_partition(str(published), DAY, max_reject_rate=0.5).failures)
    assert "invariant broken" in failures
    assert "articles.article_id not unique" in failures


def test_a_partition_without_a_declared_column_fails_the_schema_check(published: Path):
    table = _articles(published)
    _replace_articles(published, table.drop_columns(["tickers"]))

    failures = check_partition(str(published), DAY, max_reject_rate=0.5).failures
    assert any(f.startswith("articles: schema differs") and "tickers" in f for f in failures)


def test_the_raw_count_comes_from_the_latest_run_row_unless_given(published: Path):
    n_articles = _articles(published).num_rows
    assert check_partition(str(published), DAY, 0.5).n_raw == n_articles
    report = check_partition(str(published), DAY, 0.5, n_raw=n_articles + 1)
    assert any("invariant broken" in f for f in report.failures)


STORY = "Council approves budget\n\nThe city council approved the budget on Monday.\n"


def test_a_run_over_the_reject_rate_is_quarantined_and_the_published_partition_stays(tmp_path: Path):
    good, bad, out = tmp_path / "good", tmp_path / "bad", tmp_path / "out"
    good.mkdir()
    (good / "story.txt").write_text(STORY)
    shutil.copytree(good, bad)
    for name in ("a.txt", "b.txt"):
        (bad / name).write_bytes(b"")
    run_cli("run", "--date", DAY.isoformat(), "--raw", str(good), "--out", str(out), "-q")
    before = _published_bytes(out)

    failed = run_cli("run", "--date", DAY.isoformat(), "--raw", str(bad), "--out", str(out), "-q", check=False)

    assert failed.returncode == 4
    assert len(failed.stderr.splitlines()) == 1 and "Traceback" not in failed.stderr
    assert "reject rate 0.667 is over the threshold 0.5" in failed.stderr
    assert _published_bytes(out) == before  # articles, duplicates, rejects and runs: as they were
    [kept] = (out / "_quarantine" / DAY.isoformat()).iterdir()
    assert str(kept) in failed.stderr
    assert "reject rate 0.667" in (kept / "reason.txt").read_text()
    assert pq.read_table(kept / "rejects" / "part-0.parquet").num_rows == 2
    assert [p.name for p in out.rglob("*.tmp")] == []
    assert run_cli("check", "--date", DAY.isoformat(), "--out", str(out)).returncode == 0


def test_publish_anyway_publishes_a_failing_partition_with_a_warning(tmp_path: Path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    (raw / "story.txt").write_text(STORY)
    (raw / "empty.txt").write_bytes(b"")
    args = ("run", "--date", DAY.isoformat(), "--raw", str(raw), "--out", str(out), "--max-reject-rate", "0.2", "-q")

    published = run_cli(*args, "--publish-anyway")

    assert published.stderr.startswith("warning: quality check failed, published anyway")
    assert len(published.stderr.splitlines()) == 1
    assert read_partition(str(out), "rejects", DAY).num_rows == 1
    assert not (out / "_quarantine").exists()
    strict = run_cli("check", "--date", DAY.isoformat(), "--out", str(out), "--max-reject-rate", "0.2", check=False)
    assert strict.returncode == 4 and "reject rate 0.500 is over the threshold 0.2" in strict.stderr


def _published_bytes(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for name in ("articles", "duplicates", "rejects", "runs")
            for p in sorted((out / name).rglob("*.parquet"))}  # fmt: skip


def test_the_audit_reads_the_staged_bodies_and_counts_only_the_published_copy(tmp_path: Path, monkeypatch):
    """With cleaning switched off, a trailer stays in two copies of a story: the audit, before the commit,
    finds it in the one article (the copy is a duplicate), and nothing is published."""
    from pipeline.article import clean
    from pipeline.run.partition import run_partition
    from pipeline.settings import Settings

    monkeypatch.setattr(clean, "strip_boilerplate", lambda paragraphs: (list(paragraphs), clean.Removed()))
    raw = tmp_path / "raw"
    raw.mkdir()
    story = "Council approves budget\n\nThe city council approved the budget on Monday.\n\nsource site-34\n"
    (raw / "a.txt").write_text(story)
    (raw / "b.txt").write_text(story)  # an exact copy: a duplicate, not published
    (raw / "c.txt").write_text("Rain expected\n\nForecasters expect rain across the region on Tuesday.\n")
    out = tmp_path / "out"

    with pytest.raises(quality.QualityError, match="1 article bodies still hold boilerplate") as failed:
        run_partition(Settings(raw=str(raw), out=str(out), workers=2), DAY)

    assert "trailer_source_site" in str(failed.value)
    assert list(out.glob("[!_]*/date=*")) == []  # nothing published, not even an empty partition folder
    assert len(list((out / "_quarantine").rglob("articles/part-0.parquet"))) == 1


def _boilerplate_paragraph_by_paragraph(ids: list[str], bodies: list[str]) -> list[tuple[str, str]]:
    """The specification of quality._boilerplate_found: every paragraph tried against every rule."""
    found = []
    for article_id, body in zip(ids, bodies, strict=True):
        paragraphs = body.split("\n\n")
        rule = next((r for r in RULES if r.where == "tail" and r.match(paragraphs[-1])), None) or next(
            (r for p in paragraphs for r in RULES if r.where == "anywhere" and r.match(p)), None
        )
        if rule is not None:
            found.append((article_id, rule.name))
    return found


# Paragraph text, rule examples among it, glued by every kind of break and white space.
_PIECES = st.sampled_from(
    [example for rule in RULES for example in rule.examples]
    + ["Shares rose 3 pct.", "Read the report", "Photo", "REUTERS", "(Photo: a very long credit", ""]
)
_GLUE = st.sampled_from(["\n\n", "\n\n\n", "\n\n\n\n", "\n", " ", "\n \n", "\t\n\n ", " \n\n"])


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(_PIECES, _GLUE), min_size=1, max_size=6))
def test_the_boilerplate_scan_finds_what_a_paragraph_by_paragraph_check_finds(parts):
    body = "".join(piece + glue for piece, glue in parts)
    for text in (body, body.strip(), body.rstrip(), "Lead paragraph.\n\n" + body):
        assert quality._boilerplate_found(["a"], [text]) == _boilerplate_paragraph_by_paragraph(["a"], [text])
