"""`bordersim show` and `bordersim diff`: what a scenario sets, and what two change, by field path."""

from __future__ import annotations

from sim.cli import main
from sim.scenario.inspect import Change, diff, flatten


def test_diff_by_path_lists_by_position_and_numbers_by_value():
    a = {"x": 1, "t": {"k": "a", "gone": True}, "l": [{"n": 1}], "same": 3}
    b = {"x": 2, "t": {"k": "a"}, "l": [{"n": 1}, {"n": 2}], "same": 3.0, "new": [1]}
    assert [c.line() for c in diff(a, b)] == [
        "~ x: 1 -> 2",
        "- t.gone = true",
        "+ l[1].n = 2",
        "+ new[0] = 1",
    ]
    assert diff(a, a) == []
    assert Change("p", a=1).line() == "- p = 1"


def test_flatten_names_every_leaf():
    assert list(flatten({"a": {"b": [1, {"c": "x"}]}, "e": {}})) == [
        ("a.b[0]", 1),
        ("a.b[1].c", "x"),
        ("e", {}),
    ]


def test_show_prints_what_the_file_sets_and_resolved_everything(capsys):
    assert main(["show", "office_hours"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert 'hours.vn.windows[0].days = "mon-fri"' in lines
    assert not any(line.startswith("crossings.") for line in lines)  # set by the parent only
    assert main(["show", "office_hours", "--resolved"]) == 0
    resolved = capsys.readouterr().out.splitlines()
    assert "crossings.chi_ma.routes.export.stages[0].lanes = 2" in resolved  # from the parent
    assert "reporting.recovery_factor = 1.5" in resolved  # a default filled in


def test_diff_command_and_its_paths_work_with_set(capsys):
    assert main(["diff", "baseline", "office_hours"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert '~ hours.vn.windows[0].close: "23:00" -> "11:30"' in out
    assert '+ hours.vn.windows[1].open = "13:30"' in out
    assert out[1].startswith("# 9 differences")  # name, description, hours.vn: description, 2 windows x 3
    assert main(["diff", "baseline", "baseline"]) == 0
    assert "# 0 differences" in capsys.readouterr().out


def test_show_of_a_missing_scenario_is_one_line(capsys):
    assert main(["show", "no_such_scenario"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
