"""A year of news at flat daily cost: a run's dedup against the length of the published history.

    .venv/bin/python -m bench.history                            # 365 days x 30,000 articles
    .venv/bin/python -m bench.history --days 30 --per-day 3000   # a quick one

Every day's articles are generated on the fly, reproducibly (--seed): fresh stories, and a share
(--dup-rate) of copies of fresh stories of earlier days, each with 0 to 3 words changed.
The history is built directly, day by day: each day's index part as its run would publish it (the
real sketches of the stories that a timed day copies, random keys for the others) and its articles
partition (those stories), then the levels compacted as the DAG's `compact` task does after a
publish, timed ("compact"), then brought up to date as the next run would do it, timed ("upkeep"),
and every --every days probed with a run's worth of keys ("probe"). At the --timed days a real
run (`run_partition`, 2 workers, in a child process) measures seconds, CPU seconds and peak memory at
that point of the history, and the recall of the day's planted cross-day copies. At the first timed
day, the same run with every date loaded whole (the implementation before the levels, the baseline
measured in this run) must give the same files, byte for byte. Writes a table and a PNG.

Cost at 365 x 30,000 (~11M articles), bulk building: 2.9 GB of index parts, 4.7 GB of levels, ~400
CPU seconds, mostly level writes (each key written ~2 times; ~4 with --build daily). Run it under
`nice -n 10`; docs/dedup.md has the measured table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

from pipeline.dedup import duplicates as dedup
from pipeline.dedup import published
from pipeline.dedup.duplicates import ORDER_COLUMNS, DedupIndex, Sketches
from pipeline.io.arrow import columns_to_table, empty_table
from pipeline.io.atomic import publish_file
from pipeline.io.parquet import RowGroups, StagedFile
from pipeline.io.partitions import partition_dates, read_partition
from pipeline.schema import ARTICLES
from pipeline.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "history"
DAY_ONE = dt.date(2025, 1, 1)
_SYLLABLES = "ka ri to ne sa mu lo pe di va no ze ta mi ro be su la fe go hu ji ke lu ma ni po ra se ti".split()


def date_of(day: int) -> dt.date:
    return DAY_ONE + dt.timedelta(days=day - 1)


def _vocabulary(seed: int) -> np.ndarray:
    rng = np.random.default_rng([seed, 0])
    words = {"".join(rng.choice(_SYLLABLES, rng.integers(2, 5))) for _ in range(12000)}
    return np.array(sorted(words))


@dataclass
class Plan:
    """Which stories each day holds: the fresh ones, and the copies of earlier days' fresh ones."""

    days: int
    per_day: int
    dup_rate: float
    seed: int
    vocabulary: np.ndarray = field(init=False)
    weights: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.vocabulary = _vocabulary(self.seed)
        ranks = np.arange(len(self.vocabulary))
        self.weights = 1 / (ranks + 20.0)
        self.weights /= self.weights.sum()

    def copies(self, day: int) -> int:
        return 0 if day == 1 else round(self.per_day * self.dup_rate)

    def fresh(self, day: int) -> int:
        return self.per_day - self.copies(day)

    def sources(self, day: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The copies of `day`: each one's source day, source story and number of words changed."""
        rng = np.random.default_rng([self.seed, day, 1])
        n = self.copies(day)
        source_day = rng.integers(1, max(day, 2), n)
        source = np.array([rng.integers(0, self.fresh(int(d))) for d in source_day], dtype=np.int64)
        return source_day, source, rng.choice(4, n, p=[0.3, 0.3, 0.2, 0.2])

    def story(self, day: int, i: int) -> str:
        """Fresh story i of `day`: a title and 3-6 paragraphs of made-up words."""
        rng = np.random.default_rng([self.seed, day, 2, i])
        lengths = rng.integers(25, 60, rng.integers(3, 7))
        words = self.vocabulary[rng.choice(len(self.vocabulary), 8 + int(lengths.sum()), p=self.weights)]
        title = " ".join(words[:8]).capitalize()
        bounds = np.cumsum([8, *lengths.tolist()])
        paragraphs = [" ".join(words[a:b]).capitalize() + "." for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
        return "\n\n".join([title, *paragraphs]) + "\n"

    def copy(self, day: int, c: int, source_day: int, source: int, changes: int) -> str:
        """Copy c of `day`: its source story with `changes` body words replaced."""
        title, _, body = self.story(source_day, source).partition("\n\n")
        words = body.split(" ")
        rng = np.random.default_rng([self.seed, day, 3, c])
        for at in rng.integers(0, len(words), changes).tolist():
            words[at] = str(self.vocabulary[rng.integers(len(self.vocabulary))])
        return f"{title}\n\n{' '.join(words)}"


def fresh_name(i: int) -> str:
    return f"{i:05d}.txt"


def write_day(plan: Plan, day: int, folder: Path) -> None:
    """The raw files of one day (one modification time, so that only the stories decide)."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    stamp = dt.datetime.combine(date_of(day), dt.time(12), dt.UTC).timestamp()
    texts = {fresh_name(i): plan.story(day, i) for i in range(plan.fresh(day))}
    for c, (d, s, k) in enumerate(zip(*plan.sources(day), strict=True)):
        texts[f"copy-{c:05d}.txt"] = plan.copy(day, c, int(d), int(s), int(k))
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
        os.utime(folder / name, (stamp, stamp))


def every_date_index(settings: Settings, date: dt.date, run: Sketches) -> DedupIndex:
    """The baseline: every other published date loaded whole (dedup's load before the levels)."""
    params = settings.minhash_params()
    window = settings.dedup_window_days
    dates = [
        d
        for d in partition_dates(settings.out, "articles")
        if d != date and (window is None or abs((d - date).days) <= window)
    ]
    return published.assemble(settings.out, [published.whole_date(settings.out, d, params) for d in dates], params)


def _write(out: Path, dataset: str, date: dt.date, table: pa.Table, rows_per_group: int) -> None:
    """One partition file, in row groups as a run writes them."""
    staged = StagedFile(str(out), dataset, date, "part-0.parquet", table.schema)
    with staged:
        groups = RowGroups(staged, rows_per_group)
        groups.write(table)
        groups.flush()
    publish_file(staged.fs, staged.tmp, staged.final)


def _filler(day: int, n: int, rng: np.random.Generator, params) -> pa.Table:
    """Index rows of `n` stories never copied by a timed day: random keys, as distinct stories have."""
    stamp = dt.datetime.combine(date_of(day), dt.time(12), dt.UTC)
    order = columns_to_table(
        {
            "article_id": pa.array(np.char.add(f"filler-{day}-", np.arange(n).astype(str)).tolist()),
            "published_at": [None] * n,
            "raw_modified_at": [stamp] * n,
            "char_count": rng.integers(500, 4000, n).tolist(),
        },
        pa.schema([dedup.DEDUP_INDEX.field(name) for name in ORDER_COLUMNS]),
    )
    keys = [key.hex() for key in np.frombuffer(rng.bytes(16 * n), dtype=dedup.KEY).tolist()]
    bands = rng.integers(0, 2**64 - 1, (n, params.bands), dtype=np.uint64, endpoint=True)
    return dedup.index_rows(order, keys, bands, params)


@dataclass
class Bench:
    plan: Plan
    timed: list[int]
    root: Path
    out: Path = field(init=False)
    settings: Settings = field(init=False)
    ids: dict[tuple[int, int], tuple[dt.date, str]] = field(default_factory=dict)  # (day, story) -> published as
    needed: dict[int, list[int]] = field(default_factory=dict)  # stories of a built day a timed day copies
    stories: dict[str, tuple[pa.Table, pa.Table]] = field(default_factory=dict)  # their articles and index rows

    def __post_init__(self) -> None:
        self.out = self.root / "out"
        self.settings = Settings(out=str(self.out), workers=2)
        wanted: dict[int, set[int]] = {}
        for day in self.timed:
            for d, s, _ in zip(*self.plan.sources(day), strict=True):
                wanted.setdefault(int(d), set()).add(int(s))
        self.needed = {d: sorted(s) for d, s in wanted.items()}

    def sketch_needed(self) -> None:
        """The stories timed days copy from built days, through a real run (one scratch date), so that
        their published rows are what a run of their day would have written."""
        raw, out = self.root / "scratch-raw", self.root / "scratch-out"
        shutil.rmtree(out, ignore_errors=True)
        for day, stories in self.needed.items():
            if day in self.timed:
                continue
            folder = raw / f"{day:03d}"
            folder.mkdir(parents=True, exist_ok=True)
            for s in stories:
                (folder / fresh_name(s)).write_text(self.plan.story(day, s), encoding="utf-8")
        if not raw.exists():
            return
        from pipeline.run.partition import run_partition

        run_partition(Settings(raw=str(raw), out=str(out), workers=2), DAY_ONE - dt.timedelta(days=1))
        date = DAY_ONE - dt.timedelta(days=1)
        articles = read_partition(str(out), "articles", date)
        index = read_partition(str(out), dedup.INDEX, date)
        for i, path in enumerate(articles.column("raw_path").to_pylist()):
            self.stories[path] = (articles.slice(i, 1), index.slice(i, 1))

    def build(self, day: int, rng: np.random.Generator) -> None:
        """One day's partitions as its run would publish them, without running it."""
        params = self.settings.minhash_params()
        rows = [self.stories[f"{day:03d}/{fresh_name(s)}"] for s in self.needed.get(day, [])]
        date = date_of(day)
        articles = pa.concat_tables([a for a, _ in rows]) if rows else None
        index = pa.concat_tables([*(i for _, i in rows), _filler(day, self.plan.fresh(day) - len(rows), rng, params)])
        if articles is not None:
            _write(self.out, "articles", date, articles.cast(ARTICLES), 4096)
            for s, article_id in zip(self.needed[day], articles.column("article_id").to_pylist(), strict=True):
                self.ids[(day, s)] = (date, article_id)
        else:  # a day whose stories no timed day copies still has an articles partition
            _write(self.out, "articles", date, empty_table(ARTICLES), 4096)
        _write(self.out, dedup.INDEX, date, index.cast(dedup.index_schema(params)), dedup.INDEX_ROW_GROUP)

    def upkeep_and_probe(self, day: int, rng: np.random.Generator, probe: bool) -> dict:
        """The compaction after a publish (the DAG's task), then what the next run pays before
        comparing: the levels brought up to date, and (`probe`) a probe with a run's worth of keys
        (random: the hits' cost is in the timed runs). Seconds, CPU seconds, peak MB, levels."""
        params = self.settings.minhash_params()
        tracemalloc.reset_peak()
        tick, cpu = time.perf_counter(), time.process_time()
        published.compact(str(self.out), params)
        row = {"compact": time.perf_counter() - tick, "compact_cpu": time.process_time() - cpu}
        row["compact_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.reset_peak()
        tick = time.perf_counter()
        opened, _ = published.sync(published.Published.list(str(self.out), params), params, skip=None)
        row["levels"] = len(opened)
        for level in opened:
            level.close()
        row["upkeep"], tick = time.perf_counter() - tick, time.perf_counter()
        if not probe:
            return row | {"probe": None, "peak_mb": tracemalloc.get_traced_memory()[1] / 2**20}
        n = self.plan.per_day
        run = Sketches(
            columns_to_table({"id": [f"probe-{i}" for i in range(n)]}, pa.schema([("id", pa.string())]))
            .column(0)
            .chunk(0),
            np.frombuffer(rng.bytes(16 * n), dtype=dedup.KEY),
            rng.integers(0, 2**64 - 1, (n, params.bands), dtype=np.uint64, endpoint=True),
            np.arange(n),
        )
        published.load_index(self.settings, date_of(day + 1), run)
        return row | {"probe": time.perf_counter() - tick, "peak_mb": tracemalloc.get_traced_memory()[1] / 2**20}

    def shape_levels(self, upto: int) -> float:
        """Bulk building: the levels of the days before `upto` merged into the groups that compacting
        after every day leaves (runs of FANOUT**k aligned days, the largest whose level fits in
        MAX_ENTRIES), each group by one real merge of the levels it covers instead of one merge a
        tier: each key is written ~2 times instead of ~4. Returns the CPU seconds it took."""
        cpu = time.process_time()
        params = self.settings.minhash_params()
        state = published.Published.list(str(self.out), params)
        opened, _ = published.sync(state, params, skip=None, budget=0)  # every part in a level of its own
        day_of = {date_of(d).isoformat(): d for d in range(1, upto)}
        spans = {level: {day_of.get(s.date) for s in level.sources if state.live(s)} for level in opened}
        size = 1
        while size * published.FANOUT * self.plan.per_day * (params.bands + 1) <= published.MAX_ENTRIES:
            size *= published.FANOUT
        start = 1
        while start < upto:
            while start + size > upto:
                size //= published.FANOUT
            group = set(range(start, start + size))
            members = [level for level, days in spans.items() if days and days <= group]
            if len(members) > 1 and set().union(*(spans[m] for m in members)) == group:
                published._merge(state, params, members)
                for level in members:
                    level.close()
                    state.fs.rm(level.path)
                    del spans[level]
            start += size
        for level in spans:
            level.close()
        return time.process_time() - cpu

    def timed_run(self, day: int, baseline: bool) -> dict:
        """A real run of `day` in a child process (and, for the baseline, the same run on a copy of the
        output with every date loaded whole); returns what it measured."""
        raw = self.root / "raw"
        write_day(self.plan, day, raw / date_of(day).isoformat())
        results = {}
        if baseline:
            copy = self.root / "baseline-out"
            shutil.rmtree(copy, ignore_errors=True)
            shutil.copytree(self.out, copy)
            results["baseline"] = _child(copy, raw, day, every_date=True)
        results["levels"] = _child(self.out, raw, day, every_date=False)
        date = date_of(day)
        if baseline:
            results["identical"] = all(
                _file(self.out, name, date) == _file(self.root / "baseline-out", name, date)
                for name in ("articles", "duplicates", "rejects", dedup.INDEX)
            )
            results["baseline"]["recall"] = self.recall(day, self.root / "baseline-out")
            shutil.rmtree(self.root / "baseline-out")
        results["levels"]["recall"] = self.recall(day, self.out)
        articles = read_partition(str(self.out), "articles", date, columns=["raw_path", "article_id"])
        ids = dict(zip(articles.column("raw_path").to_pylist(), articles.column("article_id").to_pylist(), strict=True))
        for s in self.needed.get(day, []):
            self.ids[(day, s)] = (date, ids[fresh_name(s)])
        # The raw files stay: removing 30,000 files took minutes on a disk mounted with `discard`.
        return results

    def recall(self, day: int, out: Path) -> float:
        """Share of the day's planted copies recorded as duplicates of the story they copy."""
        dups = read_partition(
            str(out), "duplicates", date_of(day), columns=["raw_path", "kept_date", "kept_article_id"]
        )
        kept = {
            path: (date, article_id)
            for path, date, article_id in zip(*(dups.column(c).to_pylist() for c in dups.column_names), strict=True)
        }
        sources = list(zip(*self.plan.sources(day)[:2], strict=True))
        found = sum(kept.get(f"copy-{c:05d}.txt") == self.ids[(int(d), int(s))] for c, (d, s) in enumerate(sources))
        return found / max(len(sources), 1)


def _file(out: Path, dataset: str, date: dt.date) -> bytes:
    path = out / dataset / f"date={date.isoformat()}" / "part-0.parquet"
    return path.read_bytes() if path.exists() else b""


def _child(out: Path, raw: Path, day: int, every_date: bool) -> dict:
    """Run one day in a child process: its seconds, dedup seconds and peak memory (largest of its
    processes: the run's own or a worker's)."""
    cmd = [sys.executable, "-m", "bench.history", "--child", str(out), str(raw), str(day)]
    proc = subprocess.run(cmd + (["--every-date"] if every_date else []), capture_output=True, text=True, cwd=ROOT)
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def child(out: str, raw: str, day: int, every_date: bool) -> None:
    import resource

    from pipeline.run.partition import run_partition

    if every_date:
        published.load_index = every_date_index
    settings = Settings(raw=f"{raw}/{{date}}", out=out, workers=2)
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    tick = time.perf_counter()
    summary = run_partition(settings, date_of(day))
    seconds = time.perf_counter() - tick
    after = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    cpu = sum(a.ru_utime + a.ru_stime - b.ru_utime - b.ru_stime for a, b in zip(after, usage, strict=True))
    # This process's own high-water mark (VmHWM), not ru_maxrss: Linux keeps ru_maxrss across exec,
    # so it would report the bench's own size at the fork.
    status = Path("/proc/self/status").read_text().split("VmHWM:")[1].split()[0]
    peak = max(int(status), after[1].ru_maxrss)  # kB; the workers: forked, never exec'd
    report = {"seconds": seconds, "cpu": cpu, "dedup": summary.stage_seconds["dedup"], "peak_mb": peak / 1024}
    print(json.dumps(report | {"duplicates": summary.n_duplicates, "articles": summary.n_articles}))


def run(plan: Plan, timed: list[int], root: Path, every: int, bulk: bool) -> tuple[list[dict], dict[int, dict]]:
    """Build the history day by day, with the timed runs at their days (what is measured is saved
    in days.json as it comes). Daily: the levels compacted after every day, probed every `every`
    days. Bulk: the levels shaped (`Bench.shape_levels`), compacted and probed only before a timed
    run and every `every` days."""
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    bench = Bench(plan, timed, root)
    bench.sketch_needed()
    rng = np.random.default_rng([plan.seed, 4])
    days, runs = [], {}
    tracemalloc.start()
    for day in range(1, plan.days + 1):
        checkpoint = day % every == 0 or day in timed
        shaped = None
        if day in timed:
            shaped = bench.shape_levels(day) if bulk else None
            runs[day] = bench.timed_run(day, baseline=day == timed[0])
        else:
            bench.build(day, rng)
            shaped = bench.shape_levels(day + 1) if bulk and checkpoint else None
        if bulk and not checkpoint:
            continue
        row = bench.upkeep_and_probe(day, rng, probe=checkpoint)
        days.append({"day": day, "shape_cpu": shaped} | row)
        if day % 10 == 0 or day in timed:
            (root / "days.json").write_text(json.dumps({"days": days, "runs": {str(k): v for k, v in runs.items()}}))
            print(
                f"day {day}: compact {row['compact']:.2f} s, upkeep {row['upkeep']:.2f} s, {row['levels']} levels, "
                f"bench CPU {time.process_time():.0f} s",
                file=sys.stderr,
                flush=True,
            )
    tracemalloc.stop()
    return days, runs


def report(plan: Plan, days: list[dict], runs: dict[int, dict], png: Path) -> bool:
    """Print the tables and the floors, draw the PNG; returns whether the files were identical."""
    print(
        f"history: {plan.days} days x {plan.per_day:,} articles, {plan.dup_rate:.0%} cross-day copies, seed {plan.seed}"
    )
    print(
        f"{'day':>5} {'published':>11} {'levels':>6} {'compact s':>10} {'compact CPU s':>14} {'compact MB':>11} "
        f"{'upkeep s':>9} {'probe s':>8} {'index peak MB':>14} {'bulk CPU s':>10}"
    )
    for row in days:
        if row["probe"] is not None or row["day"] == 1:
            published_rows = (row["day"]) * plan.per_day - sum(plan.copies(d) for d in range(1, row["day"] + 1))
            print(
                f"{row['day']:>5} {published_rows:>11,} {row['levels']:>6} {row['compact']:>10.2f} "
                f"{row['compact_cpu']:>14.2f} {row['compact_peak_mb']:>11.0f} {row['upkeep']:>9.3f} "
                f"{'' if row['probe'] is None else format(row['probe'], '.3f'):>8} {row['peak_mb']:>14.1f} "
                f"{'' if row['shape_cpu'] is None else format(row['shape_cpu'], '.1f'):>10}"
            )
    worst = max(days, key=lambda row: row["compact_cpu"])
    print(
        f"largest compaction: day {worst['day']}, {worst['compact']:.1f} s, {worst['compact_cpu']:.1f} CPU s, "
        f"{worst['compact_peak_mb']:.0f} MB numpy peak; all compactions: "
        f"{sum(row['compact_cpu'] for row in days):.0f} CPU s"
    )
    print()
    print(f"{'run':<22} {'seconds':>8} {'CPU s':>8} {'dedup s':>8} {'peak MB':>8} {'recall':>7}")
    for day, result in runs.items():
        for name in ("baseline", "levels"):
            if name in result:
                r = result[name]
                label = f"day {day} ({'every date' if name == 'baseline' else 'levels'})"
                print(
                    f"{label:<22} {r['seconds']:>8.2f} {r['cpu']:>8.2f} {r['dedup']:>8.3f} {r['peak_mb']:>8.0f} "
                    f"{r['recall']:>7.4f}"
                )
    first, last = min(runs), max(runs)
    ratio = runs[last]["levels"]["seconds"] / runs[first]["levels"]["seconds"]
    cpu_ratio = runs[last]["levels"]["cpu"] / runs[first]["levels"]["cpu"]
    peak = max(r["levels"]["peak_mb"] for r in runs.values())
    base = runs[first]
    print()
    print(f"day {last} / day {first} run time: {ratio:.2f}, CPU time: {cpu_ratio:.2f} (floor <= 1.2)")
    print(f"peak memory of any run: {peak:.0f} MB (floor < 1024)")
    print(f"recall at day {first}: levels {base['levels']['recall']:.4f}, every date {base['baseline']['recall']:.4f}")
    print(f"files of day {first} identical to every date loaded: {'yes' if base['identical'] else 'NO'}")
    _plot(days, runs, png)
    print(f"plot: {png}")
    return base["identical"]


def _plot(days: list[dict], runs: dict[int, dict], png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x = [row["day"] for row in days]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 7), sharex=True)
    top.plot(x, [row["compact"] for row in days], label="compaction after a publish (s)", linewidth=0.8)
    top.plot(x, [row["upkeep"] for row in days], label="a run's levels upkeep (s)", linewidth=0.8)
    probed = [row for row in days if row["probe"] is not None]
    top.plot(
        [r["day"] for r in probed], [r["probe"] for r in probed], label="probe with a day of keys (s)", linewidth=0.8
    )
    top.scatter(list(runs), [r["levels"]["seconds"] for r in runs.values()], color="black", label="real run (s)")
    top.set_ylabel("seconds")
    top.legend()
    bottom.plot(x, [row["compact_peak_mb"] for row in days], label="compaction, peak numpy MB", linewidth=0.8)
    bottom.plot(x, [row["peak_mb"] for row in days], label="a run's index work, peak numpy MB", linewidth=0.8)
    bottom.scatter(
        list(runs), [r["levels"]["peak_mb"] for r in runs.values()], color="black", label="real run peak RSS MB"
    )
    bottom.set_ylabel("MB")
    bottom.set_xlabel("day")
    bottom.legend()
    fig.tight_layout()
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=100)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.history", description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--per-day", type=int, default=30000)
    parser.add_argument(
        "--dup-rate", type=float, default=0.02, help="share of each day's articles copied from earlier days"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--every", type=int, default=30, help="days between two probes of the levels")
    parser.add_argument(
        "--build",
        choices=["bulk", "daily"],
        default="bulk",
        help="levels compacted only at the probes and timed runs, merged in bulk (bulk), or after every day (daily)",
    )
    parser.add_argument(
        "--timed", default="10,180,last", help="days of the real runs (the first also runs the baseline)"
    )
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--every-date", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], int(args.child[2]), args.every_date)
        return
    timed = sorted({args.days if t == "last" else int(t) for t in args.timed.split(",")})
    if not 2 <= timed[0] or timed[-1] > args.days:
        raise SystemExit(f"--timed days must be within 2..{args.days}")
    plan = Plan(args.days, args.per_day, args.dup_rate, args.seed)
    days, runs = run(plan, timed, args.out, args.every, args.build == "bulk")
    (args.out / "days.json").write_text(json.dumps({"days": days, "runs": {str(k): v for k, v in runs.items()}}))
    if not report(plan, days, runs, args.out / "history.png"):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
