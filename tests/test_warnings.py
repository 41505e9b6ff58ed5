"""Plausible mistakes: warnings with the field on validate and run; 'did you mean' for names."""

from __future__ import annotations

import pytest

from sim.cli import main
from sim.scenario.files import ScenarioError, packaged_names, parse_scenario
from sim.scenario.warnings import scenario_warnings

HEAD = 'extends = "baseline"\nname = "x"\n'  # baseline: 28 days from 2023-02-13


def warnings_of(text: str) -> list[str]:
    return scenario_warnings(parse_scenario(HEAD + text))


@pytest.mark.parametrize("name", packaged_names())
def test_packaged_scenarios_raise_no_warning(name):
    assert scenario_warnings(parse_scenario(f'extends = "{name}"\n')) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[[demand.windows]]\nstart = 2024-03-01\nend = 2024-03-31\nfactor = 1.5\n',
         "demand.windows[0] = 2024-03-01 to 2024-03-31: outside the run (the run covers 2023-02-13 to "
         "2023-03-12); it has no effect"),
        ('[[demand.windows]]\nstart = 2023-03-01\nend = 2023-03-05\nfactor = 150\n',
         "demand.windows[0].factor = 150: above 10 times the usual arrivals; a factor is a multiplier "
         "(1.5 = +50%), not a percentage"),
        ("[demand]\ngrowth_per_year = 24\n",
         "demand.growth_per_year = 24: above 1 (+100% a year); write 0.24 for +24%"),
        ('[crossings.chi_ma]\nclosures = [{ start = 2022-01-01, end = 2022-01-02 }]\n',
         "crossings.chi_ma.closures[0] = 2022-01-01 to 2022-01-02: outside the run (the run covers "
         "2023-02-13 to 2023-03-12); it has no effect"),
        ('[hours.vn]\nwindows = [{ open = "23:00", close = "07:00" }]\n',
         "hours.vn.windows[0] = 23:00 to 07:00: opens after it closes, so it runs past midnight; if meant, "
         "write two windows (to 24:00 and from 00:00), else swap them"),
    ],
)  # fmt: skip
def test_each_plausible_mistake_is_one_line_with_its_field(text, expected):
    assert warnings_of(text) == [expected]


def test_patience_shorter_than_the_service_it_waits_for():
    lines = warnings_of("[cargo.general]\npatience = { kind = 'deterministic', value_min = 2 }\n")
    assert lines and all(
        line.startswith("cargo.general.patience mean = 2 min: shorter than") for line in lines
    )
    assert "of chi_ma.export vn_customs" in " ".join(lines)


def test_warnings_go_to_stderr_and_do_not_stop_validate(tmp_path, capsys):
    path = tmp_path / "w.toml"
    path.write_text(HEAD + "[demand]\ngrowth_per_year = 24\n")
    assert main(["validate", str(path)]) == 0
    out, err = capsys.readouterr()
    assert f"{path}: ok" in out
    assert (
        err == f"warning: {path}: demand.growth_per_year = 24: above 1 (+100% a year); write 0.24 for +24%\n"
    )


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ('extends = "baselin"\n', "did you mean 'baseline.toml'?"),
        (HEAD + "[crossings.chima]\nenabled = false\n", "did you mean 'chi_ma'?"),
        (HEAD + '[demand.streams.export_general]\ncargo = "generl"\n', "did you mean 'general'?"),
        (HEAD + '[[crossings.chi_ma.routes.export.stages]]\nname = "s"\nhours = "vnn"\ntrucks_per_hour = 5\n',
         "did you mean 'vn'?"),
    ],
)  # fmt: skip
def test_misspelled_names_get_a_suggestion(text, hint):
    with pytest.raises(ScenarioError) as err:
        parse_scenario(text, name="x.toml")
    assert all(hint in line for line in err.value.problems), err.value.problems
