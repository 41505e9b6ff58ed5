"""The editors' JSON Schema accepts every packaged scenario and refuses what `validate` refuses."""

from __future__ import annotations

import json
import tomllib

import jsonschema
import pytest

from sim.cli import main
from sim.scenario.editor_schema import SCHEMA_ID, toml_as_json
from sim.scenario.files import ScenarioError, json_schema, packaged_dir, packaged_names, parse_scenario

SCHEMA = json_schema()
VALIDATOR = jsonschema.Draft202012Validator(
    SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
)
BASELINE = (packaged_dir() / "baseline.toml").read_text(encoding="utf-8")


def schema_errors(text: str) -> list[str]:
    return [e.message for e in VALIDATOR.iter_errors(toml_as_json(tomllib.loads(text)))]


def test_the_schema_is_a_valid_draft_2020_12_schema_with_an_id():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert SCHEMA["$id"] == SCHEMA_ID


@pytest.mark.parametrize("name", packaged_names())
def test_every_packaged_scenario_passes(name):
    assert schema_errors((packaged_dir() / name).read_text(encoding="utf-8")) == []


PARTIAL = 'extends = "baseline"\nname = "x"\n'
INVALID = {
    "clock 7:00": BASELINE.replace('open = "07:00"', 'open = "7:00"', 1),
    "clock 11pm": BASELINE.replace('close = "23:00"', 'close = "11pm"', 1),
    "clock 25:00": BASELINE.replace('close = "23:00"', 'close = "25:00"', 1),
    "time zone Beijing": BASELINE.replace('timezone = "Asia/Shanghai"', 'timezone = "Beijing"', 1),
    "date 2023-13-01": BASELINE.replace("start_date = 2023-02-13", 'start_date = "2023-13-01"', 1),
    "unknown key": BASELINE + "\nfoo = 1\n",
    "missing field": BASELINE.replace('name = "baseline"', "", 1),
    "partial: clock": PARTIAL + '[hours.vn]\nwindows = [{ open = "7:00", close = "23:00" }]\n',
    "partial: time zone": PARTIAL + '[hours.cn]\ntimezone = "Beijing"\n',
    "partial: misspelled field": PARTIAL + "[crossings.chi_ma]\nlane = 3\n",
    "partial: distribution without its parameters": PARTIAL
    + "[cargo.general]\npatience = { kind = 'gamma', mean_min = 60 }\n",
    "partial: [set] path not in the --set syntax": PARTIAL + '[set]\n"crossings.chi_ma lanes" = 3\n',
}


@pytest.mark.parametrize("case", list(INVALID))
def test_what_validate_refuses_the_schema_refuses(case):
    text = INVALID[case]
    with pytest.raises(ScenarioError):
        parse_scenario(text, name=f"{case}.toml")
    assert schema_errors(text), f"the schema accepts {case}"


def test_partial_files_need_no_required_field():
    assert schema_errors(PARTIAL + "[crossings.chi_ma.routes.export]\nyard_capacity = 40\n") == []


def test_a_bad_time_zone_is_one_short_error():
    """The schema checks a zone's shape: its error quotes a short pattern, not ~600 zone names."""
    errors = schema_errors(PARTIAL + '[hours.cn]\ntimezone = "Beijing"\n')
    assert len(errors) == 1 and len(errors[0]) < 200, errors


def test_a_set_table_of_paths_passes():
    assert schema_errors(PARTIAL + '[set]\n"crossings.chi_ma.routes.export.stages[0].lanes" = 3\n') == []


def test_schema_command_prints_it(capsys):
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out)["$id"] == SCHEMA_ID
