"""`newsetl report`: self-contained HTML pages whose charts render in a real browser beside the `runs` numbers."""

from __future__ import annotations

import base64
import io
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import lxml.html
import pyarrow.parquet as pq
import pytest
from PIL import Image

from tests.conftest import ARTIFACTS, CHROMIUM_FLAGS, SAMPLE_RAW, chromium, run_cli

SECTIONS = {
    "stages",
    "per_day",
    "rates",
    "reasons",
    "stage_seconds",
    "lengths",
    "published",
    "languages",
    "agencies",
    "places",
}


def run_chromium(tmp_path: Path, *args: str) -> str:
    profile = tmp_path / f"chromium-profile-{len(list(tmp_path.glob('chromium-profile-*')))}"
    proc = subprocess.run(
        [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def runs_rows(out: Path) -> list[dict]:
    """The `runs` dataset as plain rows, oldest first (read independently of pipeline.readers)."""
    rows = pq.read_table(out / "runs").to_pylist()
    for row in rows:
        row["reject_reasons"] = dict(row["reject_reasons"])
        row["stage_seconds"] = dict(row["stage_seconds"])
    return sorted(rows, key=lambda r: r["started_at"])


@pytest.fixture(scope="module")
def reports(processed, tmp_path_factory) -> dict[str, Path]:
    dest = tmp_path_factory.mktemp("reports")
    lines = run_cli("report", "--out", str(processed), "--dest", str(dest)).stdout.split()
    return {Path(line).stem: Path(line) for line in lines}


def facts_of(doc) -> dict[str, str]:
    return {el.get("data-key"): el.text_content().strip() for el in doc.xpath("//div[@class='fact']//*[@data-key]")}


def rows_of(doc, section: str) -> dict[str, list[str]]:
    rows = doc.xpath(f"//section[@data-section='{section}']//tbody/tr")
    return {tr.get("data-key"): [td.text_content().strip() for td in tr.xpath("./td")][1:] for tr in rows}


def test_report_writes_a_page_for_the_latest_run_and_one_for_the_dataset(processed, reports):
    latest = runs_rows(processed)[-1]["run_id"]
    assert set(reports) == {f"run-{latest}", "dataset"}


def test_pages_are_self_contained_with_real_png_charts(reports):
    for page in reports.values():
        text = page.read_text()
        doc = lxml.html.fromstring(text)
        assert not doc.xpath("//script | //link | //iframe")
        assert not [u for u in doc.xpath("//@src | //@href") if not u.startswith("data:")]
        images = doc.xpath("//section//img")
        assert {img.getparent().getparent().get("data-section") for img in images} == SECTIONS
        for img in images:
            png = Image.open(io.BytesIO(base64.b64decode(img.get("src").removeprefix("data:image/png;base64,"))))
            assert png.format == "PNG" and png.width >= 400


def test_the_dataset_page_renders_in_chromium_with_the_numbers_of_the_runs_dataset(processed, reports, tmp_path):
    page = reports["dataset"]
    doc = lxml.html.fromstring(run_chromium(tmp_path, "--dump-dom", page.as_uri()))
    runs = runs_rows(processed)

    assert len(doc.xpath("//section//img[starts-with(@src, 'data:image/png;base64,')]")) == len(SECTIONS)
    facts = facts_of(doc)
    for key in ("n_raw", "n_excluded", "n_articles", "n_duplicates", "n_rejects"):
        assert facts[key] == f"{sum(r[key] for r in runs):,}", key
    seconds = Counter()
    for r in runs:
        seconds.update(r["stage_seconds"])
    assert facts["slowest_stage"] == max(seconds, key=seconds.get)
    assert rows_of(doc, "per_day") == {
        r["partition_date"].isoformat(): [str(r["n_articles"]), str(r["n_duplicates"]), str(r["n_rejects"])]
        for r in runs
    }
    assert rows_of(doc, "reasons") == {"binary": ["1"], "empty": ["1"]}
    assert rows_of(doc, "stage_seconds") == {k: [f"{v:.3f}"] for k, v in seconds.items()}
    # Credits in photo credits, datelines and running text ("according to CNN", "Associated Press reported").
    assert rows_of(doc, "agencies") == {"Reuters": ["3"], "CNN": ["3"], "AP": ["2"], "BBC": ["1"]}
    # Places from the articles' extracted `places`: the most covered one with its article count.
    places = Counter(
        p for row in pq.read_table(processed / "articles", columns=["places"]).to_pylist() for p in row["places"]
    )
    ((top, n),) = places.most_common(1)
    assert rows_of(doc, "places")[top] == [str(n)]

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report-dataset.png"
    run_chromium(tmp_path, "--window-size=1280,4200", f"--screenshot={shot}", page.as_uri())
    image = Image.open(shot).convert("RGB")
    assert image.size == (1280, 4200)
    assert len(image.getcolors(maxcolors=1 << 20) or []) > 50  # charts drawn, not a blank page


def test_the_run_page_shows_that_runs_counts(processed, reports, tmp_path):
    run = runs_rows(processed)[-1]
    page = reports[f"run-{run['run_id']}"]
    doc = lxml.html.fromstring(run_chromium(tmp_path, "--dump-dom", page.as_uri()))

    facts = facts_of(doc)
    assert facts["run_id"] == run["run_id"]
    assert facts["date"] == run["partition_date"].isoformat() == "2024-05-02"
    for key in ("n_raw", "n_excluded", "n_articles", "n_duplicates", "n_rejects"):
        assert facts[key] == f"{run[key]:,}", key
    assert facts["duplicate_rate"] == "100.00%"
    assert rows_of(doc, "stages")["raw inputs"] == [str(run["n_raw"])]
    ARTIFACTS.mkdir(exist_ok=True)
    run_chromium(tmp_path, "--window-size=1280,2400", f"--screenshot={ARTIFACTS / 'report-run.png'}", page.as_uri())


def test_a_rerun_date_is_counted_once_and_the_replaced_run_says_so(processed, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(processed, out)
    run_cli("run", "--date", "2024-05-01", "--raw", str(SAMPLE_RAW), "--out", str(out), "--quiet")
    first = runs_rows(out)[0]["run_id"]
    paths = run_cli("report", "--out", str(out), "--run", first).stdout.split()

    old = lxml.html.fromstring(Path(paths[0]).read_text())
    assert facts_of(old)["n_rejects"] == "2"
    assert "replaced its partition" in old.xpath("//*[@class='warn']")[0].text_content()
    dataset = facts_of(lxml.html.fromstring(Path(paths[1]).read_text()))
    assert (dataset["n_dates"], dataset["n_rejects"], dataset["n_articles"]) == ("2", "0", "62")


def test_an_unknown_run_exits_2(processed, tmp_path):
    result = run_cli("report", "--out", str(processed), "--run", "nope", "--dest", str(tmp_path), check=False)
    assert result.returncode == 2
    assert "no run nope" in result.stderr
