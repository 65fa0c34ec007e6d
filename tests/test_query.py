"""`newsetl query` runs DuckDB SQL over the four datasets and prints a table, CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
import re

from tests.conftest import run_cli

PER_LANGUAGE = "select language, count(*) as n from articles group by language order by language"


def test_the_four_datasets_are_views_with_the_date_as_a_date(processed):
    sql = (
        "select 'articles' as dataset, typeof(any_value(date)) as t, count(*) as n from articles union all "
        "select 'duplicates', typeof(any_value(date)), count(*) from duplicates union all "
        "select 'rejects', typeof(any_value(date)), count(*) from rejects union all "
        "select 'runs', typeof(any_value(date)), count(*) from runs order by dataset"
    )
    rows = list(csv.DictReader(io.StringIO(run_cli("query", sql, "--out", str(processed), "--format", "csv").stdout)))
    assert [(r["dataset"], r["t"], int(r["n"])) for r in rows] == [
        ("articles", "DATE", 63),
        ("duplicates", "DATE", 63),
        ("rejects", "DATE", 2),
        ("runs", "DATE", 2),
    ]


def test_json_output_keeps_maps_and_dates_readable(processed):
    sql = "select date, n_rejects, reject_reasons from runs order by date"
    records = json.loads(run_cli("query", sql, "--out", str(processed), "-f", "json").stdout)
    assert records == [
        {"date": "2024-05-01", "n_rejects": 2, "reject_reasons": {"binary": 1, "empty": 1}},
        {"date": "2024-05-02", "n_rejects": 0, "reject_reasons": {}},
    ]


def test_the_default_table_shows_the_rows_and_their_count(processed):
    out = run_cli("query", PER_LANGUAGE, "--out", str(processed)).stdout
    assert "language" in out and "2 rows" in out
    assert re.search(r"│ de\s+│ 7\s+│", out)


def test_joins_across_datasets_work(processed):
    sql = (
        "select a.title, count(*) as copies from duplicates d join articles a on a.article_id = d.kept_article_id "
        "where d.date = date '2024-05-01' group by a.title"
    )
    rows = json.loads(run_cli("query", sql, "--out", str(processed), "-f", "json").stdout)
    assert rows == [{"title": "Storm floods Lisbon harbour", "copies": 1}]


def test_bad_sql_exits_2_with_a_one_line_reason(processed):
    result = run_cli("query", "select nope from articles", "--out", str(processed), check=False)
    assert result.returncode == 2
    assert "nope" in result.stderr and "Traceback" not in result.stderr
