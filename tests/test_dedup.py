"""Exact and near duplicates within a run and across dates, on small literal stories, read back from Parquet."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pyarrow.parquet as pq
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.dedup import duplicates as dedup
from pipeline.enrich import describe
from pipeline.run.partition import run_partition
from pipeline.run.publish import RunSummary
from pipeline.settings import Settings
from tests.conftest import run_cli

TITLE = "Harbour bridge to close to cars after corrosion found"
PARAGRAPHS = [
    "The city council voted on Tuesday to close the old harbour bridge to cars from next spring, after "
    "engineers warned that the steel frame had corroded much faster than anyone had expected.",
    "Cyclists and people on foot will still be allowed to cross while the council looks for the money "
    "to rebuild the span, which has carried traffic over the inner harbour since nineteen twelve.",
    "Shop owners on both banks said the decision would cut trade at the busiest time of the year, and "
    "asked the council to run a free ferry between the two quays until a new bridge is open.",
    "The mayor said safety had to come first and promised a public meeting next month on the plans, "
    "the cost of the work and the timetable for the ferry service that shop owners had asked for.",
]
OTHER_BODY = [
    "A new public library opened its doors on Saturday in the old post office building near the "
    "station, with room for sixty thousand books and a reading garden on its flat roof.",
    "Volunteers spent two years restoring the building, and the first visitors queued from early in "
    "the morning to borrow books, hear a concert and look at photographs of the town a century ago.",
]
D1, D2, D5 = dt.date(2024, 3, 1), dt.date(2024, 3, 2), dt.date(2024, 3, 5)
MTIME = dt.datetime(2024, 3, 1, 6, tzinfo=dt.UTC).timestamp()


def story(title: str = TITLE, paragraphs: list[str] = PARAGRAPHS, tail: str = "") -> str:
    return "\n\n".join([title, *paragraphs, *([tail] if tail else [])]) + "\n"


def change_word(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


def write(folder: Path, files: dict[str, str]) -> Path:
    """Files with one modification time, so that only what a test varies decides the kept copy."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
        os.utime(folder / name, (MTIME, MTIME))
    return folder


def run(raw: Path, out: Path, date: dt.date = D1, **settings) -> RunSummary:
    return run_partition(Settings(raw=str(raw), out=str(out), **settings), date)


def read(out: Path, dataset: str, date: dt.date = D1) -> list[dict]:
    folder = out / dataset / f"date={date.isoformat()}"
    return pq.read_table(folder).to_pylist() if folder.exists() else []


def by_path(rows: list[dict]) -> dict[str, dict]:
    return {row["raw_path"]: row for row in rows}


def test_one_word_changed_is_a_near_duplicate_of_the_original(tmp_path):
    edited = change_word(story(), "Tuesday", "Wednesday")
    raw = write(tmp_path / "raw", {"original.txt": story(), "edited.txt": edited})
    summary = run(raw, tmp_path / "out")
    assert (summary.n_articles, summary.n_duplicates) == (1, 1)
    [dup] = read(tmp_path / "out", "duplicates")
    [kept] = read(tmp_path / "out", "articles")
    assert dup["kind"] == "near" and dup["kept_article_id"] == kept["article_id"]
    assert 0.8 <= dup["similarity"] < 1.0
    assert dup["estimated_similarity"] is not None and abs(dup["estimated_similarity"] - dup["similarity"]) < 0.15
    assert "near copy" in dup["reason"]
    assert kept["duplicate_count"] == 1


def test_appended_paragraph_is_a_near_duplicate_and_the_more_complete_text_is_kept(tmp_path):
    extra = "Work on the new bridge could start in two years if the national government agrees to pay half."
    raw = write(tmp_path / "raw", {"a.txt": story(), "b-longer.txt": story(paragraphs=[*PARAGRAPHS, extra])})
    run(raw, tmp_path / "out")
    [kept] = read(tmp_path / "out", "articles")
    [dup] = read(tmp_path / "out", "duplicates")
    assert kept["raw_path"] == "b-longer.txt"  # same time known: the longer body wins, not file order
    assert dup["raw_path"] == "a.txt" and dup["kind"] == "near" and dup["similarity"] >= 0.8


def test_different_trailer_and_photo_credit_on_the_same_story_is_an_exact_duplicate_after_cleaning(tmp_path):
    credited = [PARAGRAPHS[0], "(Photo: via REUTERS)", *PARAGRAPHS[1:]]
    raw = write(
        tmp_path / "raw",
        {
            "site-a.txt": story(tail="source site-34"),
            "site-b.txt": story(paragraphs=credited, tail="Source: example.com"),
        },
    )
    summary = run(raw, tmp_path / "out")
    assert (summary.n_articles, summary.n_duplicates) == (1, 1)
    [dup] = read(tmp_path / "out", "duplicates")
    assert dup["kind"] == "exact" and dup["similarity"] == 1.0 and dup["estimated_similarity"] is None


def test_same_headline_with_a_different_body_is_not_a_duplicate(tmp_path):
    raw = write(tmp_path / "raw", {"bridge.txt": story(), "library.txt": story(paragraphs=OTHER_BODY)})
    summary = run(raw, tmp_path / "out")
    assert (summary.n_articles, summary.n_duplicates) == (2, 0)


def test_same_body_under_another_companys_headline_is_not_an_exact_duplicate(tmp_path):
    # Wire services send templated items whose body is identical word for word.
    body = ["Qtly div six cts vs six cts prior", "Pay April one", "Record March 20"]
    raw = write(
        tmp_path / "raw",
        {"a.txt": story("ACME TOOLS INC SETS QUARTERLY", body), "b.txt": story("GLOBEX CORP IN QTLY PAYOUT", body)},
    )
    assert run(raw, tmp_path / "out").n_duplicates == 0


def test_kept_copy_is_the_earliest_published_not_the_first_file(tmp_path):
    edited = change_word(story(), "Tuesday", "Monday")
    raw = write(tmp_path / "raw", {"a-2024-02-20-resent.txt": edited, "b-2024-02-18-first.txt": story()})
    run(raw, tmp_path / "out")
    [kept] = read(tmp_path / "out", "articles")
    assert kept["raw_path"] == "b-2024-02-18-first.txt"


def test_near_copies_cluster_transitively(tmp_path):
    a = story()
    b = change_word(change_word(a, "harbour bridge", "harbor bridge"), "nineteen twelve", "nineteen ten")
    c = change_word(change_word(b, "busiest time", "quietest time"), "public meeting", "town meeting")
    raw = write(tmp_path / "raw", {"2024-01-01-a.txt": a, "2024-01-02-b.txt": b, "2024-01-03-c.txt": c})
    run(raw, tmp_path / "out")
    [kept] = read(tmp_path / "out", "articles")
    dups = by_path(read(tmp_path / "out", "duplicates"))
    assert kept["raw_path"] == "2024-01-01-a.txt" and kept["duplicate_count"] == 2
    assert {d["kept_article_id"] for d in dups.values()} == {kept["article_id"]}
    far = dups["2024-01-03-c.txt"]
    assert far["similarity"] < 0.8 and "chain" in far["reason"]


def test_later_date_catches_copies_of_articles_published_earlier(tmp_path):
    raw, out = tmp_path / "raw" / "{date}", tmp_path / "out"
    write(tmp_path / "raw" / D1.isoformat(), {"story.txt": story()})
    write(
        tmp_path / "raw" / D2.isoformat(),
        {"copy.txt": story(), "edited.txt": change_word(story(), "Tuesday", "Monday")},
    )
    run(raw, out, D1)
    summary = run(raw, out, D2)
    assert (summary.n_articles, summary.n_duplicates) == (0, 2)
    [first] = read(out, "articles", D1)
    dups = by_path(read(out, "duplicates", D2))
    assert {d["kept_article_id"] for d in dups.values()} == {first["article_id"]}
    assert {d["kept_date"] for d in dups.values()} == {D1}
    assert dups["copy.txt"]["kind"] == "exact" and dups["edited.txt"]["kind"] == "near"
    assert "published on 2024-03-01" in dups["edited.txt"]["reason"]
    assert (out / "dedup_index" / "date=2024-03-01" / "part-0.parquet").exists()


def test_rerun_of_a_date_replaces_its_index_part_and_never_matches_itself(tmp_path):
    raw = write(tmp_path / "raw", {"story.txt": story()})
    first = run(raw, tmp_path / "out")
    again = run(raw, tmp_path / "out")
    assert (first.n_articles, again.n_articles, again.n_duplicates) == (1, 1, 0)
    assert len(read(tmp_path / "out", "dedup_index")) == 1


def test_deleted_partition_is_no_longer_matched(tmp_path):
    raw, out = tmp_path / "raw" / "{date}", tmp_path / "out"
    write(tmp_path / "raw" / D1.isoformat(), {"story.txt": story()})
    write(tmp_path / "raw" / D2.isoformat(), {"copy.txt": story()})
    run(raw, out, D1)
    run_cli("delete", "--date", D1.isoformat(), "--out", str(out))
    assert not (out / "dedup_index" / "date=2024-03-01").exists()
    assert not (out / "articles" / "date=2024-03-01").exists()
    assert run(raw, out, D2).n_articles == 1


def test_dedup_window_limits_how_far_apart_copies_are_matched(tmp_path):
    raw, out = tmp_path / "raw" / "{date}", tmp_path / "out"
    write(tmp_path / "raw" / D1.isoformat(), {"story.txt": story()})
    write(tmp_path / "raw" / D5.isoformat(), {"copy.txt": story()})
    run(raw, out, D1)
    assert run(raw, out, D5, dedup_window_days=3).n_duplicates == 0
    assert run(raw, out, D5, dedup_window_days=4).n_duplicates == 1


def test_backfilling_an_earlier_date_points_its_copy_at_the_later_published_article(tmp_path):
    # Published partitions are never rewritten: docs/operations.md states this difference from an in-order run.
    raw, out = tmp_path / "raw" / "{date}", tmp_path / "out"
    write(tmp_path / "raw" / D1.isoformat(), {"story.txt": story()})
    write(tmp_path / "raw" / D2.isoformat(), {"copy.txt": story()})
    run(raw, out, D2)
    summary = run(raw, out, D1)
    assert (summary.n_articles, summary.n_duplicates) == (0, 1)
    [dup] = read(out, "duplicates", D1)
    assert dup["kept_date"] == D2


def test_index_made_with_other_minhash_settings_is_rebuilt_from_the_articles(tmp_path):
    raw, out = tmp_path / "raw" / "{date}", tmp_path / "out"
    write(tmp_path / "raw" / D1.isoformat(), {"story.txt": story()})
    write(tmp_path / "raw" / D2.isoformat(), {"edited.txt": change_word(story(), "Tuesday", "Monday")})
    run(raw, out, D1, lsh_bands=16)
    assert run(raw, out, D2).n_duplicates == 1
    [dup] = read(out, "duplicates", D2)
    assert dup["kind"] == "near"


def test_outputs_do_not_depend_on_the_worker_count(tmp_path, sample_raw):
    write(
        sample_raw / "fixtures",
        {"a.txt": story(), "b.txt": change_word(story(), "Tuesday", "Monday"), "c.txt": story(tail="source site-3")},
    )
    assert sum(1 for p in sample_raw.rglob("*") if p.is_file()) >= 64  # enough for the process pool
    run(sample_raw, tmp_path / "serial", workers=1)
    run(sample_raw, tmp_path / "pool", workers=2)
    for dataset in ("articles", "duplicates", "rejects", "dedup_index"):
        assert pq.read_table(tmp_path / "serial" / dataset).equals(pq.read_table(tmp_path / "pool" / dataset))


def test_confirming_in_batches_of_one_candidate_group_gives_the_same_files(tmp_path, monkeypatch):
    """Candidate groups are confirmed a batch at a time (bounded memory): where the batches are cut
    must not change a byte, across dates included."""
    raw = tmp_path / "raw" / "{date}"
    other = story(title="Library opens in the old post office", paragraphs=OTHER_BODY)
    write(Path(str(raw).format(date=D1)), {"a.txt": story(), "lib.txt": other})
    day2 = {
        "b.txt": change_word(story(), "Tuesday", "Monday"),
        "c.txt": story(tail="source site-3"),
        "lib-copy.txt": change_word(other, "Saturday", "Sunday"),
        "lib-exact.txt": other,
    }
    write(Path(str(raw).format(date=D2)), day2)
    for out in (tmp_path / "whole", tmp_path / "cut"):
        if out.name == "cut":
            monkeypatch.setattr(dedup, "_BATCH_NODES", 1)
        run(raw, out, D1)
        run(raw, out, D2)
    assert len(read(tmp_path / "cut", "duplicates", D2)) == 4
    for dataset in ("articles", "duplicates", "rejects", "dedup_index"):
        for date in (D1, D2):
            folder = f"{dataset}/date={date.isoformat()}/part-0.parquet"
            assert (tmp_path / "whole" / folder).read_bytes() == (tmp_path / "cut" / folder).read_bytes(), folder


STORY_PARTS = [
    ("Plain Title", "LONDON, March 3 -", "Shares rose  sharply.\n\nThey fell later."),
    ("", None, "Only a body, no title."),
    ("Titre Ünïcode", None, "Ｆｕｌｌｗｉｄｔｈ ﬁnance\u00a0figures, STRASSE and straße."),
    ("Ends with e", "\u0301ACCENT FIRST", "\u0301combining mark first, then ΣΊΣΥΦΟΣ."),
    ("\u3000Ideographic space title\u2028", "", "Tabs\tand\x1cseparators\u0085too."),
]


def test_article_keys_are_the_body_hash_and_story_key_made_apart():
    for title, dateline, body in STORY_PARTS:
        content_hash, exact_key = dedup.article_keys(title, dateline, body)
        assert content_hash == describe.content_hash(body)
        assert exact_key == dedup.exact_key(dedup.story_text(title, dateline, body))


def test_candidate_pairs_list_each_bucket_in_node_order_and_chain_oversized_buckets():
    """Pairs come out the same whatever order the band keys sort nodes in: within a bucket, the
    smaller node first; a bucket over the size limit pairs each member with the first and the next."""
    import numpy as np

    big = dedup._MAX_BUCKET + 2
    nodes = np.arange(big + 5)  # the last three are published articles (not of the run)
    band_keys = np.zeros((len(nodes), 2), dtype=np.uint64)
    band_keys[:, 0] = np.arange(100, 100 + len(nodes))
    band_keys[:big, 0] = 7  # one oversized bucket: nodes 0..big-1
    band_keys[:, 1] = np.arange(100, 100 + len(nodes))[::-1]  # distinct keys, in reverse node order...
    band_keys[[big + 3, big + 1, 2], 1] = 1  # ...but for a bucket whose keys sort against node order
    band_keys[[big + 4, big + 2], 1] = 9  # and one of published articles only (settled when published)

    a, b = dedup._candidate_pairs(nodes, lambda band: band_keys[:, band], 2, n_run=big + 2)

    chain = [(0, k) for k in range(1, big)] + [(k, k + 1) for k in range(1, big - 1)]
    assert sorted(zip(a.tolist(), b.tolist(), strict=True)) == sorted(
        {*chain, (2, big + 1), (2, big + 3), (big + 1, big + 3)}
    )
    assert list(zip(a.tolist(), b.tolist(), strict=True)) == sorted(zip(a.tolist(), b.tolist(), strict=True))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.integers(0, 3)),  # published_at (few values: ties)
            st.one_of(st.none(), st.integers(0, 3)),  # raw_modified_at
            st.integers(0, 3),  # char_count
            st.sampled_from(["a", "b", "é", "ab", "z", "ß"]),  # article_id (repeats: rows equal in all)
        ),
        max_size=30,
    )
)
def test_keep_order_is_what_a_stable_arrow_sort_of_the_keep_rule_gives(rows):
    """Earliest known time (published, else modified; unknown last), longest body, smallest id, then
    input order: the ranks match pyarrow.compute's stable sort of the same keys."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    def stamp(hours):
        return None if hours is None else dt.datetime(2024, 1, 1, hours, tzinfo=dt.UTC)

    table = pa.table(
        {
            "published_at": pa.array([stamp(r[0]) for r in rows], pa.timestamp("us", tz="UTC")),
            "raw_modified_at": pa.array([stamp(r[1]) for r in rows], pa.timestamp("us", tz="UTC")),
            "char_count": pa.array([r[2] for r in rows], pa.int32()),
            "article_id": pa.array([r[3] for r in rows], pa.string()),
        }
    )
    when = pc.coalesce(table["published_at"], table["raw_modified_at"])
    keys = pa.table({"u": pc.is_null(when), "w": when, "s": pc.negate(table["char_count"]), "i": table["article_id"]})
    order = pc.sort_indices(keys, sort_keys=[(name, "ascending") for name in keys.column_names]).to_numpy()
    expected = np.empty(len(order), dtype=np.int64)
    expected[order] = np.arange(len(order))
    assert dedup._keep_ranks(table).tolist() == expected.tolist()


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 12),  # nodes (at most a bucket's size limit: every bucket lists all its pairs)
    st.integers(1, 4),  # bands
    st.data(),
)
def test_candidate_pairs_are_every_pair_sharing_a_band_key_with_a_run_node(n_nodes, n_bands, data):
    """Keys drawn from a few values, some equal only in their low bits (the search's prefilter
    buckets keys by low bits before sorting): the pairs are exactly those a brute force finds."""
    import numpy as np

    values = [0, 1, 2**40, 2**40 + 1, 2**63 + 1, 7 << 20]  # equal low bits across different keys
    keys = np.array(
        data.draw(
            st.lists(
                st.lists(st.sampled_from(values), min_size=n_bands, max_size=n_bands),
                min_size=n_nodes,
                max_size=n_nodes,
            )
        ),
        dtype=np.uint64,
    )
    n_run = data.draw(st.integers(0, n_nodes))
    nodes = np.arange(n_nodes)
    a, b = dedup._candidate_pairs(nodes, lambda band: keys[:, band].copy(), n_bands, n_run)
    expected = sorted(
        (x, y) for x in range(n_nodes) for y in range(x + 1, n_nodes) if x < n_run and (keys[x] == keys[y]).any()
    )
    assert list(zip(a.tolist(), b.tolist(), strict=True)) == expected
