"""`python -m bench.structure`: news structure out of real web pages, scored against hand-checked gold.

    python -m bench.structure               # scores, then speed (~3 minutes)
    python -m bench.structure --skip-speed  # scores only

Runs the real CLI (`newsetl run`) over the fundus pages (../shared/corpora/fundus: 258 pages, 140+
publishers, ~40 countries, ~20 languages) and scores each field of each article against the page's
gold by token F1 (bag of casefolded NFKC words; a CJK character is a word of its own, as those
scripts do not separate words), averaged over the pages whose gold has the field. A page rejected
or missing scores 0 on every field its gold has. Fields: title; lead; body (lead and paragraphs,
subheadings excluded: gold and articles alike); subheadings; captions; photo credits; authors
(the `author` column); date (day of `published_at` in UTC equals the gold's, 1 or 0).

Dev and check halves are fixed by publisher, so that no publisher is in both: a publisher is in dev
when the first byte of the blake2b-16 digest of its name (UTF-8) is even (`split_of`). Rules are
tuned on dev; the floors must hold on both halves. Per-language rows use the language detected on
the gold text (the pipeline's own detector), not the article's, so that a page's row never moves
with the extraction.

Speed, in the same run: the CLI with one worker against trafilatura's `bare_extraction` alone over
the same pages (each a fresh process, imports included), and two workers against one.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import re
import shutil
import statistics
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.parquet as pq

from bench import speed
from bench.tables import markdown, verdict

PROJECT = Path(__file__).resolve().parent.parent
FUNDUS = PROJECT.parent / "shared" / "corpora" / "fundus"
OUT = PROJECT / "bench" / "out" / "structure"
DATE = "2000-01-01"

FIELDS = ("title", "lead", "body", "subheadings", "captions", "credits", "authors", "date")
FLOORS = {
    "title": 0.97,
    "lead": 0.85,
    "body": 0.96,
    "subheadings": 0.85,
    "captions": 0.80,
    "credits": 0.75,
    "authors": 0.90,
    "date": 0.98,
}
COUNTRY_BODY_FLOOR = 0.90  # for every country with at least COUNTRY_MIN_PAGES pages
COUNTRY_MIN_PAGES = 4
SPEED_FLOOR = 1.3  # CLI with one worker / extractor alone, at most
WORKERS_FLOOR = 1.7  # one worker / two workers, at least

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+")


def tokens(text: str) -> collections.Counter:
    return collections.Counter(_TOKEN.findall(unicodedata.normalize("NFKC", text).casefold()))


def token_f1(predicted: str, gold: str) -> float:
    truth, guess = tokens(gold), tokens(predicted)
    common = sum((truth & guess).values())
    if not common:
        return 0.0
    precision, recall = common / sum(guess.values()), common / sum(truth.values())
    return 2 * precision * recall / (precision + recall)


def split_of(publisher: str) -> str:
    """The publisher's fixed half: 'dev' (rules are tuned on it) or 'check'."""
    return "dev" if hashlib.blake2b(publisher.encode(), digest_size=2).digest()[0] % 2 == 0 else "check"


def gold_fields(gold: dict) -> dict[str, str]:
    images = gold.get("images") or []
    lead = gold.get("lead") or []
    return {
        "title": gold.get("title") or "",
        "lead": "\n".join(lead),
        "body": "\n".join([*lead, *(gold.get("paragraphs") or [])]),
        "subheadings": "\n".join(gold.get("subheadings") or []),
        "captions": "\n".join(i["caption"] for i in images if i.get("caption")),
        "credits": "\n".join(a for i in images for a in i.get("authors") or []),
        "authors": "\n".join(gold.get("authors") or []),
        "date": (gold.get("publishing_date") or "")[:10],  # gold dates are UTC
    }


def article_fields(article: dict) -> dict[str, str]:
    published = article["published_at"]
    return {
        "title": article["title"] or "",
        "lead": article["lead"] or "",
        "body": article["body"] or "",
        "subheadings": "\n".join(article["subheadings"] or []),
        "captions": "\n".join(article["captions"] or []),
        "credits": "\n".join(article["photo_credits"] or []),
        "authors": article["author"] or "",
        "date": published.strftime("%Y-%m-%d") if published is not None else "",
    }


@dataclass
class Page:
    file: str
    country: str
    publisher: str
    half: str
    language: str
    outcome: str  # "article", or "duplicate: <kind>" / "reject: <reason>"
    scores: dict[str, float] = field(default_factory=dict)  # the fields its gold has
    predicted: dict[str, str] = field(default_factory=dict)
    gold: dict[str, str] = field(default_factory=dict)


def score_fields(predicted: dict[str, str] | None, gold: dict[str, str]) -> dict[str, float]:
    scores = {}
    for name in FIELDS:
        if not gold[name]:
            continue
        if predicted is None:
            scores[name] = 0.0
        elif name == "date":
            scores[name] = float(predicted[name] == gold[name])
        else:
            scores[name] = token_f1(predicted[name], gold[name])
    return scores


def read_gold(corpus: Path) -> list[dict]:
    with (corpus / "gold.jsonl").open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def gold_languages(golds: list[dict]) -> list[str]:
    from pipeline.enrich.describe import detect_languages

    texts = [f"{g['title']}\n{' '.join([*(g['lead'] or []), *(g['paragraphs'] or [])])[:600]}" for g in golds]
    return [language or "?" for language, _ in detect_languages(texts)]


def score_run(out: Path, corpus: Path) -> list[Page]:
    """Every gold page with its outcome in the run's datasets and its per-field scores."""
    articles = {Path(a["raw_path"]).name: a for a in pq.read_table(out / "articles").to_pylist()}
    others = {}
    for dataset, label in (("duplicates", "kind"), ("rejects", "reason")):
        if (out / dataset).exists():
            for row in pq.read_table(out / dataset).to_pylist():
                others[Path(row["raw_path"]).name] = f"{dataset[:-1]}: {row[label]}"
    golds = read_gold(corpus)
    pages = []
    for gold, language in zip(golds, gold_languages(golds), strict=True):
        name = Path(gold["file"]).name
        article = articles.get(name)
        predicted = article_fields(article) if article else None
        truth = gold_fields(gold)
        pages.append(
            Page(
                file=name,
                country=gold["country"],
                publisher=gold["publisher"],
                half=split_of(gold["publisher"]),
                language=language,
                outcome="article" if article else others.get(name, "missing"),
                scores=score_fields(predicted, truth),
                predicted=predicted or {},
                gold=truth,
            )
        )
    return pages


def field_means(pages: list[Page]) -> dict[str, tuple[float, int]]:
    """Mean score per field over the pages whose gold has it, and how many those are."""
    means = {}
    for name in FIELDS:
        values = [p.scores[name] for p in pages if name in p.scores]
        means[name] = (statistics.mean(values) if values else float("nan"), len(values))
    return means


def print_fields(pages: list[Page]) -> bool:
    """Per field on dev, check and all; the floors checked on both halves."""
    halves = {h: field_means([p for p in pages if p.half == h]) for h in ("dev", "check")}
    everything = field_means(pages)
    rows, ok = [], True
    for name in FIELDS:
        passed = all(halves[h][name][0] >= FLOORS[name] for h in halves)
        ok &= passed
        rows.append(
            [name]
            + [f"{halves[h][name][0]:.3f} ({halves[h][name][1]})" for h in halves]
            + [f"{everything[name][0]:.3f} ({everything[name][1]})", f">= {FLOORS[name]}", verdict(passed)]
        )
    n = {h: len({p.publisher for p in pages if p.half == h}) for h in halves}
    print("\n## News structure on fundus: token F1 per field (pages whose gold has it)\n")
    print(
        f"dev: {sum(p.half == 'dev' for p in pages)} pages of {n['dev']} publishers; "
        f"check: {sum(p.half == 'check' for p in pages)} pages of {n['check']} publishers\n"
    )
    print(markdown(["field", "dev", "check", "all", "floor (both halves)", ""], rows))
    return ok


def print_groups(pages: list[Page], key: str) -> None:
    groups: dict[str, list[Page]] = collections.defaultdict(list)
    for page in pages:
        groups[getattr(page, key)].append(page)
    rows = []
    for name, members in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        means = field_means(members)
        rows.append([name, str(len(members))] + [f"{m:.2f}" if c else "" for m, c in means.values()])
    print(f"\n### Per {key}\n")
    print(markdown([key, "pages", *FIELDS], rows))


def print_country_floor(pages: list[Page]) -> bool:
    groups: dict[str, list[Page]] = collections.defaultdict(list)
    for page in pages:
        groups[page.country].append(page)
    big = {c: field_means(m)["body"][0] for c, m in groups.items() if len(m) >= COUNTRY_MIN_PAGES}
    low = {c: s for c, s in big.items() if s < COUNTRY_BODY_FLOOR}
    below = f" (below: {', '.join(f'{c} {s:.3f}' for c, s in sorted(low.items()))})" if low else ""
    print(
        f"\ncheck: body F1 >= {COUNTRY_BODY_FLOOR} in each of the {len(big)} countries with >= "
        f"{COUNTRY_MIN_PAGES} pages: {verdict(not low)}{below}"
    )
    return not low


def print_worst(pages: list[Page], n: int = 10) -> None:
    print(f"\n### The {n} worst pages per field\n")
    for name in FIELDS:
        scored = sorted((p for p in pages if name in p.scores), key=lambda p: (p.scores[name], p.file))[:n]
        print(f"- **{name}**: " + ", ".join(f"{p.file} ({p.half}) {p.scores[name]:.2f}" for p in scored))


def print_accounting(pages: list[Page], out: Path) -> bool:
    outcomes = collections.Counter(p.outcome.split(" ")[0].rstrip(":") for p in pages)
    not_articles = [f"{p.file}: {p.outcome}" for p in pages if p.outcome != "article"]
    listed = sum(pq.read_metadata(f).num_rows for f in (out / "articles").rglob("*.parquet"))
    for dataset in ("duplicates", "rejects"):
        if (out / dataset).exists():
            listed += sum(pq.read_metadata(f).num_rows for f in (out / dataset).rglob("*.parquet"))
    ok = outcomes["missing"] == 0 and listed == len(pages)
    print(
        f"\ncheck: every page accounted for: {len(pages)} pages -> {dict(outcomes)}; rows in the datasets: "
        f"{listed}: {verdict(ok)}"
    )
    if not_articles:
        print("not articles: " + "; ".join(not_articles))
    return ok


def run_cli(corpus: Path, out: Path, workers: int) -> float:
    shutil.rmtree(out, ignore_errors=True)
    exe = Path(sys.executable).with_name("newsetl")
    cmd = [str(exe), "run", "--raw", str(corpus / "html"), "--out", str(out), "--date", DATE]
    wall, _ = speed.run_process([*cmd, "--workers", str(workers), "--quiet"])
    return wall


def report_scores(corpus: Path = FUNDUS, out: Path = OUT) -> bool:
    run_cli(corpus, out, workers=2)
    pages = score_run(out, corpus)
    ok = print_fields(pages)
    print_groups(pages, "language")
    print_groups(pages, "country")
    ok &= print_country_floor(pages)
    print_worst(pages)
    ok &= print_accounting(pages, out)
    return ok


def report_speed(corpus: Path = FUNDUS, out: Path = OUT, runs: int = 3) -> bool:
    """Interleaved rounds (extractor, one worker, two workers), ratios taken within each round."""
    walls: dict[str, list[float]] = {"extractor": [], "workers1": [], "workers2": []}
    extractor = [sys.executable, "-m", "bench.baselines", "trafilatura", str(corpus / "html")]
    for _ in range(runs):
        walls["extractor"].append(speed.run_process(extractor)[0])
        walls["workers1"].append(run_cli(corpus, out / "speed", workers=1))
        walls["workers2"].append(run_cli(corpus, out / "speed", workers=2))
    cost = statistics.median(a / b for a, b in zip(walls["workers1"], walls["extractor"], strict=True))
    gain = statistics.median(a / b for a, b in zip(walls["workers1"], walls["workers2"], strict=True))
    n = sum(1 for _ in (corpus / "html").iterdir())
    rows = [
        ["trafilatura `bare_extraction` alone (with metadata)", f"{statistics.median(walls['extractor']):.2f}"],
        ["`newsetl run --workers 1`", f"{statistics.median(walls['workers1']):.2f}"],
        ["`newsetl run --workers 2`", f"{statistics.median(walls['workers2']):.2f}"],
    ]
    print(f"\n## Speed on fundus ({n} pages), wall seconds, median of {runs} interleaved rounds\n")
    print(markdown(["job", "seconds"], rows))
    print(f"\ncheck: one worker / extractor alone = {cost:.2f}x <= {SPEED_FLOOR}x: {verdict(cost <= SPEED_FLOOR)}")
    print(f"check: one worker / two workers = {gain:.2f}x >= {WORKERS_FLOOR}x: {verdict(gain >= WORKERS_FLOOR)}")
    return cost <= SPEED_FLOOR and gain >= WORKERS_FLOOR


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--runs", type=int, default=3, help="interleaved rounds of the speed jobs")
    args = parser.parse_args()
    if not (FUNDUS / "gold.jsonl").is_file():
        print(f"needs the fundus corpus at {FUNDUS}", file=sys.stderr)
        return 2
    sys.stdout.reconfigure(line_buffering=True)
    ok = report_scores()
    if not args.skip_speed:
        ok &= report_speed(runs=args.runs)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
