"""The fetch stage against a real HTTP server on 127.0.0.1: landing zone, manifest, resulting articles."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pipeline.ingest import fetch, landing
from pipeline.ingest.sources import FetchSettings, Source
from tests.conftest import read_dataset, run_cli

DATE = "2026-03-02"
MAX_BYTES = 50_000

PORT_PARAS = (
    "The harbour authority of Port Elm said on Tuesday that container traffic rose by a fifth in the first "
    "quarter, helped by a new rail link that moves boxes inland within hours of unloading.",
    "Officials expect the growth to continue through the summer, when two new cranes are due to arrive and a "
    "second berth opens for the larger ships now calling at the port.",
    "Dock workers welcomed the figures but warned that shift patterns had not kept pace with the extra volume, "
    "and their union asked for talks on staffing before the busy season begins.",
    "The authority said it would publish a full report on the expansion in June, including the cost of dredging "
    "the outer channel and the results of a study of noise in nearby streets.",
)
BRIDGE_PARAS = (
    "Engineers closed the old river bridge in Elmford on Monday after inspectors found cracks in two of its "
    "steel supports during a routine check of the span.",
    "Traffic was sent over the ring road, adding about twenty minutes to journeys into the town centre, and "
    "buses were told to use the northern crossing until further notice.",
    "The council said repairs could take six weeks and that a temporary footbridge would open for pedestrians "
    "and cyclists by the end of the month.",
)
FLAKY_PARAS = (
    "The Elm Valley orchestra will tour four cities this spring, its first trip abroad in a decade, the "
    "conductor told reporters after the final rehearsal on Sunday.",
    "Tickets for the opening concert sold out within an hour, and the orchestra added a second evening to meet "
    "demand from listeners who missed out.",
)
PLAIN_TEXT = (
    "Library opens late on Fridays\n\n"
    "The central library in Elmford will stay open until ten on Friday evenings from next month, the council "
    "said, after a survey found that many readers could not visit during working hours.\n\n"
    "Staff numbers will not change: volunteers from the friends of the library will run the reading rooms.\n"
)


def article_page(title: str, paragraphs: tuple[str, ...], author: str, canonical: str) -> str:
    """A news page as sites serve it: navigation, an inline "Read more" promo, a related-links box, a footer."""
    first, rest = paragraphs[:2], paragraphs[2:]
    body = "".join(f"<p>{p}</p>" for p in first)
    body += '<p><a href="/ferry">Read more: Ferry strike ends after late-night talks</a></p>'
    body += "".join(f"<p>{p}</p>" for p in rest)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title} | Elm Gazette</title>
<meta name="author" content="{author}"><meta property="og:site_name" content="Elm Gazette">
<link rel="canonical" href="{canonical}"></head>
<body><header><nav><ul><li><a href="/">Home</a></li><li><a href="/world">World news</a></li>
<li><a href="/business">Business desk</a></li><li><a href="/subscribe">Subscribe today</a></li></ul></nav></header>
<main><article><h1>{title}</h1>{body}</article>
<aside class="related"><h3>Most read</h3><ul><li><a href="/a">Read more: Council votes on parking fees</a></li>
<li><a href="/b">Mayor opens new library wing</a></li></ul></aside></main>
<footer><p>Copyright 2026 Elm Gazette. All rights reserved.</p><a href="/privacy">Privacy policy</a></footer>
</body></html>"""


PORT_HTML = article_page("Port traffic jumps a fifth", PORT_PARAS, "Dana Reyes", "https://gazette.example/port")
BRIDGE_HTML = article_page("Cracks close Elmford bridge", BRIDGE_PARAS, "Sam Okafor", "https://gazette.example/bridge")
FLAKY_HTML = article_page("Orchestra plans spring tour", FLAKY_PARAS, "Lee Park", "https://gazette.example/tour")
NAV_ONLY_HTML = (
    "<!DOCTYPE html><html><head><title>Elm Gazette</title></head><body>"
    '<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>'
    '<footer><a href="/privacy">Privacy</a></footer></body></html>'
)
PORT_ETAG = '"port-v1"'


def rss(base: str, items: list[tuple[str, str, str, str]]) -> str:
    entries = "".join(
        f"<item><title>{title}</title><link>{link}</link><author>{author}</author><pubDate>{date}</pubDate></item>"
        for title, link, author, date in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Elm Gazette</title>'
        f"<link>{base}/</link><description>News from Elm</description>{entries}</channel></rss>"
    )


def feed_items(base: str) -> list[tuple[str, str, str, str]]:
    return [
        (
            "Port traffic jumps a fifth",
            f"{base}/news/port.html",
            "dana@gazette.example (Dana Reyes)",
            "Fri, 27 Feb 2026 08:30:00 GMT",
        ),
        (
            "Cracks close Elmford bridge",
            f"{base}/news/bridge",
            "sam@gazette.example (Sam Okafor)",
            "Mon, 02 Mar 2026 06:00:00 GMT",
        ),
        (
            "Library opens late on Fridays",
            f"{base}/briefs/library.txt",
            "desk@gazette.example (News desk)",
            "Sun, 01 Mar 2026 12:00:00 GMT",
        ),
        (
            "Orchestra plans spring tour",
            f"{base}/news/tour.html",
            "lee@gazette.example (Lee Park)",
            "Sun, 01 Mar 2026 18:00:00 GMT",
        ),
        ("Gone", f"{base}/news/gone.html", "x@gazette.example (X)", "Sun, 01 Mar 2026 10:00:00 GMT"),
        ("Slow", f"{base}/news/slow.html", "x@gazette.example (X)", "Sun, 01 Mar 2026 10:00:00 GMT"),
        ("Huge", f"{base}/news/huge.html", "x@gazette.example (X)", "Sun, 01 Mar 2026 10:00:00 GMT"),
        ("Index", f"{base}/news/index.html", "x@gazette.example (X)", "Sun, 01 Mar 2026 10:00:00 GMT"),
        ("Local file", "file:///etc/passwd", "x@gazette.example (X)", "Sun, 01 Mar 2026 10:00:00 GMT"),
    ]


def port_page(request: Request) -> Response:
    """Supports conditional GET: a client that sends back the ETag gets a 304 and no body."""
    if request.headers.get("If-None-Match") == PORT_ETAG:
        return Response(status=304, headers={"ETag": PORT_ETAG})
    return Response(PORT_HTML, content_type="text/html; charset=utf-8", headers={"ETag": PORT_ETAG})


def slow_page(request: Request) -> Response:
    time.sleep(1.5)
    return Response("<html><body><p>too late</p></body></html>", content_type="text/html")


def huge_page(request: Request) -> Response:
    """Streamed without a Content-Length, so only counting the bytes can stop it."""
    chunks = (b"<p>" + b"padding " * 1000 + b"</p>" for _ in range(100))
    return Response(chunks, content_type="text/html", direct_passthrough=True)


@pytest.fixture(scope="module")
def site():
    """A real HTTP server on 127.0.0.1 serving a feed and everything a news site can answer."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    base = server.url_for("").rstrip("/")
    server.expect_request("/feed.xml").respond_with_data(
        rss(base, feed_items(base)), content_type="application/rss+xml"
    )
    server.expect_request("/news/port.html").respond_with_handler(port_page)
    server.expect_request("/news/bridge").respond_with_data(
        "", status=301, headers={"Location": "/news/2026/bridge-closed.html"}
    )
    server.expect_request("/news/2026/bridge-closed.html").respond_with_data(BRIDGE_HTML, content_type="text/html")
    server.expect_request("/briefs/library.txt").respond_with_data(PLAIN_TEXT, content_type="text/plain")
    # A 500 once, then the page: the retry must recover it.
    server.expect_oneshot_request("/news/tour.html").respond_with_data("busy", status=500)
    server.expect_request("/news/tour.html").respond_with_data(FLAKY_HTML, content_type="text/html")
    server.expect_request("/news/gone.html").respond_with_data("not here", status=404)
    server.expect_request("/news/slow.html").respond_with_handler(slow_page)
    server.expect_request("/news/huge.html").respond_with_handler(huge_page)
    server.expect_request("/news/index.html").respond_with_data(NAV_ONLY_HTML, content_type="text/html")
    yield server, base
    server.clear()
    server.stop()


FETCH_FLAGS = (
    "--allow-private", "--timeout", "0.5", "--retries", "2", "--backoff", "0.05", "--delay", "0",
    "--max-bytes", str(MAX_BYTES), "-q",
)  # fmt: skip


@pytest.fixture(scope="module")
def fetched(site, tmp_path_factory):
    """One real `newsetl fetch` of the feed, then the real processing step on the landed day folder."""
    _, base = site
    root = tmp_path_factory.mktemp("fetch")
    raw, out = root / "raw", root / "out"
    run_cli("fetch", "--feed", f"{base}/feed.xml", "--landing", str(raw), "--date", DATE, *FETCH_FLAGS)
    run_cli("run", "--raw", str(raw / DATE), "--out", str(out), "--date", DATE, "-q")
    return raw, out, base, read_manifest(raw)


def read_manifest(raw: Path) -> list[dict]:
    """Every manifest row under the landing root, read back with pyarrow (nulls stay None)."""
    return pq.read_table(raw / "_manifest").to_pylist()


def by_url(manifest: list[dict], url: str) -> dict:
    rows = [row for row in manifest if row["url"] == url]
    assert len(rows) == 1, f"{url}: {len(rows)} manifest rows"
    return rows[0]


def test_every_request_is_one_manifest_row_with_its_outcome(fetched):
    _, _, base, manifest = fetched
    assert len(manifest) == 10  # the feed and its nine entries
    feed = by_url(manifest, f"{base}/feed.xml")
    assert (feed["kind"], feed["outcome"], feed["status"]) == ("feed", "feed", 200)
    outcomes = {row["url"].removeprefix(base): row["outcome"] for row in manifest}
    assert outcomes == {
        "/feed.xml": "feed",
        "/news/port.html": "stored",
        "/news/bridge": "stored",
        "/briefs/library.txt": "stored",
        "/news/tour.html": "stored",
        "/news/index.html": "stored",
        "/news/gone.html": "error",
        "/news/slow.html": "error",
        "/news/huge.html": "error",
        "file://etc/passwd": "error",  # as feedparser normalizes file:///etc/passwd
    }
    assert len({row["fetch_id"] for row in manifest}) == 1


def test_redirect_records_the_final_url(fetched):
    _, _, base, manifest = fetched
    row = by_url(manifest, f"{base}/news/bridge")
    assert row["final_url"] == f"{base}/news/2026/bridge-closed.html"
    assert row["status"] == 200


def test_404_is_an_error_row_and_is_not_retried(fetched):
    _, _, base, manifest = fetched
    row = by_url(manifest, f"{base}/news/gone.html")
    assert (row["status"], row["attempts"], row["raw_path"]) == (404, 1, None)
    assert "404" in row["error"]


def test_500_is_retried_until_the_page_arrives(fetched):
    _, _, base, manifest = fetched
    row = by_url(manifest, f"{base}/news/tour.html")
    assert (row["status"], row["attempts"], row["outcome"]) == (200, 2, "stored")
    assert row["error"] is None


def test_slow_response_times_out_after_every_retry(fetched):
    _, _, base, manifest = fetched
    row = by_url(manifest, f"{base}/news/slow.html")
    assert row["attempts"] == 3  # first try and two retries
    assert "timed out" in row["error"]


def test_oversized_body_is_aborted_and_not_landed(fetched):
    raw, _, base, manifest = fetched
    row = by_url(manifest, f"{base}/news/huge.html")
    assert "too large" in row["error"]
    assert row["raw_path"] is None and row["sha256"] is None
    assert all(p.stat().st_size <= MAX_BYTES for p in (raw / DATE).iterdir())


def test_feed_links_that_are_not_http_are_refused(fetched):
    _, _, _, manifest = fetched
    row = by_url(manifest, "file://etc/passwd")
    assert "only http(s)" in row["error"] and row["attempts"] == 0


def test_landed_files_are_the_exact_bytes_named_by_their_hash(fetched):
    raw, _, base, manifest = fetched
    stored = [row for row in manifest if row["outcome"] == "stored"]
    day = raw / DATE
    assert sorted(p.name for p in day.iterdir() if not p.name.endswith(".meta.json")) == sorted(
        Path(row["raw_path"]).name for row in stored
    )
    for row in stored:
        data = (raw / row["raw_path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == row["sha256"] == Path(row["raw_path"]).stem
        assert len(data) == row["size"]
    port = by_url(manifest, f"{base}/news/port.html")
    assert (raw / port["raw_path"]).read_bytes() == PORT_HTML.encode()
    assert port["etag"] == PORT_ETAG
    assert port["raw_path"].endswith(".html")
    assert by_url(manifest, f"{base}/briefs/library.txt")["raw_path"].endswith(".txt")


def test_feed_entry_metadata_travels_in_the_sidecar(fetched):
    raw, _, base, manifest = fetched
    row = by_url(manifest, f"{base}/news/bridge")
    meta = json.loads((raw / f"{row['raw_path']}.meta.json").read_text())
    assert meta["title"] == "Cracks close Elmford bridge"
    assert meta["author"] == "Sam Okafor"
    assert meta["published_at"] == "2026-03-02T06:00:00+00:00"
    assert meta["feed_url"] == f"{base}/feed.xml"
    assert meta["site_name"] == "Elm Gazette"
    assert meta["source_url"] == f"{base}/news/2026/bridge-closed.html"
    assert meta["requested_url"] == f"{base}/news/bridge"


def test_fetched_pages_become_articles_without_navigation_or_promos(fetched):
    _, out, base, _ = fetched
    articles = read_dataset(out, "articles").set_index("title")
    assert sorted(articles.index) == [
        "Cracks close Elmford bridge",
        "Library opens late on Fridays",
        "Orchestra plans spring tour",
        "Port traffic jumps a fifth",
    ]
    port = articles.loc["Port traffic jumps a fifth"]
    assert port["body"].split("\n\n") == list(PORT_PARAS)
    for body in articles["body"]:
        for boilerplate in ("Read more", "Home", "Subscribe", "Most read", "Copyright", "Privacy"):
            assert boilerplate not in body
    library = articles.loc["Library opens late on Fridays"]
    assert library["body"].startswith("The central library in Elmford")


def test_articles_carry_outlet_author_date_and_urls_for_analysts(fetched):
    _, out, base, _ = fetched
    articles = read_dataset(out, "articles").set_index("title")
    port = articles.loc["Port traffic jumps a fifth"]
    assert port["source_url"] == f"{base}/news/port.html"
    assert port["canonical_url"] == "https://gazette.example/port"
    assert port["site_name"] == "Elm Gazette"
    assert port["author"] == "Dana Reyes"
    assert port["published_at"] == dt.datetime(2026, 2, 27, 8, 30, tzinfo=dt.UTC)
    assert port["feed_url"] == f"{base}/feed.xml"
    assert port["fetched_at"].date() == dt.datetime.now(dt.UTC).date()
    assert articles.loc["Cracks close Elmford bridge"]["source_url"] == f"{base}/news/2026/bridge-closed.html"


def test_a_page_without_article_text_is_a_reject(fetched):
    _, out, base, manifest = fetched
    rejects = read_dataset(out, "rejects")
    index_sha = by_url(manifest, f"{base}/news/index.html")["sha256"]
    assert rejects[["raw_sha256", "reason"]].values.tolist() == [[index_sha, "not_an_article"]]


def test_refetch_stores_nothing_for_unchanged_urls(fetched, site):
    """Conditional GET (ETag → 304) or the same bytes again: a second fetch lands nothing new."""
    raw, _, base, _ = fetched
    before = sorted((raw / DATE).iterdir())
    run_cli("fetch", "--feed", f"{base}/feed.xml", "--landing", str(raw), "--date", DATE, *FETCH_FLAGS)
    assert sorted((raw / DATE).iterdir()) == before
    manifest = read_manifest(raw)
    first_id = min(manifest, key=lambda row: row["fetched_at"])["fetch_id"]
    first = [row for row in manifest if row["fetch_id"] == first_id]
    second = [row for row in manifest if row["fetch_id"] != first_id]
    outcomes = {row["url"].removeprefix(base): (row["outcome"], row["status"]) for row in second}
    assert outcomes["/news/port.html"] == ("unchanged", 304)
    assert outcomes["/briefs/library.txt"] == ("unchanged", 200)
    assert outcomes["/news/bridge"] == ("unchanged", 200)
    port_url = f"{base}/news/port.html"
    assert by_url(second, port_url)["sha256"] == by_url(first, port_url)["sha256"]


def test_private_addresses_are_refused_without_opt_in(site, tmp_path):
    server, base = site
    feed_requests = sum(request.path == "/feed.xml" for request, _ in server.log)
    zone = landing.landing_for(str(tmp_path / "raw"), zone_date())
    summary = fetch.fetch_sources(
        [Source("gazette", "feed", (f"{base}/feed.xml",))], zone, FetchSettings(delay=0), zone_date()
    )
    assert summary.outcomes == {"error": 1}
    (row,) = read_manifest(tmp_path / "raw")
    assert "private or loopback" in row["error"] and row["attempts"] == 0
    assert sum(request.path == "/feed.xml" for request, _ in server.log) == feed_requests  # never contacted
    assert not (tmp_path / "raw" / DATE).exists()


@pytest.mark.parametrize(
    ("url", "allow_private", "refused"),
    [
        ("file:///etc/passwd", True, "only http(s)"),
        ("ftp://example.org/a.txt", False, "only http(s)"),
        ("http://10.1.2.3/story.html", False, "private or loopback"),
        ("http://[::1]:8080/story.html", False, "private or loopback"),
        ("http://169.254.169.254/latest/meta-data", False, "private or loopback"),
        ("http://10.1.2.3/story.html", True, None),
        ("https:///no-host", False, "no host"),
    ],
)
def test_only_public_http_urls_are_fetched_unless_opted_in(url, allow_private, refused):
    reason = fetch.check_url(url, allow_private)
    assert (reason is None) if refused is None else (refused in reason)


def test_requests_to_one_host_are_spaced_by_the_delay(site, tmp_path):
    server, base = site
    starts: list[float] = []

    def timed(request: Request) -> Response:
        starts.append(time.monotonic())
        return Response(PLAIN_TEXT, content_type="text/plain")

    server.expect_request("/timed").respond_with_handler(timed)
    urls = tuple(f"{base}/timed?n={i}" for i in range(3))
    settings = FetchSettings(delay=0.3, per_host=1, allow_private=True)
    zone = landing.landing_for(str(tmp_path / "raw"), zone_date())
    fetch.fetch_sources([Source("list", "urls", urls)], zone, settings, zone_date())
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert len(starts) == 3 and min(gaps) >= 0.25


def test_no_more_than_per_host_requests_are_in_flight_and_each_says_who_we_are(site, tmp_path):
    server, base = site
    lock, in_flight, peak, agents = threading.Lock(), [0], [0], []

    def counted(request: Request) -> Response:
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
            agents.append(request.headers.get("User-Agent", ""))
        time.sleep(0.2)
        with lock:
            in_flight[0] -= 1
        return Response(PLAIN_TEXT, content_type="text/plain")

    server.expect_request("/counted").respond_with_handler(counted)
    urls = tuple(f"{base}/counted?n={i}" for i in range(6))
    settings = FetchSettings(delay=0, per_host=2, workers=6, allow_private=True)
    zone = landing.landing_for(str(tmp_path / "raw"), zone_date())
    fetch.fetch_sources([Source("list", "urls", urls)], zone, settings, zone_date())
    assert len(agents) == 6 and peak[0] <= 2
    assert all(agent.startswith("newsetl/") for agent in agents)


def test_same_bytes_from_two_urls_land_once(site, tmp_path):
    _, base = site
    urls = (f"{base}/briefs/library.txt", f"{base}/briefs/library.txt?utm_source=rss")
    zone = landing.landing_for(str(tmp_path / "raw"), zone_date())
    summary = fetch.fetch_sources(
        [Source("list", "urls", urls)], zone, FetchSettings(delay=0, per_host=1, allow_private=True), zone_date()
    )
    assert summary.outcomes == {"already_landed": 1, "stored": 1}
    rows = read_manifest(tmp_path / "raw")
    assert len({row["raw_path"] for row in rows}) == 1
    assert len(list((tmp_path / "raw" / DATE).glob("*.txt"))) == 1


def test_local_folder_is_copied_byte_for_byte_with_its_metadata(tmp_path):
    src = tmp_path / "incoming"
    src.mkdir()
    (src / "2019-04-16_fire.txt").write_bytes(PLAIN_TEXT.encode("latin-1"))
    (src / "2019-04-16_fire.txt.meta.json").write_text('{"author": "Desk"}')
    (src / "page.html").write_bytes(PORT_HTML.encode())
    raw = tmp_path / "raw"
    for _ in range(2):
        run_cli("fetch", "--path", str(src), "--landing", str(raw), "--date", DATE, "-q")
    rows = read_manifest(raw)
    assert sorted((Path(r["url"]).name, r["outcome"]) for r in rows) == [
        ("2019-04-16_fire.txt", "stored"),
        ("2019-04-16_fire.txt", "unchanged"),
        ("page.html", "stored"),
        ("page.html", "unchanged"),
    ]
    landed = sorted(p.name for p in (raw / DATE).iterdir())
    fire_sha = hashlib.sha256(PLAIN_TEXT.encode("latin-1")).hexdigest()
    page_sha = hashlib.sha256(PORT_HTML.encode()).hexdigest()
    assert landed == sorted(
        [f"{fire_sha}.txt", f"{fire_sha}.txt.meta.json", f"{page_sha}.html", f"{page_sha}.html.meta.json"]
    )
    meta = json.loads((raw / DATE / f"{fire_sha}.txt.meta.json").read_text())
    assert meta["author"] == "Desk"
    assert meta["published_at"] == "2019-04-16T00:00:00+00:00"  # from the original file name
    assert meta["original_uri"] == str(src / "2019-04-16_fire.txt")


def test_run_fetch_lands_then_processes_in_one_go(site, tmp_path):
    _, base = site
    raw, out = tmp_path / "raw", tmp_path / "out"
    run_cli(
        "run", "--fetch", "--url", f"{base}/briefs/library.txt", "--allow-private",
        "--raw", str(raw), "--out", str(out), "--date", DATE, "-q",
    )  # fmt: skip
    articles = read_dataset(out, "articles")
    assert articles["title"].tolist() == ["Library opens late on Fridays"]
    assert articles["source_url"].tolist() == [f"{base}/briefs/library.txt"]
    assert articles["raw_uri"].iloc[0].startswith(str(raw / DATE))

    # The next day the URL is unchanged: nothing lands, and the day is an empty partition, not an error.
    next_day = (zone_date() + dt.timedelta(days=1)).isoformat()
    run_cli(
        "run", "--fetch", "--url", f"{base}/briefs/library.txt", "--allow-private",
        "--raw", str(raw), "--out", str(out), "--date", next_day, "-q",
    )  # fmt: skip
    assert not (raw / next_day).exists()
    assert read_dataset(out, "runs").set_index("partition_date").loc[dt.date.fromisoformat(next_day), "n_raw"] == 0


def zone_date() -> dt.date:
    return dt.date.fromisoformat(DATE)
