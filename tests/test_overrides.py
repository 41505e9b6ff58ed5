"""``--set path=value``: applied like a file, errors naming --set and the path, kept in the manifest."""

from __future__ import annotations

import json

import pytest

from sim.cli import main
from sim.scenario.files import ScenarioError, load_scenario, load_with_settings
from sim.scenario.overrides import parse_settings, parse_value


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


# -- [set] in a scenario file: one field of a list item, as --set writes it ----------------------------
AIDIAN = "facilities.aidian.routes.export.stages[1].lanes"
CHI_MA = "crossings.chi_ma.routes.export.stages[0].lanes"


def _file(tmp_path, text: str, name: str = "patch.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_set_table_changes_one_field_of_a_list_item_like_set_does(tmp_path):
    path = _file(tmp_path, f'extends = "baseline"\nname = "patched"\n[set]\n"{AIDIAN}" = 3\n"{CHI_MA}" = 4\n')
    patched = load_scenario(path)
    by_option = load_with_settings(
        "baseline", parse_settings([f"{AIDIAN}=3", f"{CHI_MA}=4"]), {"name": "patched"}
    )
    assert patched == by_option
    stages = patched.facilities["aidian"].routes["export"].stages
    assert (
        stages[1].lanes == 3
        and stages[0] == load_scenario("baseline").facilities["aidian"].routes["export"].stages[0]
    )
    # A child of the patched file keeps the patch, and its own tables merge over it.
    child = _file(tmp_path, 'extends = "patch.toml"\nname = "child"\nhorizon_days = 7\n', "child.toml")
    assert load_scenario(child).facilities["aidian"].routes["export"].stages[1].lanes == 3


@pytest.mark.parametrize(
    ("entry", "line"),
    [
        (f'"{CHI_MA}" = 0', f"[set] {CHI_MA}: {CHI_MA} = 0: expected at least 1"),
        ('"crossings.chima.enabled" = false',
         "[set] crossings.chima.enabled: crossings.chima: no such field; did you mean 'chi_ma'?"),
        ('"crossings.chi_ma.routes.export.stages[9].lanes" = 2',
         "[set] crossings.chi_ma.routes.export.stages[9].lanes: crossings.chi_ma.routes.export.stages[9]: "
         "no such item (the list crossings.chi_ma.routes.export.stages has 1)"),
        ('"crossings..lanes" = 2',
         "[set] crossings..lanes: path 'crossings..lanes': expected names separated"),
    ],
)  # fmt: skip
def test_a_bad_set_entry_is_one_line_naming_the_file_and_the_entry(tmp_path, entry, line):
    path = _file(tmp_path, f'extends = "baseline"\nname = "bad"\n[set]\n{entry}\n')
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert len(err.value.problems) == 1
    assert err.value.problems[0].startswith(f"{path}: {line}")


def test_the_readmes_set_example_changes_only_aidians_calendars():
    """The README's [set] example is a valid scenario that gives Ái Điểm's four stages the new
    calendar and leaves everything else as in the baseline."""
    import re
    from pathlib import Path

    from sim.scenario.files import normalised, parse_scenario
    from sim.scenario.inspect import diff

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    (example,) = [b for b in re.findall(r"```toml\n(.*?)```", readme, re.S) if "[set]" in b]
    scenario = parse_scenario(example, name="aidian_late.toml")
    stages = [st for r in scenario.facilities["aidian"].routes.values() for st in r.stages]
    assert [st.hours for st in stages] == ["cn_late"] * 4
    changed = {
        c.path.split(".")[0] for c in diff(normalised(load_scenario("baseline")), normalised(scenario))
    }
    assert changed == {"name", "description", "hours", "facilities"}
