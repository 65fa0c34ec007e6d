"""Shared fixtures: the bundled sample, the real corpora (skipped only when absent), the real CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

PROJECT = Path(__file__).resolve().parent.parent
SAMPLE_RAW = PROJECT / "data" / "raw" / "sample"
SEED_ARTICLE = SAMPLE_RAW / "000_b07ecb9dc5f1268f.txt"
SHARED = PROJECT.parent / "shared"
REUTERS = SHARED / "corpora" / "reuters21578"

ARTIFACTS = PROJECT / "test-artifacts"  # screenshots of the browser tests (git-ignored)
# Headless Chromium as root on a machine without outside network (background requests refused).
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def chromium() -> str:
    """Debian's chromium (CI installs it); tests that need it skip, saying why, when it is absent."""
    for name in ("chromium", "chromium-browser"):
        if path := shutil.which(name):
            return path
    pytest.skip("needs Debian's chromium package (apt-get install chromium) for browser tests")


def needs_reuters() -> Path:
    """The Reuters-21578 corpus from ../shared; tests that need it skip, saying why, when it is absent."""
    if not (REUTERS / "docs").is_dir():
        pytest.skip(f"needs the Reuters-21578 corpus at {REUTERS} (only in the development workspace)")
    return REUTERS


@pytest.fixture
def sample_raw(tmp_path: Path) -> Path:
    """A private copy of the bundled sample (so tests may add or break files freely)."""
    dest = tmp_path / "raw"
    shutil.copytree(SAMPLE_RAW, dest)
    return dest


def run_cli(
    *args: str, check: bool = True, env: dict | None = None, timeout: float = 600
) -> subprocess.CompletedProcess:
    """Run the real `newsetl` console script of this environment."""
    exe = Path(sys.executable).with_name("newsetl")
    cmd = [str(exe), *args] if exe.exists() else [sys.executable, "-m", "pipeline", *args]
    proc = subprocess.run(
        cmd, capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})}, cwd=PROJECT
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"{cmd} exited {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    return proc


def read_dataset(out: Path, name: str):
    """A dataset read back as pandas, the way an analyst loads it."""
    return pq.read_table(out / name).to_pandas()


WIRE_STORY = """Storm floods Lisbon harbour

LISBON, May 1 (Reuters) - Heavy rain flooded the old harbour of Lisbon on Wednesday, and the port
authority closed two quays while pumps ran through the night.

Fishermen said the water rose faster than in any storm they remembered, and several boats broke
loose from their moorings.
"""


@pytest.fixture(scope="session")
def processed(tmp_path_factory) -> Path:
    """The real output of two real CLI runs, shared read-only by the reader, query and report tests.

    2024-05-01: the bundled sample plus a wire story (dateline, Reuters), its exact copy, an empty
    and a binary file. 2024-05-02: the bundled sample again, so every input is a copy of day one.
    """
    base = tmp_path_factory.mktemp("processed")
    raw, out = base / "raw", base / "out"
    shutil.copytree(SAMPLE_RAW, raw)
    extra = raw / "extra"
    extra.mkdir()
    (extra / "harbour.txt").write_text(WIRE_STORY)
    (extra / "harbour-copy.txt").write_text(WIRE_STORY)
    (extra / "empty.txt").write_bytes(b"")
    (extra / "blob.txt").write_bytes(b"\x00\x01\x02\x03binary\x00\x00")
    run_cli("run", "--date", "2024-05-01", "--raw", str(raw), "--out", str(out), "--quiet")
    run_cli("run", "--date", "2024-05-02", "--raw", str(SAMPLE_RAW), "--out", str(out), "--quiet")
    return out


DATASETS = ("articles", "duplicates", "rejects")


def build_dated_raw(root: Path) -> Path:
    """Three days of raw folders `root/YYYY-MM-DD/` cut from the bundled sample, returned as `root`.

    Day 2 repeats a day-1 article under another name (a duplicate across dates), day 3 holds the
    same article twice (a duplicate within the day) and an empty file (a reject).
    """
    wiki = sorted((SAMPLE_RAW / "wikinews").glob("*.txt"))
    german = sorted((SAMPLE_RAW / "wikinews_other").glob("*.txt"))
    days = {
        "2024-05-01": [SEED_ARTICLE, *wiki[:5]],
        "2024-05-02": [*wiki[5:10], german[0]],
        "2024-05-03": [*german[1:4], wiki[10]],
    }
    for day, files in days.items():
        folder = root / day
        folder.mkdir(parents=True)
        for src in files:
            shutil.copyfile(src, folder / src.name)
    shutil.copyfile(wiki[0], root / "2024-05-02" / "zz_resent_copy.txt")
    shutil.copyfile(wiki[10], root / "2024-05-03" / "zz_same_day_copy.txt")
    (root / "2024-05-03" / "zz_empty.txt").write_bytes(b"")
    return root


def assert_same_partitions(left: Path, right: Path, dates: list[str]) -> None:
    """Each dataset's partition file of each date is byte-for-byte the same under both roots."""
    for day in dates:
        for name in DATASETS:
            a = left / name / f"date={day}" / "part-0.parquet"
            b = right / name / f"date={day}" / "part-0.parquet"
            assert a.read_bytes() == b.read_bytes(), f"{name} of {day} differs between {left} and {right}"
