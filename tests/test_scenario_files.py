"""Scenario files: extends, and the one-line messages planners act on (pinned)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim import ScenarioError, load_scenario
from sim.scenario.files import deep_merge, json_schema, packaged_dir, scenario_hash


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    return err.value.problems


def test_every_packaged_scenario_validates():
    names = sorted(p.name for p in packaged_dir().glob("*.toml"))
    assert "baseline.toml" in names
    for name in names:
        assert load_scenario(name).name == name.removesuffix(".toml")


def test_extends_is_a_short_diff(tmp_path):
    path = write(tmp_path, "short.toml", 'extends = "baseline.toml"\nname = "short"\nhorizon_days = 5\n')
    child, parent = load_scenario(path), load_scenario("baseline")
    assert child.horizon_days == 5 and child.name == "short"
    assert child.crossings == parent.crossings and child.demand == parent.demand


def test_extends_relative_path_chain(tmp_path):
    write(tmp_path, "a.toml", 'extends = "baseline"\nname = "a"\nhorizon_days = 6\n')
    path = write(tmp_path, "b.toml", 'extends = "a.toml"\nname = "b"\nwarmup_days = 1\n')
    s = load_scenario(path)
    assert (s.name, s.horizon_days, s.warmup_days) == ("b", 6, 1)


def test_tagged_tables_replace_whole():
    base = {"routing": {"policy": "shares", "shares": {"a": 0.5, "b": 0.5}}, "x": {"y": 1, "z": 2}}
    top = {"routing": {"policy": "shares", "shares": {"c": 1.0}}, "x": {"z": 3}}
    merged = deep_merge(base, top)
    assert merged["routing"]["shares"] == {"c": 1.0}
    assert merged["x"] == {"y": 1, "z": 3}


def test_unknown_key_with_suggestion(tmp_path):
    path = write(tmp_path, "typo.toml", 'extends = "baseline"\nname = "t"\nhorizon_dayz = 3\n')
    assert problems(path) == [f"{path}: horizon_dayz = 3: unknown key; did you mean 'horizon_days'?"]


def test_value_out_of_range_names_file_field_value_and_expectation(tmp_path):
    path = write(
        tmp_path,
        "lanes.toml",
        'extends = "baseline"\nname = "l"\n'
        "[[crossings.tan_thanh.routes.export.stages]]\n"
        'name = "vn_customs"\nhours = "vn"\nlanes = 0\n'
        'service.default = { kind = "exponential", mean_min = 10 }\n',
    )
    assert problems(path) == [
        f"{path}: crossings.tan_thanh.routes.export.stages[0].lanes = 0: expected at least 1"
    ]


def test_bad_distribution_kind(tmp_path):
    path = write(
        tmp_path,
        "kind.toml",
        'extends = "baseline"\nname = "k"\n[cargo.general]\npatience = { kind = "lognorm", mean_min = 3 }\n',
    )
    (line,) = problems(path)
    expected = f"{path}: cargo.general.patience.kind = 'lognorm': expected one of 'deterministic'"
    assert line.startswith(expected)


def test_bad_local_time(tmp_path):
    path = write(
        tmp_path,
        "time.toml",
        'extends = "baseline"\nname = "t"\n[hours.vn]\nwindows = [{ open = "7:00", close = "23:00" }]\n',
    )
    assert problems(path) == [
        f"{path}: hours.vn.windows[0].open = '7:00': expected a local time 'HH:MM' between 00:00 and 24:00"
        "; did you mean '07:00'?"
    ]


def test_broken_references_each_reported(tmp_path):
    path = write(
        tmp_path,
        "refs.toml",
        'extends = "baseline"\nname = "r"\n'
        "[[crossings.chi_ma.routes.export.stages]]\n"
        'name = "x"\nhours = "nowhere"\ntrucks_per_hour = 3\n'
        "[demand.streams.export_general]\n"
        'routing = { policy = "shares", shares = { chi_ma = 0.5, atlantis = 0.5 } }\n',
    )
    assert problems(path) == [
        f"{path}: crossings.chi_ma.routes.export.stages[0].hours = 'nowhere': "
        "expected one of the calendars in [hours]: cn, vn",
        f"{path}: demand.streams.export_general.routing.shares.atlantis = 'atlantis': expected one of the "
        "crossings: chi_ma, coc_nam, dong_dang, huu_nghi, road_1088_1089, road_1119_1120, tan_thanh",
    ]


def test_error_in_parent_names_the_parent(tmp_path):
    write(tmp_path, "parent.toml", 'extends = "baseline"\nname = "p"\nwarmup_days = -1\n')
    child = write(tmp_path, "child.toml", 'extends = "parent.toml"\nname = "c"\n')
    lines = problems(child)
    assert lines[0] == f"{child}: extends = 'parent.toml': the parent is not a valid scenario"
    assert lines[1] == f"{tmp_path / 'parent.toml'}: warmup_days = -1: expected at least 0"


def test_parent_that_is_not_a_scenario(tmp_path):
    """Issue 26: a file that is not a scenario at all is refused in one line that shows nothing
    of it (not its keys, not its values): `extends` must not print other files."""
    write(tmp_path, "notes.toml", 'foo = 1\napi_key = "hunter2"\n')
    child = write(tmp_path, "child.toml", 'extends = "notes.toml"\nname = "c"\n')
    (line,) = problems(child)
    parent = tmp_path / "notes.toml"
    assert line.startswith(f"{child}: extends = 'notes.toml': {parent} is not a scenario file")
    assert "hunter2" not in line and "api_key" not in line and "foo" not in line


def test_missing_parent(tmp_path):
    child = write(tmp_path, "child.toml", 'extends = "nowhere.toml"\nname = "c"\n')
    (line,) = problems(child)
    assert line.startswith(f"{child}: extends = 'nowhere.toml': no such file next to it")


def test_cycle(tmp_path):
    a = write(tmp_path, "a.toml", 'extends = "b.toml"\nname = "a"\n')
    write(tmp_path, "b.toml", 'extends = "a.toml"\nname = "b"\n')
    (line,) = problems(a)
    assert "cycle" in line and "a.toml -> " in line


def test_not_toml(tmp_path):
    path = write(tmp_path, "broken.toml", 'name = "x\n')
    (line,) = problems(path)
    assert line.startswith(f"{path}: not valid TOML: ")


def test_missing_file(tmp_path):
    (line,) = problems(tmp_path / "absent.toml")
    assert line.startswith(f"{tmp_path / 'absent.toml'}: no such scenario file")


def test_cross_field_rule_names_the_table(tmp_path):
    path = write(tmp_path, "w.toml", 'extends = "baseline"\nname = "w"\nwarmup_days = 40\n')
    assert problems(path) == [f"{path}: warmup_days (40) must be less than horizon_days (28)"]


def test_json_schema_documents_fields():
    schema = json_schema()["$defs"]["Scenario"]  # the complete scenario (tests/test_editor_schema.py)
    assert schema["title"] == "Scenario"
    assert schema["additionalProperties"] is False
    props = schema["properties"]
    assert "description" in props["horizon_days"] and "rng_seed" in props


def test_hash_is_stable_and_sensitive():
    a, b = load_scenario("baseline"), load_scenario("baseline")
    assert scenario_hash(a) == scenario_hash(b)
    c = load_scenario("baseline", overrides={"rng_seed": 7})
    assert scenario_hash(c) != scenario_hash(a)


def test_unknown_nested_key_gets_a_suggestion(tmp_path):
    path = write(
        tmp_path,
        "nested.toml",
        'extends = "baseline"\nname = "n"\n[hours.cn]\nwindws = []\n',
    )
    assert problems(path) == [f"{path}: hours.cn.windws = []: unknown key; did you mean 'windows'?"]


def test_parse_scenario_with_overrides():
    from sim import parse_scenario

    # More days than the baseline's 3-day warm-up: a shorter horizon is rightly refused.
    s = parse_scenario('extends = "baseline"\nname = "p"\n', "p.toml", overrides={"horizon_days": 5})
    assert (s.name, s.horizon_days) == ("p", 5)
    with pytest.raises(ScenarioError) as err:
        parse_scenario('extends = "baseline"\nname = "p"\n', "p.toml", overrides={"horizon_days": 0})
    assert err.value.problems == ["command-line options: horizon_days = 0: expected at least 1"]


# -- issue 22: a class that no stage clears; errors named against the file that causes them ------
DURIAN = """extends = "baseline"
name = "durian"
[cargo.durian]
perishable = true
[crossings.road_1119_1120]
accepts = ["perishable", "general", "container", "empty", "durian"]
[demand.streams.export_durian]
direction = "export"
cargo = "durian"
trucks_per_day = 10
routing = { policy = "shares", shares = { road_1119_1120 = 1.0 } }
"""


def test_a_new_loaded_class_that_customs_would_skip_is_refused_in_the_child_file(tmp_path):
    # Bug (issue 22): a class added to a crossing's `accepts` skipped every stage whose
    # `applies_to` was written before it (Vietnamese customs, the Chinese inspection), and
    # `validate` said nothing. Each such stage is named, against the file that added the class.
    path = write(tmp_path, "durian.toml", DURIAN)
    lines = problems(path)
    assert all(line.startswith(f"{path}: ") for line in lines), lines
    named = {line.split(": ")[1].split(" = ")[0] for line in lines}
    assert named == {
        "crossings.road_1119_1120.routes.export.stages[0].applies_to",  # vn_customs
        "facilities.youyiguan.routes.export.stages[1].applies_to",  # cn_inspection
        "facilities.youyiguan.routes.import.stages[0].applies_to",  # cn_inspection
    }
    assert all("'durian'" in line and "uncleared" in line for line in lines)
    ok = load_scenario(
        path,
        overrides={"cargo": {"durian": {"perishable": True, "loaded": False}}},
    )
    assert "durian" in ok.cargo, "an empty return may skip customs: only loaded classes are held to it"


def test_a_side_with_no_stage_for_a_loaded_class_is_refused(tmp_path):
    # The child replaces Youyiguan's export stages by one for general goods only: perishables,
    # containers and new cars would enter China unchecked. Named against the child (the parent
    # is valid), not against baseline.toml, whose route the message describes.
    path = write(
        tmp_path,
        "cn.toml",
        'extends = "baseline"\nname = "cn"\n'
        "[[facilities.youyiguan.routes.export.stages]]\n"
        'name = "cn_border_check"\nside = "CN"\nhours = "cn"\nlanes = 6\napplies_to = ["general", "empty"]\n'
        'service.default = { kind = "lognormal", mean_min = 2, sd_min = 1 }\n',
    )
    lines = problems(path)
    assert all(line.startswith(f"{path}: ") for line in lines), lines
    assert any(
        "crossings.road_1119_1120.routes.export.stages" in line
        and "expected a Chinese stage that applies to the loaded class 'perishable'" in line
        for line in lines
    )
    assert any("huu_nghi export" in line and "'new_vehicle'" in line for line in lines)


def test_a_stage_for_one_class_is_not_taken_for_a_forgotten_one(tmp_path):
    # Plant quarantine applies to perishables only: general goods skipping it is meant.
    text = DURIAN.replace("[cargo.durian]\nperishable = true\n", "").replace(
        '"container", "empty", "durian"]', '"container", "empty"]'
    )
    text = text[: text.index("[demand.streams.export_durian]")]
    assert load_scenario(write(tmp_path, "plain.toml", text)).name == "durian"
