"""Metadata analysts filter on: datelines, agencies, counts, years, and the seed article end to end."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.article import parse
from pipeline.article.clean import Removed, agencies_in
from pipeline.enrich import metadata
from pipeline.models import Article, RawDoc
from pipeline.run.transform import process_doc
from pipeline.settings import Settings
from tests.conftest import SAMPLE_RAW, SEED_ARTICLE, run_cli


def describe_lead(lead: str, published_at: dt.datetime | None = None) -> tuple[str | None, str, metadata.Metadata]:
    """Cut the dateline from a lead as the pipeline does, then extract the metadata."""
    dateline, rest = parse.extract_dateline(lead)
    meta = metadata.extract_metadata("A title", [rest], dateline, [], published_at, word_count=len(rest.split()))
    return dateline, rest, meta


@pytest.mark.parametrize(
    ("lead", "dateline", "place", "date"),
    [
        ("CLEVELAND, Feb 26 - Standard Oil Co said it will form a unit.", "CLEVELAND, Feb 26 -", "Cleveland", None),
        ("WASHINGTON (Reuters) - The Senate voted on Tuesday.", "WASHINGTON (Reuters) -", "Washington", None),
        ("(CNN) -- A storm hit the coast on Sunday.", "(CNN) --", None, None),
        ("Wien – Die Regierung hat am Montag beschlossen.", "Wien –", "Vienna", None),
        ("BERLIN, 3. März (dpa) - Die Koalition streitet.", "BERLIN, 3. März (dpa) -", "Berlin", None),
        ("SAN JOSE, Calif., March 2 - Apple said sales rose.", "SAN JOSE, Calif., March 2 -", "San Jose", None),
    ],
)
def test_each_dateline_shape_is_cut_from_the_lead_and_parsed(lead, dateline, place, date):
    got_dateline, rest, meta = describe_lead(lead)
    assert got_dateline == dateline
    assert not rest.startswith(dateline)
    assert meta.dateline_place == place
    assert meta.dateline_date == date


def test_dateline_date_takes_its_year_from_the_publication_time():
    published = dt.datetime(1987, 3, 1, tzinfo=dt.UTC)
    _, _, meta = describe_lead("CLEVELAND, Feb 26 - Standard Oil Co said it will form a unit.", published)
    assert meta.dateline_date == dt.date(1987, 2, 26)
    assert meta.published_at == published  # the source's own time wins over the dateline


def test_dateline_with_a_year_gives_the_publication_date_when_the_source_has_none():
    _, _, meta = describe_lead("BERLIN, 3. März 2016 (dpa) - Die Koalition streitet.")
    assert meta.dateline_date == dt.date(2016, 3, 3)
    assert meta.published_at == dt.datetime(2016, 3, 3, tzinfo=dt.UTC)


def test_dateline_place_country_leads_the_countries():
    _, _, meta = describe_lead("CLEVELAND, Feb 26 - Standard Oil Co said it will form a unit.")
    assert meta.countries == ["US"]
    assert meta.places == ["Cleveland"]


def test_salient_countries_are_the_dateline_s_the_lead_s_and_those_named_twice_each_once():
    hits = [(5, "JP"), (40, "US"), (90, "FR"), (120, "US"), (130, "JP"), (150, "DE")]
    # Lead ends at 50: JP and US are in it, US is also named twice, FR and DE only once, late.
    assert metadata.salient_countries("GB", hits, 50) == ["GB", "JP", "US"]
    assert metadata.salient_countries("US", hits, 50) == ["US", "JP"]
    assert metadata.salient_countries(None, hits, 0) == ["JP", "US"]  # in order of their first salient hit
    assert metadata.salient_countries("", [], 10) == []


def test_dateline_agencies_are_credited():
    for lead, agency in [
        ("WASHINGTON (Reuters) - The Senate voted on Tuesday.", "Reuters"),
        ("(CNN) -- A storm hit the coast on Sunday.", "CNN"),
        ("BERLIN, 3. März (dpa) - Die Koalition streitet.", "dpa"),
    ]:
        dateline, rest = parse.extract_dateline(lead)
        meta = metadata.extract_metadata("T", [rest], dateline, agencies_in(Removed(), dateline), None, 5)
        assert agency in meta.agencies


@pytest.mark.parametrize(
    ("text", "agencies"),
    [
        ("Loud the Reuters news agency the two leaders argued.", ["Reuters"]),
        ("The talks failed, according to the Associated Press.", ["AP"]),
        ("Der Kanzler trat zurück (APA, 18.3.2016).", ["APA"]),
        ("The minister told Reuters on Monday that AFP reported it first.", ["Reuters", "AFP"]),
        ("Reuters data and an ap style guide are not credits.", []),
        ("Die Regierung sagte das laut dpa am Montag, berichtete DPA.", ["dpa"]),
        ("Its lawyers told Agence France-Presse and UPI reported it.", ["AFP", "UPI"]),
    ],
)
def test_agencies_credited_in_running_text_are_found_by_canonical_name(text, agencies):
    assert metadata.find_agency_credits(text) == agencies


def test_sentences_are_counted_across_abbreviations_and_initials():
    body = "Mr. Smith went to the U.S. on Monday. J. Doe stayed home! Did it matter?"
    assert metadata.count_sentences(body, 1) == 3
    assert metadata.count_sentences("First paragraph.\n\nSecond paragraph", 2) == 2


def test_years_mentioned_skip_amounts_and_quantities():
    _, _, meta = describe_lead("In 1987 output rose to 2000 tonnes, worth $1999, and 1,987 units; by 2020 it fell.")
    assert meta.years_mentioned == [1987, 2020]


def test_reading_time_follows_the_word_count():
    meta = metadata.extract_metadata("T", ["word " * 476], None, [], None, word_count=476)
    assert meta.reading_time_min == 2.0


@pytest.fixture(scope="module")
def seed() -> Article:
    doc = RawDoc(uri=str(SEED_ARTICLE), rel_path=SEED_ARTICLE.name, size=SEED_ARTICLE.stat().st_size)
    article = process_doc(doc, Settings())
    assert isinstance(article, Article)
    return article


def test_seed_article_quotes_have_their_speakers(seed):
    speakers = {q.speaker for q in seed.quotes}
    assert speakers == {"Ilham Aliyev", "Nikol Pashinyan"}
    aliyev = [q.text for q in seed.quotes if q.speaker == "Ilham Aliyev"]
    assert aliyev == [
        "I think there is a possibility of a peace deal – especially given that Armenia has officially "
        "recognized Karabakh as part of Azerbaijan"
    ]
    pashinyan = [q.text for q in seed.quotes if q.speaker == "Nikol Pashinyan"]
    assert pashinyan[0].startswith("I would like to confirm that Armenia and Azerbaijan")
    assert pashinyan[1].startswith("And based on that")  # the quotation that continues his


def test_seed_article_people_places_and_countries(seed):
    assert seed.people == ["Nikol Pashinyan", "Ilham Aliyev", "Vladimir Putin"]
    for place in ("Armenia", "Azerbaijan", "Moscow", "Nagorno-Karabakh"):
        assert place in seed.places
    assert {"AM", "AZ", "RU"} <= set(seed.countries)


def test_seed_article_agency_is_reuters_also_from_the_body(seed):
    assert seed.agencies == ["Reuters"]
    body_only = metadata.find_agency_credits(seed.body)
    assert body_only == ["Reuters"]  # "Loud the Reuters news agency", not only the photo credit


def test_seed_article_counts(seed):
    assert seed.sentence_count == 22
    assert seed.years_mentioned == [2020]
    assert seed.reading_time_min == round(seed.word_count / metadata.WORDS_PER_MINUTE, 2)


def test_language_is_detected_on_the_german_and_english_samples():
    for folder, lang in (("wikinews_other", "de"), ("wikinews", "en")):
        for path in sorted((SAMPLE_RAW / folder).glob("*.txt"))[:7]:
            article = process_doc(RawDoc(uri=str(path), rel_path=path.name, size=path.stat().st_size), Settings())
            assert (article.language, article.language_score >= 0.99) == (lang, True), path.name


def test_metadata_columns_are_typed_in_parquet_and_lists_are_never_null(sample_raw, tmp_path):
    out = tmp_path / "out"
    run_cli("run", "--raw", str(sample_raw), "--out", str(out), "--date", "2024-05-01")
    table = pq.read_table(out / "articles" / "date=2024-05-01" / "part-0.parquet")
    assert table.schema.field("quotes").type == pa.list_(
        pa.struct([pa.field("text", pa.string(), nullable=False), pa.field("speaker", pa.string())])
    )
    assert table.schema.field("dateline_date").type == pa.date32()
    assert table.schema.field("years_mentioned").type == pa.list_(pa.int16())
    for column in ("quotes", "people", "organizations", "places", "countries", "years_mentioned"):
        assert table.column(column).null_count == 0, column
    rows = table.to_pylist()
    seed = next(r for r in rows if r["raw_path"] == SEED_ARTICLE.name)
    assert seed["quotes"][0] == {"text": seed["quotes"][0]["text"], "speaker": "Ilham Aliyev"}
    assert seed["countries"][:2] == ["AM", "AZ"]
    assert all(r["language"] in ("en", "de") for r in rows)
