"""The sources file and flags: what gets fetched, and with which network manners."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.ingest.sources import (
    FetchSettings,
    Source,
    SourcesError,
    apply_overrides,
    load_sources,
    sources_from_flags,
)
from tests.conftest import PROJECT, run_cli


def test_sources_file_gives_each_kind_and_the_fetch_settings(tmp_path: Path):
    (tmp_path / "urls.txt").write_text("# picked by the desk\nhttps://a.example/1\n\n  https://a.example/2\n")
    (tmp_path / "sources.toml").write_text(
        """
[fetch]
timeout = 5
delay = 0.5
allow_private = true

[[sources]]
name = "gazette"
feed = ["https://a.example/rss", "https://a.example/atom"]

[[sources]]
name = "desk"
urls_file = "urls.txt"

[[sources]]
name = "archive"
path = "incoming/*.txt"
"""
    )
    config = load_sources(tmp_path / "sources.toml")
    assert config.sources == (
        Source("gazette", "feed", ("https://a.example/rss", "https://a.example/atom")),
        Source("desk", "urls", ("https://a.example/1", "https://a.example/2")),
        Source("archive", "path", (str(tmp_path / "incoming/*.txt"),)),
    )
    assert (config.fetch.timeout, config.fetch.delay, config.fetch.allow_private) == (5.0, 0.5, True)
    assert config.fetch.retries == FetchSettings().retries


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[sources]]\nname = "x"\nfeed = "https://a"\nurls = ["https://b"]\n', "exactly one of"),
        ('[[sources]]\nname = "x"\nfeeds = "https://a"\n', "unknown keys ['feeds']"),
        ('[fetch]\ntimeout = "fast"\n[[sources]]\nfeed = "https://a"\n', "timeout must be a float"),
        ('[fetch]\nretry = 2\n[[sources]]\nfeed = "https://a"\n', "unknown fetch setting 'retry'"),
        ("[fetch]\ntimeout = 3\n", "no [[sources]]"),
        ('[[sources]]\nname = "x"\nurls = []\n', "non-empty"),
        ("[[sources]\n", "not valid TOML"),
    ],
)
def test_a_bad_sources_file_says_what_to_fix(tmp_path: Path, text: str, message: str):
    path = tmp_path / "sources.toml"
    path.write_text(text)
    with pytest.raises(SourcesError) as info:
        load_sources(path)
    assert message in str(info.value)


def test_flags_override_the_file_and_none_means_unset():
    settings = apply_overrides(FetchSettings(retries=5), {"retries": None, "delay": 0, "allow_private": True})
    assert (settings.retries, settings.delay, settings.allow_private) == (5, 0.0, True)


def test_flags_become_one_source_per_kind(tmp_path: Path):
    listing = tmp_path / "urls.txt"
    listing.write_text("https://a.example/3\n")
    assert sources_from_flags(["https://a.example/rss"], ["https://a.example/1"], [], str(listing)) == [
        Source("cli-feed", "feed", ("https://a.example/rss",)),
        Source("cli-urls", "urls", ("https://a.example/1", "https://a.example/3")),
    ]


def test_the_example_sources_file_is_valid(tmp_path: Path):
    example = tmp_path / "sources.toml"
    example.write_bytes((PROJECT / "sources.example.toml").read_bytes())
    (tmp_path / "urls.txt").write_text("https://a.example/1\n")
    config = load_sources(example)
    assert [s.kind for s in config.sources] == ["feed", "urls", "urls", "path"]
    assert config.fetch == FetchSettings()


def test_cli_fetch_with_a_bad_sources_file_exits_2_with_one_line(tmp_path: Path):
    path = tmp_path / "sources.toml"
    path.write_text('[[sources]]\nname = "x"\n')
    proc = run_cli("fetch", "--sources", str(path), "--landing", str(tmp_path / "raw"), check=False)
    assert proc.returncode == 2
    assert "exactly one of" in proc.stderr
    assert not (tmp_path / "raw").exists()
