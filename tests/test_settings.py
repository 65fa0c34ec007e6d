"""One `Settings` holds every default: the CLI's options are made from its fields and cannot drift.

(The DAG's params are checked against the same fields by tests/test_dag_shards.py, on the parsed DAG.)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import fields

import pytest
import typer.main

from pipeline.cli import app
from pipeline.settings import DATED_RAW, DEFAULT_WORKERS, Settings, param_schemas

SETTINGS = {f.name: f for f in fields(Settings)}
# Options named like a setting that are another thing: fetch's cap on a downloaded body.
NOT_SETTINGS = {("fetch", "max_bytes")}


def _as_option(value):
    return list(value) if isinstance(value, tuple) else value


@pytest.fixture(scope="module")
def commands() -> dict[str, dict]:
    """Every command's options as click sees them: {command: {name: click.Option}}."""
    group = typer.main.get_command(app)
    return {name: {p.name: p for p in command.params} for name, command in group.commands.items()}


@pytest.mark.parametrize(("command", "raw"), [("run", Settings().raw), ("backfill", DATED_RAW)])
def test_run_and_backfill_offer_every_setting_with_its_flag_default_help_and_bounds(commands, command, raw):
    options = commands[command]
    for name, field in SETTINGS.items():
        option = options[name]
        assert option.opts == ["--" + name.replace("_", "-")]
        assert option.default == _as_option(raw if name == "raw" else field.default), name
        assert option.help == field.metadata["help"]
        if field.metadata["minimum"] is not None:
            assert option.type.min == field.metadata["minimum"], name


def test_every_other_command_option_named_like_a_setting_has_its_default_and_help(commands):
    others = {c: options for c, options in commands.items() if c not in ("run", "backfill")}
    shared = [(c, n) for c, options in others.items() for n in options if n in SETTINGS]
    assert {name for _, name in shared} >= {"out", "lock_wait", "max_reject_rate"}
    for command, name in set(shared) - NOT_SETTINGS:
        option = commands[command][name]
        assert option.default == _as_option(SETTINGS[name].default), (command, name)
        assert option.help == SETTINGS[name].metadata["help"], (command, name)


def test_the_cli_and_the_dag_share_one_parallelism_rule():
    """Workers: two where there are two cores, one where there is one; the DAG maps that many shards."""
    assert Settings().workers == DEFAULT_WORKERS >= 1
    assert param_schemas()["workers"]["default"] == DEFAULT_WORKERS
    assert Settings().shards == 0  # guided slices for a CLI run, one per worker in the DAG


def test_param_schemas_type_each_setting_as_json_schema():
    schemas = param_schemas(raw=DATED_RAW)
    assert schemas.keys() == SETTINGS.keys()
    assert schemas["raw"]["default"] == DATED_RAW
    assert schemas["exclude"] == {
        "default": list(Settings().exclude),
        "description": SETTINGS["exclude"].metadata["help"],
        "type": "array",
        "items": {"type": "string"},
    }
    assert schemas["dedup_window_days"]["type"] == ["null", "integer"]
    assert (schemas["max_reject_rate"]["minimum"], schemas["max_reject_rate"]["maximum"]) == (0, 1)
    assert schemas["publish_anyway"]["type"] == "boolean"


def test_settings_of_a_mapping_takes_the_fields_and_freezes_lists():
    params = {**{name: field.default for name, field in SETTINGS.items()}, "date": "2024-05-01", "sources": ""}
    params["exclude"] = ["*.json"]
    built = Settings.of(params)
    assert built.exclude == ("*.json",)
    assert built == Settings(exclude=("*.json",))


@pytest.mark.parametrize(
    ("raw", "root"), [("data/raw/{date}", "data/raw"), ("typo/{date}", "typo"), ("s3://b/x/day-{date}/", "s3://b/x")]
)
def test_the_root_of_a_dated_raw_template_is_the_folder_that_holds_the_days(raw, root):
    settings = Settings(raw=raw)
    assert settings.raw_root == root
    assert settings.raw_for(dt.date(2024, 5, 1)) == raw.replace("{date}", "2024-05-01")


@pytest.mark.parametrize("bad", [{"workers": 0}, {"max_reject_rate": 1.5}, {"dedup_window_days": -1}])
def test_a_value_out_of_its_bounds_is_refused_by_the_library_too(bad):
    with pytest.raises(ValueError, match=f"setting {next(iter(bad))}="):
        Settings(**bad)
