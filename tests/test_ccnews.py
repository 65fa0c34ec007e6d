"""`newsetl fetch --cc-news`: the day's CC-NEWS WARC files, listed, streamed, resumed and capped, from a
real HTTP server on 127.0.0.1, then read by a run as WARC records."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib

from werkzeug import Request, Response

from pipeline.ingest import ccnews, landing
from pipeline.ingest.fetch import Fetcher
from pipeline.ingest.sources import FetchSettings
from tests.conftest import read_dataset, run_cli
from tests.test_warc import PAGE, response

DATE = "2024-05-01"
DAY = dt.date.fromisoformat(DATE)
MONTH = "crawl-data/CC-NEWS/2024/05"
NAMES = ["CC-NEWS-20240501003000-00001.warc.gz", "CC-NEWS-20240501120000-00002.warc.gz"]


def _warc(i: int) -> bytes:
    page = PAGE.format(title=f"Ferry report {i}", meta="", price=f"{i} euros").encode()
    return gzip.compress(response(f"https://news.example/{i}", "200 OK", "text/html; charset=utf-8", page)[0])


def _serve(httpserver, files: dict[str, bytes], served: list[str]) -> str:
    """The listing of May 2024 (this day's files and another day's) and each file, with Range support."""
    paths = [f"{MONTH}/CC-NEWS-20240430230000-00000.warc.gz", *(f"{MONTH}/{n}" for n in files)]
    httpserver.expect_request(f"/{MONTH}/warc.paths.gz").respond_with_data(gzip.compress("\n".join(paths).encode()))

    def send(request: Request) -> Response:
        data = files[request.path.rsplit("/", 1)[1]]
        served.append(request.headers.get("Range", "all"))
        if request.range:
            start = request.range.ranges[0][0]
            if start >= len(data):
                return Response(status=416)
            return Response(
                data[start:], status=206, headers={"Content-Range": f"bytes {start}-{len(data) - 1}/{len(data)}"}
            )
        return Response(data)

    for name in files:
        httpserver.expect_request(f"/{MONTH}/{name}").respond_with_handler(send)
    return httpserver.url_for("/")


def test_a_day_of_cc_news_is_landed_and_read_as_warc_records(tmp_path, httpserver):
    files = {name: _warc(i) for i, name in enumerate(NAMES)}
    base = _serve(httpserver, files, [])
    landing_root = tmp_path / "landing"
    args = ["fetch", "--cc-news", base, "--landing", str(landing_root), "--date", DATE, "--allow-private", "-q"]
    run_cli(*args, "--delay", "0")

    day = landing_root / DATE
    assert sorted(p.name for p in day.iterdir()) == NAMES  # the other day's file is not fetched
    assert (day / NAMES[0]).read_bytes() == files[NAMES[0]]
    manifest = landing.read_manifests(str(landing_root)).to_pylist()
    stored = {r["raw_path"]: r for r in manifest if r["kind"] == "warc"}
    assert stored[f"{DATE}/{NAMES[1]}"]["sha256"] == hashlib.sha256(files[NAMES[1]]).hexdigest()
    assert [r["outcome"] for r in manifest if r["kind"] == "cc_news_listing"] == ["listed"]

    run_cli("fetch", *args[1:], "--delay", "0")  # again: nothing downloaded twice
    again = landing.read_manifests(str(landing_root)).to_pylist()
    assert sorted(r["outcome"] for r in again if r["kind"] == "warc") == ["already_landed"] * 2 + ["stored"] * 2

    run_cli("run", "--raw", str(day), "--out", str(tmp_path / "out"), "--date", DATE, "-q")
    articles = read_dataset(tmp_path / "out", "articles")
    assert sorted(articles["title"]) == ["Ferry report 0", "Ferry report 1"]
    assert all(path.split("#")[1] == "offset=0" for path in articles["raw_path"])


def test_an_interrupted_download_resumes_where_it_stopped(tmp_path, httpserver):
    data = _warc(7) * 3
    served: list[str] = []
    base = _serve(httpserver, {NAMES[0]: data}, served)
    zone = landing.Landing(root=str(tmp_path), day=DATE)
    (tmp_path / DATE).mkdir()
    (tmp_path / DATE / f".{NAMES[0]}.part").write_bytes(data[:100])  # what a killed fetch left
    settings = FetchSettings(allow_private=True, delay=0, backoff=0)
    with Fetcher(settings) as fetcher:
        [listed, row] = ccnews.fetch_day(fetcher, "cc", base, zone, DAY, 0)
    assert (listed["outcome"], row["outcome"]) == ("listed", "stored")
    assert served == ["bytes=100-"]
    assert (tmp_path / DATE / NAMES[0]).read_bytes() == data
    assert not (tmp_path / DATE / f".{NAMES[0]}.part").exists()


def test_a_file_over_the_size_cap_is_aborted_and_not_landed(tmp_path, httpserver):
    base = _serve(httpserver, {NAMES[0]: _warc(1) * 50}, [])
    zone = landing.Landing(root=str(tmp_path), day=DATE)
    settings = FetchSettings(allow_private=True, delay=0, backoff=0, warc_max_bytes=1000)
    with Fetcher(settings) as fetcher:
        [_, row] = ccnews.fetch_day(fetcher, "cc", base, zone, DAY, 0)
    assert row["outcome"] == "error"
    assert row["error"].startswith("too large")
    assert not any((tmp_path / DATE).iterdir())


def test_a_missing_listing_is_one_error_row(tmp_path, httpserver):
    httpserver.expect_request(f"/{MONTH}/warc.paths.gz").respond_with_data("no", status=404)
    zone = landing.Landing(root=str(tmp_path), day=DATE)
    with Fetcher(FetchSettings(allow_private=True, delay=0, retries=0)) as fetcher:
        rows = ccnews.fetch_day(fetcher, "cc", httpserver.url_for("/"), zone, DAY, 0)
    assert [(r["outcome"], r["error"]) for r in rows] == [("error", "HTTP 404 NOT FOUND")]
