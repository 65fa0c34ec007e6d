"""The README stays a five-minute read, and the docs stay true to the code they describe."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from pipeline import schema
from tests.conftest import PROJECT, run_cli

README = PROJECT / "README.md"
DOCS = sorted((PROJECT / "docs").glob("*.md"))
DICTIONARY = PROJECT / "docs" / "data-dictionary.md"
README_MAX_LINES = 250

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = heading.strip().lower()
    text = "".join(c for c in text if c in " -_" or unicodedata.category(c)[0] in "LN")
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = FENCE.sub("", path.read_text())
    return {slug(h) for h in re.findall(r"^#+ (.+)$", text, flags=re.M)}


def section(text: str, title: str) -> str:
    """The body of the `## ` section whose heading contains `title`."""
    for part in re.split(r"^## ", text, flags=re.M)[1:]:
        heading, _, body = part.partition("\n")
        if title in heading:
            return body
    raise AssertionError(f"no '## ...{title}...' section")


def code_blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", text, flags=re.S | re.M)


def documented_columns(text: str) -> dict[str, set[str]]:
    """Per `## <dataset>` section, the column names in the first cell of its table rows."""
    sections = re.split(r"^## ", text, flags=re.M)[1:]
    columns = {}
    for section in sections:
        name, _, body = section.partition("\n")
        cells = re.findall(r"^\| ([^|]+) \|", body, flags=re.M)
        columns[name.strip()] = {c for cell in cells for c in re.findall(r"`([a-z_0-9]+)`", cell)}
    return columns


def test_the_readme_is_a_five_minute_read():
    lines = README.read_text().splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines; move detail into docs/"
    headings = [line for line in lines if line.startswith("## ")]
    for topic in ("Quick start", "analyst", "Backfill", "Airflow", "Read on"):
        assert any(topic in h for h in headings), f"README has no section about {topic!r}: {headings}"


SCHEMAS = {**schema.DATASETS, "fetch_manifest": schema.FETCH_MANIFEST}


@pytest.mark.parametrize("dataset", sorted(SCHEMAS))
def test_the_data_dictionary_documents_every_column_and_no_other(dataset):
    documented = documented_columns(DICTIONARY.read_text())
    assert dataset in documented, f"docs/data-dictionary.md has no '## {dataset}' section"
    columns = set(SCHEMAS[dataset].names)
    assert columns - documented[dataset] == set(), "columns of pipeline/schema.py missing from the dictionary"
    # Every dataset is hive-partitioned: `date` lives in the folder names, not in the schema.
    assert documented[dataset] - columns - {schema.PARTITION_COLUMN} == set(), "columns the schema lacks"


@pytest.mark.parametrize("page", [README, *DOCS], ids=lambda p: p.relative_to(PROJECT).as_posix())
def test_every_relative_link_reaches_a_file_and_heading(page):
    text = FENCE.sub("", page.read_text())
    broken = []
    for target in LINK.findall(text):
        if re.match(r"[a-z]+://|mailto:", target):
            continue
        file, _, anchor = target.partition("#")
        dest = (page.parent / file).resolve() if file else page
        if not dest.exists():
            broken.append(f"{target}: no file {dest}")
        elif anchor and anchor not in anchors(dest):
            broken.append(f"{target}: no heading with anchor #{anchor} in {dest.name}")
    assert broken == []


def counts_row(text: str) -> list[str]:
    """The run table's row as `make run` prints it: raw, articles, duplicates, rejects, excluded."""
    row = re.search(r"^│ \d{4}-\d\d-\d\d │(.*)│\s*$", text, flags=re.M)
    assert row, f"no run row in:\n{text}"
    return [cell.strip() for cell in row[1].split("│")][:-1]  # seconds vary


def test_the_quick_start_shows_what_make_run_prints(tmp_path):
    shown = counts_row(section(README.read_text(), "Quick start"))
    printed = counts_row(run_cli("run", "--out", str(tmp_path / "out")).stderr)  # `make run`, elsewhere
    assert shown == printed


def test_the_analysts_first_lines_run_as_written_on_real_output(processed, tmp_path):
    """The README's analyst code and commands, verbatim, from a folder laid out like the project."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "processed").symlink_to(processed)
    (tmp_path / ".venv").symlink_to(Path(sys.executable).parent.parent)
    (tmp_path / "examples").symlink_to(PROJECT / "examples")
    body = section(README.read_text(), "analyst")
    python, shell = code_blocks(body, "python"), code_blocks(body, "bash")
    assert python and shell
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    for code in python:
        proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
        assert proc.returncode == 0, f"{code}\n{proc.stderr[-2000:]}"
    for line in (line for block in shell for line in block.splitlines() if line.strip()):
        proc = subprocess.run(["bash", "-c", line], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, f"{line}\n{proc.stderr[-2000:]}"
        assert proc.stdout.strip(), f"{line} printed nothing"
