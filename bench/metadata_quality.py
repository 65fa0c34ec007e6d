"""Metadata extraction scored against Reuters-21578's human labels, and what it costs.

    .venv/bin/python -m bench.metadata_quality [--corpus ../shared/corpora/reuters21578] [--limit N]
                                                [--germeval ../shared/corpora/germeval2014]

Runs the real per-document pipeline (process_doc: read, parse, clean, describe, metadata) on
every story, in one process so the timings are comparable, and compares with metadata.jsonl:

- title / dateline: exact match (after trimming spaces) on the stories whose label is not empty
  and that became articles (a BRIEF item is a title alone and is rejected as `no_body`);
- places: our `countries` against the PLACES labels mapped to ISO codes by the same gazetteer
  (micro precision and recall over stories with PLACES labels; the corpus is from 1987, so
  Russia and the USSR count as one: RU is scored as SU);
- people / orgs: recall over stories with labels. A PEOPLE label ("james-baker", "reagan")
  is found when its words end a name we extracted or our name's words end the label;
  an ORGS label is found when its organization is in `organizations`.

Cost: seconds spent in metadata.extract_metadata (plus its one-time table build) as a share of
the whole per-document processing time.

Beside Reuters (English wire copy, 1987), German news: people, organizations and places on the news
sentences of GermEval 2014, per type, strict and lenient, on a dev and a check half, with the
commonest false positives and misses (bench/germeval.py says how they are matched).
"""

from __future__ import annotations

import argparse
import json
import time
import unicodedata
from collections import Counter
from pathlib import Path

from bench import germeval
from pipeline.enrich import gazetteer, metadata
from pipeline.models import Article, RawDoc
from pipeline.run.transform import process_doc
from pipeline.settings import Settings

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora" / "reuters21578"

# Reuters ORGS codes → our canonical organization names (pipeline/gazetteer.py ORGANIZATIONS).
ORG_LABELS = {
    "ec": {"European Community", "European Commission", "European Union"},
    "imf": {"International Monetary Fund"},
    "opec": {"OPEC"},
    "oapec": {"OAPEC"},
    "worldbank": {"World Bank"},
    "gatt": {"GATT"},
    "ico-coffee": {"International Coffee Organization"},
    "oecd": {"OECD"},
    "icco": {"International Cocoa Organization"},
    "adb-asia": {"Asian Development Bank"},
    "adb-africa": {"African Development Bank"},
    "itc": {"International Tin Council"},
    "un": {"United Nations"},
    "unctad": {"UNCTAD"},
    "fao": {"FAO"},
    "inro": {"International Natural Rubber Organization"},
    "eib": {"European Investment Bank"},
    "iea": {"International Energy Agency"},
    "ida": {"International Development Association"},
    "iwc-wheat": {"International Wheat Council"},
    "atpc": {"Association of Tin Producing Countries"},
    "gcc": {"Gulf Cooperation Council"},
    "isa": {"International Sugar Organization"},
    "bis": {"Bank for International Settlements"},
    "asean": {"ASEAN"},
    "escap": {"ESCAP"},
    "eca": {"Economic Commission for Africa"},
    "euratom": {"Euratom"},
    "comecon": {"Comecon"},
    "efta": {"EFTA"},
    "imco": set(),  # the IMCO (now IMO) is not in our table
    "iwcc": set(),
}


def _fold(text: str) -> list[str]:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return ascii_text.lower().replace("-", " ").split()


def _person_found(label: str, people: list[str]) -> bool:
    want = _fold(label)
    for name in people:
        got = _fold(name)
        n = min(len(want), len(got))
        if n and want[-n:] == got[-n:]:
            return True
    return False


# Reuters PLACES codes that are not names a text would use.
PLACE_LABELS = {
    "yemen-arab-republic": "YE",
    "yemen-demo-republic": "YE",
    "trinidad-tobago": "TT",
    "us-virgin-islands": "VI",
}


def _label_country(place: str) -> str | None:
    code = PLACE_LABELS.get(place) or gazetteer.country_of(place)
    return "SU" if code == "RU" else code


def run(corpus: Path, limit: int | None) -> dict:
    records = [json.loads(line) for line in (corpus / "metadata.jsonl").open(encoding="utf-8")]
    records = records[:limit] if limit else records
    settings = Settings(raw=str(corpus / "docs"))

    spent = {"metadata": 0.0}
    extract = metadata.extract_metadata

    def timed(*args, **kwargs):
        tick = time.process_time()
        try:
            return extract(*args, **kwargs)
        finally:
            spent["metadata"] += time.process_time() - tick

    tick = time.process_time()
    gazetteer.tables()  # the one-time build, charged to metadata
    spent["metadata"] += time.process_time() - tick
    metadata.extract_metadata = timed
    total = time.process_time() - tick
    c: Counter = Counter()
    unmapped: Counter = Counter()
    try:
        start = time.process_time()
        for rec in records:
            path = corpus / "docs" / f"{rec['newid']:05d}.txt"
            doc = RawDoc(uri=str(path), rel_path=path.name, size=path.stat().st_size)
            out = process_doc(doc, settings)
            if not isinstance(out, Article):
                c["rejected"] += 1
                continue
            c["articles"] += 1
            if rec["title"].strip():
                c["title_n"] += 1
                c["title_ok"] += out.title.strip() == rec["title"].strip()
            else:
                c["title_unlabelled"] += 1
            if rec["dateline"].strip():
                c["dateline_n"] += 1
                c["dateline_ok"] += (out.dateline or "").strip() == rec["dateline"].strip()
            if rec["places"]:
                truth = set()
                for place in rec["places"]:
                    code = _label_country(place)
                    if code:
                        truth.add(code)
                    else:
                        unmapped[place] += 1
                got = {"SU" if code == "RU" else code for code in out.countries}
                c["places_docs"] += 1
                c["places_tp"] += len(got & truth)
                c["places_fp"] += len(got - truth)
                c["places_fn"] += len(truth - got)
            for person in rec["people"]:
                c["people_n"] += 1
                c["people_ok"] += _person_found(person, out.people)
            for org in rec["orgs"]:
                c["orgs_n"] += 1
                c["orgs_ok"] += bool(ORG_LABELS.get(org, set()) & set(out.organizations))
        total += time.process_time() - start
    finally:
        metadata.extract_metadata = extract
    return {"counts": c, "unmapped": unmapped, "seconds_total": total, "seconds_metadata": spent["metadata"]}


def _rate(ok: int, n: int) -> str:
    return f"{ok / n:.3f}" if n else "n/a"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--limit", type=int, default=None, help="score only the first N stories")
    ap.add_argument("--germeval", type=Path, default=germeval.DEFAULT_CORPUS, help="GermEval 2014 folder")
    args = ap.parse_args()
    result = run(args.corpus, args.limit)
    c = result["counts"]
    precision = c["places_tp"] / max(1, c["places_tp"] + c["places_fp"])
    recall = c["places_tp"] / max(1, c["places_tp"] + c["places_fn"])
    rows = [
        ("title exact match", _rate(c["title_ok"], c["title_n"]), "≥ 0.99", f"{c['title_n']} labelled articles"),
        ("dateline exact match", _rate(c["dateline_ok"], c["dateline_n"]), "≥ 0.97", f"{c['dateline_n']} labelled"),
        ("places precision (ISO)", f"{precision:.3f}", "≥ 0.80", f"{c['places_docs']} stories with PLACES"),
        ("places recall (ISO)", f"{recall:.3f}", "≥ 0.70", f"{c['places_tp'] + c['places_fn']} labels"),
        ("people recall", _rate(c["people_ok"], c["people_n"]), "—", f"{c['people_n']} PEOPLE labels"),
        ("orgs recall", _rate(c["orgs_ok"], c["orgs_n"]), "—", f"{c['orgs_n']} ORGS labels"),
    ]
    print(
        f"Reuters-21578: {c['articles']} articles, {c['rejected']} rejected (title-only BRIEFs, empty), "
        f"{c['title_unlabelled']} articles with an empty title label (not scored)"
    )
    print(f"{'measure':<24} {'value':>7}  {'floor':<7} over")
    for name, value, floor, over in rows:
        print(f"{name:<24} {value:>7}  {floor:<7} {over}")
    share = result["seconds_metadata"] / result["seconds_total"]
    print(
        f"\ncost: metadata {result['seconds_metadata']:.2f} s of {result['seconds_total']:.2f} s per-document "
        f"processing in one process ({share:.1%}, table build included)"
    )
    if result["unmapped"]:
        print("PLACES labels without an ISO code (not scored):", dict(result["unmapped"].most_common(10)))
    if (args.germeval / "NER-de-test.tsv").is_file():
        articles = germeval.load_articles(args.germeval)
        print(f"\nGermEval 2014, German news: {len(articles)} articles (news sentences grouped by source URL)")
        print(germeval.report(germeval.score(articles)))
    else:
        print(f"\nGermEval 2014 not found at {args.germeval}: German news not scored")


if __name__ == "__main__":
    main()
