"""``--set path=value``: applied like a file, errors naming --set and the path, kept in the manifest."""

from __future__ import annotations

import json

import pytest

from sim.cli import main
from sim.scenario.files import ScenarioError, load_scenario
from sim.scenario.overrides import load_with_settings, parse_settings, parse_value


def test_values_are_toml_and_bare_words_are_strings():
    assert parse_value("3") == 3
    assert parse_value("0.25") == 0.25
    assert parse_value('"mon-fri"') == "mon-fri"
    assert parse_value("mon-fri") == "mon-fri"
    assert parse_value("{ kind = 'exponential', mean_min = 12 }") == {"kind": "exponential", "mean_min": 12}


def test_a_list_item_and_a_distribution_field_change_only_that_field():
    settings = parse_settings(
        [
            "crossings.chi_ma.routes.export.stages[0].lanes=4",
            "crossings.chi_ma.routes.export.stages[0].service.default.branches[0].probability=0.5",
            "crossings.chi_ma.routes.export.stages[0].service.default.branches[1].probability=0.4",
            "reporting.recovery_factor=2",
        ]
    )
    base = load_scenario("baseline")
    s = load_with_settings("baseline", settings)
    stage = s.crossings["chi_ma"].routes["export"].stages[0]
    before = base.crossings["chi_ma"].routes["export"]
    assert stage.lanes == 4
    assert [b.probability for b in stage.service["default"].branches] == [0.5, 0.4, 0.1]
    assert len(s.crossings["chi_ma"].routes["export"].stages) == len(before.stages)
    assert s.crossings["chi_ma"].routes["export"].facility == before.facility  # the Chinese side, untouched
    assert s.reporting.recovery_factor == 2
    assert s.crossings["huu_nghi"] == base.crossings["huu_nghi"]


@pytest.mark.parametrize(
    ("setting", "line"),
    [
        ("crossings.chima.enabled=false",
         "--set crossings.chima.enabled=false: crossings.chima: no such field; did you mean 'chi_ma'?"),
        ("horizon_days=0", "--set horizon_days=0: horizon_days = 0: expected at least 1"),
        ("reporting.recovry=2", "--set reporting.recovry=2: reporting.recovry = 2: unknown key; "
         "did you mean 'recovery_factor'?"),
        ("crossings.chi_ma.routes.export.stages[7].lanes=2", "--set crossings.chi_ma.routes.export.stages[7]."
         "lanes=2: crossings.chi_ma.routes.export.stages[7]: no such item (the list "
         "crossings.chi_ma.routes.export.stages has 1)"),
        ("lanes", "--set lanes: expected PATH=VALUE, e.g. horizon_days=14"),
    ],
)  # fmt: skip
def test_bad_settings_are_one_line_naming_set_and_the_path(setting, line):
    with pytest.raises(ScenarioError) as err:
        load_with_settings("baseline", parse_settings([setting]))
    assert err.value.problems == [line]


def test_cli_set_exit_2_and_recorded_in_the_manifest(tmp_path, capsys):
    assert main(["run", "--days", "4", "--set", "crossings.chima.enabled=false"]) == 2
    assert capsys.readouterr().err.startswith("--set crossings.chima.enabled=false: ")
    out = tmp_path / "r"
    setting = "crossings.chi_ma.routes.export.stages[0].lanes=5"
    assert main(["run", "--days", "4", "--out", str(out), "--set", setting]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["settings"] == [setting]
    assert manifest["scenario"]["crossings"]["chi_ma"]["routes"]["export"]["stages"][0]["lanes"] == 5
