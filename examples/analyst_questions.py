"""Three questions an analyst asks of the processed datasets, answered with `pipeline.readers` and DuckDB.

    make run                                          # publish the bundled sample to data/processed
    .venv/bin/python examples/analyst_questions.py    # or: ... --out path/to/processed

1. Coverage per place over time: how many articles each place got, per publication year.
2. Which agencies are credited most (wire services and photo agencies, across all articles).
3. How many near-duplicates each story had: dropped copies per kept article, by duplicate kind.

Places come from the articles' `places` column when the dataset has one; until then from
`pipeline.readers.places_of`, a stopgap (the dateline's place, else a place named in the title).
"""

from __future__ import annotations

import argparse

import pandas as pd

from pipeline.query import connect
from pipeline.readers import dataset_schema, places_of, read_articles
from pipeline.settings import DEFAULT_OUT


def coverage_per_place(out: str, top: int = 10) -> pd.DataFrame:
    """Articles per place (rows, the `top` most covered) and publication year (columns; else the partition's)."""
    wanted = ("title", "dateline", "places", "published_at", "date")
    articles = read_articles(columns=[c for c in wanted if c in dataset_schema("articles").names], out=out)
    year = articles["published_at"].dt.year.fillna(pd.Series([d.year for d in articles["date"]], index=articles.index))
    per_place = pd.DataFrame({"place": places_of(articles), "year": year.astype(int)}).explode("place").dropna()
    table = per_place.pivot_table(index="place", columns="year", aggfunc="size", fill_value=0)
    table["total"] = table.sum(axis=1)
    return table.sort_values(["total", "place"], ascending=[False, True]).head(top)


def top_agencies(out: str) -> pd.DataFrame:
    """Articles crediting each agency, and their share of all articles."""
    articles = read_articles(columns=["agencies"], out=out)
    counts = articles["agencies"].explode().dropna().value_counts()
    return pd.DataFrame({"articles": counts, "share": (counts / max(len(articles), 1)).round(3)})


def duplicates_per_story(out: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Copies dropped per kept story, one column per duplicate kind; and how many stories had n copies."""
    with connect(out) as con:
        per_story = con.sql(
            """
            pivot (select a.article_id, a.title, a.date as kept_date, d.kind
                   from duplicates d join articles a on a.article_id = d.kept_article_id)
            on kind using count(*) group by article_id, title, kept_date
            """
        ).df()
    per_story = per_story.drop(columns="article_id")
    kinds = [c for c in per_story.columns if c not in ("title", "kept_date")]
    per_story["copies"] = per_story[kinds].sum(axis=1) if kinds else 0
    per_story = per_story.sort_values(["copies", "title"], ascending=[False, True]).reset_index(drop=True)
    histogram = per_story.groupby("copies").size().rename("stories").to_frame()
    return per_story, histogram


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=DEFAULT_OUT, help="root of the processed datasets")
    out = parser.parse_args().out
    pd.set_option("display.width", 160)
    pd.set_option("display.max_colwidth", 70)

    print("1. Coverage per place over time (articles per publication year)")
    print(coverage_per_place(out).to_string(), end="\n\n")
    print("2. Agencies credited most")
    print(top_agencies(out).to_string(), end="\n\n")
    per_story, histogram = duplicates_per_story(out)
    print("3. Near-duplicates per story (copies dropped, by kind)")
    if per_story.empty:
        print("no duplicates published yet")
        return
    print(per_story.head(15).to_string(), end="\n\n")
    print("Stories by number of copies")
    print(histogram.to_string())


if __name__ == "__main__":
    main()
