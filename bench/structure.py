"""`python -m bench.structure`: news structure out of real web pages, scored against hand-checked gold.

    python -m bench.structure               # scores, what each signal adds, speed (~5 minutes)
    python -m bench.structure --skip-speed --skip-ablation  # scores only

Runs the real CLI (`newsetl run`) over the fundus pages (../shared/corpora/fundus: 258 pages, 140+
publishers, ~40 countries, ~20 languages) and scores each field of each article against the page's
gold by token F1 (bag of casefolded NFKC words; a CJK character is a word of its own, as those
scripts do not separate words), averaged over the pages whose gold has the field. A page rejected
or missing scores 0 on every field its gold has. Fields: title; lead; body (lead and paragraphs,
subheadings excluded: gold and articles alike); subheadings; captions; photo credits; authors
(the `author` column); date (the UTC day of `published_at` equals the UTC day of the gold's time, 1 or 0;
gold times with an offset are local times).

Dev and check halves are fixed by publisher, so that no publisher is in both: a publisher is in dev
when the first byte of the blake2b-16 digest of its name (UTF-8) is even (`split_of`). Rules are
tuned on dev; the floors must hold on both halves. Per-language rows use the language detected on
the gold text (the pipeline's own detector), not the article's, so that a page's row never moves
with the extraction.

Speed, in the same run: the CLI with one worker against trafilatura's `bare_extraction` alone over
the same pages (each a fresh process, imports included; CPU seconds, which the shared machine's
load does not inflate), and two workers against one (wall seconds).
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import hashlib
import json
import os
import re
import resource
import shutil
import statistics
import sys
import unicodedata
from concurrent.futures import ProcessPoolExecutor
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
        "date": utc_day(gold.get("publishing_date")),
    }


def utc_day(value: str | None) -> str:
    """The UTC day of an ISO 8601 time (naive: UTC), as published_at stores it; "" when absent."""
    if not value:
        return ""
    moment = dt.datetime.fromisoformat(value)
    return (moment.astimezone(dt.UTC) if moment.tzinfo else moment).strftime("%Y-%m-%d")


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


# Fixed preferences among the titles a page offers; the first non-empty one is taken.
TITLE_ORDERS = {
    "JSON-LD first": ("jsonld", "og", "title", "h1"),
    "`og:title` first": ("og", "jsonld", "title", "h1"),
    "`h1` first": ("h1", "jsonld", "og", "title"),
    "`<title>` first": ("title", "jsonld", "og", "h1"),
}


def title_candidates(markup: bytes) -> dict[str, str]:
    """The four titles a page offers (JSON-LD headline, og:title, `<title>`, the visible headline),
    each without the site, section and date parts the pipeline strips."""
    from pipeline.article.web import title as t
    from pipeline.article.web.described import json_ld, meta_tags
    from pipeline.article.web.markup import load_page

    tree = load_page(markup)
    ld, _ = json_ld(tree)
    meta = meta_tags(tree)
    found = dict(zip(("jsonld", "og", "title"), t.page_titles(tree, ld, meta), strict=True))
    found["h1"] = t.visible_headline(tree)
    sites, sections = t.site_names(ld, meta, None), t.section_names(ld, meta)
    return {k: t.title_without_site(v, sites, sections) if v else "" for k, v in found.items()}


def print_title_choices(pages: list[Page], corpus: Path) -> None:
    """Why the title floor is out of a generic rule's reach: how each fixed preference among the
    page's titles scores, against the pipeline's rule and an oracle that picks the best per page."""
    rows: dict[str, dict[str, list[float]]] = collections.defaultdict(lambda: {"dev": [], "check": []})
    disputed: dict[tuple[str, str], dict[str, set[str]]] = collections.defaultdict(lambda: collections.defaultdict(set))
    for page in pages:
        if "title" not in page.scores:
            continue
        found, gold = title_candidates((corpus / "html" / page.file).read_bytes()), page.gold["title"]
        if (case := disputed_title(found, gold)) is not None:
            disputed[case][page.half].add(page.publisher)
            disputed[case]["pages " + page.half].add(page.file)
        rows["the pipeline's rule (agreement with the visible headline)"][page.half].append(page.scores["title"])
        for label, order in TITLE_ORDERS.items():
            taken = next((found[k] for k in order if found[k]), "")
            rows[label][page.half].append(token_f1(taken, gold))
        rows["oracle: the best of the four per page"][page.half].append(max(token_f1(v, gold) for v in found.values()))
    table = [[label, *(f"{statistics.mean(h[x]):.3f}" for x in ("dev", "check"))] for label, h in rows.items()]
    print("\n### Title: the page's candidates, chosen by a fixed preference (token F1)\n")
    print(markdown(["choice", "dev", "check"], table))
    print(
        "\nWhere JSON-LD's headline and `og:title` differ, which the gold takes: pages (publishers). Pages "
        "alike take either, so the choice is each publisher's parser's, not a signal of the page:\n"
    )
    table = [
        [h1, gold, *(f"{len(found['pages ' + x])} ({len(found[x])})" for x in ("dev", "check"))]
        for (h1, gold), found in sorted(disputed.items())
    ]
    print(markdown(["the visible h1 is", "the gold is", "dev", "check"], table))


def disputed_title(found: dict[str, str], gold: str) -> tuple[str, str] | None:
    """For a page whose JSON-LD headline and og:title differ: which of the two the visible h1 repeats
    and which the gold repeats (None where they agree, or one is missing)."""
    from pipeline.article.web.text import overlap

    ld, og = found["jsonld"], found["og"]
    if not (ld and og) or overlap(ld, og) >= 0.9:
        return None

    def repeats(by_ld: float, by_og: float, enough: float) -> str:
        if max(by_ld, by_og) < enough or by_ld == by_og:
            return "neither" if max(by_ld, by_og) < enough else "either"
        return "JSON-LD's" if by_ld > by_og else "og:title"

    return (
        repeats(overlap(found["h1"], ld), overlap(found["h1"], og), 0.9),
        repeats(token_f1(ld, gold), token_f1(og, gold), 0.0),
    )


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


def timed(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system, its worker processes included) of one command.

    CPU time is what this shared machine's load does not inflate: the cost check is on it."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall, _ = speed.run_process(cmd)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def run_cli(corpus: Path, out: Path, workers: int) -> tuple[float, float]:
    shutil.rmtree(out, ignore_errors=True)
    exe = Path(sys.executable).with_name("newsetl")
    cmd = [str(exe), "run", "--raw", str(corpus / "html"), "--out", str(out), "--date", DATE]
    return timed([*cmd, "--workers", str(workers), "--quiet"])


def report_scores(corpus: Path = FUNDUS, out: Path = OUT) -> bool:
    run_cli(corpus, out, workers=2)
    pages = score_run(out, corpus)
    ok = print_fields(pages)
    print_groups(pages, "language")
    print_groups(pages, "country")
    ok &= print_country_floor(pages)
    print_worst(pages)
    print_title_choices(pages, corpus)
    ok &= print_accounting(pages, out)
    return ok


def report_speed(corpus: Path = FUNDUS, out: Path = OUT, runs: int = 3) -> bool:
    """Interleaved rounds (extractor, one worker, two workers), ratios taken within each round: the
    HTML path's cost over the extractor's in CPU seconds, two workers' gain in wall seconds."""
    jobs = {
        "extractor": lambda: timed([sys.executable, "-m", "bench.baselines", "trafilatura", str(corpus / "html")]),
        "workers1": lambda: run_cli(corpus, out / "speed", workers=1),
        "workers2": lambda: run_cli(corpus, out / "speed", workers=2),
    }
    walls: dict[str, list[float]] = {key: [] for key in jobs}
    cpus: dict[str, list[float]] = {key: [] for key in jobs}
    for _ in range(runs):
        for key, job in jobs.items():
            wall, cpu = job()
            walls[key].append(wall)
            cpus[key].append(cpu)
    cost = statistics.median(a / b for a, b in zip(cpus["workers1"], cpus["extractor"], strict=True))
    gain = statistics.median(a / b for a, b in zip(walls["workers1"], walls["workers2"], strict=True))
    labels = {
        "extractor": "trafilatura `bare_extraction` alone (with metadata)",
        "workers1": "`newsetl run --workers 1`",
        "workers2": "`newsetl run --workers 2`",
    }
    rows = [[labels[k], f"{statistics.median(walls[k]):.2f}", f"{statistics.median(cpus[k]):.2f}"] for k in jobs]
    n = sum(1 for _ in (corpus / "html").iterdir())
    print(f"\n## Speed on fundus ({n} pages), median of {runs} interleaved rounds\n")
    print(markdown(["job", "wall seconds", "CPU seconds"], rows))
    print(f"\ncheck: one worker / extractor alone = {cost:.2f}x CPU <= {SPEED_FLOOR}x: {verdict(cost <= SPEED_FLOOR)}")
    print(f"check: one worker / two workers = {gain:.2f}x wall >= {WORKERS_FLOOR}x: {verdict(gain >= WORKERS_FLOOR)}")
    return cost <= SPEED_FLOOR and gain >= WORKERS_FLOOR


ABLATION = ("xml", "jsonld", "meta", "figures", "semantics")  # added one at a time, in this order


def page_fields(page, published_day: str) -> dict[str, str]:
    """A webpage.WebArticle's fields as the scorer reads them (before repair and boilerplate rules)."""
    return {
        "title": page.title or "",
        "lead": "\n".join(page.lead),
        "body": "\n".join([*page.lead, *page.paragraphs]),
        "subheadings": "\n".join(page.subheadings),
        "captions": "\n".join(f.caption for f in page.figures if f.caption),
        "credits": "\n".join(c for f in page.figures for c in f.credits),
        "authors": "\n".join(page.authors),
        "date": published_day,
    }


def _ablation_scores(job: tuple[Path, tuple[str, ...]]) -> list[tuple[str, dict[str, float]]]:
    from pipeline.article.web import page as webpage
    from pipeline.article.web.markup import NotAnArticle
    from pipeline.enrich.describe import parse_timestamp

    corpus, signals = job
    rows = []
    for gold in read_gold(corpus):
        try:
            page = webpage.extract_article((corpus / gold["file"]).read_bytes(), signals=frozenset(signals))
        except NotAnArticle:
            rows.append((split_of(gold["publisher"]), score_fields(None, gold_fields(gold))))
            continue
        published = parse_timestamp(page.published)
        day = published.astimezone(dt.UTC).strftime("%Y-%m-%d") if published else ""
        rows.append((split_of(gold["publisher"]), score_fields(page_fields(page, day), gold_fields(gold))))
    return rows


def report_ablation(corpus: Path = FUNDUS) -> None:
    """What each signal adds: the extraction alone (webpage.extract_article), signals added one by one."""
    configs = [ABLATION[:k] for k in range(len(ABLATION) + 1)]
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        results = list(pool.map(_ablation_scores, [(corpus, c) for c in configs]))
    rows = []
    for signals, scored in zip(configs, results, strict=True):
        label = f"+ {signals[-1]}" if signals else "extractor's plain text only"
        for half in ("dev", "check"):
            means = [statistics.mean(v) for f in FIELDS if (v := [s[f] for h, s in scored if h == half and f in s])]
            rows.append([label if half == "dev" else "", half, *(f"{m:.3f}" for m in means)])
    print("\n## What each signal adds (extraction alone, before repair and boilerplate rules; token F1)\n")
    print(markdown(["signals", "half", *FIELDS], rows))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-ablation", action="store_true", help="skip the table of what each signal adds")
    parser.add_argument("--runs", type=int, default=3, help="interleaved rounds of the speed jobs")
    args = parser.parse_args()
    if not (FUNDUS / "gold.jsonl").is_file():
        print(f"needs the fundus corpus at {FUNDUS}", file=sys.stderr)
        return 2
    sys.stdout.reconfigure(line_buffering=True)
    ok = report_scores()
    if not args.skip_ablation:
        report_ablation()
    if not args.skip_speed:
        ok &= report_speed(runs=args.runs)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
