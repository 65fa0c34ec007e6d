"""The GermEval scorer: sentences joined back, grouped by source into articles, matched strict and lenient."""

from __future__ import annotations

from pathlib import Path

from bench import germeval

# Written for this test in the corpus's format: number, token, outer label, nested label.
_TSV = """#\thttp://news.example/a1\t[2009-10-23]
1\tBundeskanzlerin\tO\tO
2\tAngela\tB-PER\tO
3\tMerkel\tI-PER\tO
4\tsprach\tO\tO
5\tin\tO\tO
6\tWien\tB-LOC\tO
7\t.\tO\tO

#\thttp://de.wikipedia.org/wiki/Wien\t[2009-10-23]
1\tWien\tB-LOC\tO
2\tist\tO\tO
3\tgroß\tO\tO
4\t.\tO\tO

#\thttp://news.example/a1\t[2009-10-23]
1\tDie\tO\tO
2\tSPD\tB-ORG\tO
3\tsagte\tO\tO
4\t:\tO\tO
5\t"\tO\tO
6\tNein\tO\tO
7\t"\tO\tO
8\t(\tO\tO
9\tFC\tB-ORG\tO
10\tBayern\tI-ORG\tB-LOC
11\t)\tO\tO
12\t.\tO\tO
"""


def _corpus(tmp_path: Path) -> Path:
    (tmp_path / "NER-de-test.tsv").write_text(_TSV, encoding="utf-8")
    return tmp_path


def test_news_sentences_are_grouped_by_source_and_wikipedia_is_left_out(tmp_path):
    [article] = germeval.load_articles(_corpus(tmp_path))
    assert article.url == "http://news.example/a1"
    assert article.paragraphs == [
        "Bundeskanzlerin Angela Merkel sprach in Wien.",
        'Die SPD sagte: "Nein" (FC Bayern).',
    ]
    assert article.names == {"PER": {"Angela Merkel"}, "LOC": {"Wien"}, "ORG": {"SPD", "FC Bayern"}}
    assert article.nested["LOC"] == {"Bayern"}


def test_a_place_matches_strictly_by_its_canonical_name_and_a_shared_word_only_leniently():
    assert germeval._matches("Vienna", "Wien", "LOC", lenient=False)
    assert not germeval._matches("Merkel", "Angela Merkel", "PER", lenient=False)
    assert germeval._matches("Merkel", "Angela Merkel", "PER", lenient=True)
    assert not germeval._matches("Angela Merkel", "Gerhard Schröder", "PER", lenient=True)


def test_each_article_lands_in_one_fixed_half(tmp_path):
    [article] = germeval.load_articles(_corpus(tmp_path))
    assert article.half in germeval.HALVES
    assert article.half == germeval.LabelledArticle("http://news.example/a1").half


def test_scores_count_found_and_labelled_names_per_half_type_and_mode(tmp_path):
    result = germeval.score(germeval.load_articles(_corpus(tmp_path)))
    [half] = [h for h in germeval.HALVES if result.counts[h]]
    counts = result.counts[half]
    assert counts["PER", "lenient", "labelled"] == 1
    assert counts["ORG", "strict", "labelled"] == 2
    assert counts["LOC", "lenient", "labelled"] == 1
    assert 0 <= result.recall(half, "LOC", "strict") <= result.recall(half, "LOC", "lenient") <= 1
    assert "dev PER misses" in germeval.report(result)
