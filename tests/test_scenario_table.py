"""The results table in scenarios/README.md is generated, and fails this test when stale.

Each row is compared with the scenario it extends (its parent), paired by common random
numbers; the fast tests here check that pairing without running the whole library."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim.experiments.comparison import (
    markers,
    scenario_table,
    table_json,
    table_markdown,
    table_results,
    table_rows,
)
from sim.readouts.headline import Headline
from sim.scenario.files import packaged_dir, read_chain

README = Path(__file__).resolve().parents[1] / "scenarios" / "README.md"
BLOCK = re.compile(r"<!-- bordersim table start -->\n(.*?)<!-- bordersim table end -->", re.S)


@pytest.mark.slow
def test_scenarios_readme_table_is_current():
    """Regenerates the table exactly as the README's command does
    (`bordersim table scenarios/*.toml --replications 10 --out scenarios/README.md`)."""
    text = README.read_text(encoding="utf-8")
    (committed,) = BLOCK.findall(text)
    command = re.search(r"bordersim table scenarios/\*\.toml --replications (\d+)", text)
    assert command, "the README must give the command that generates its table"
    paths = sorted(str(p) for p in README.parent.glob("*.toml"))  # as the shell expands the glob
    fresh = scenario_table(paths, replications=int(command.group(1)), workers=2)
    assert committed.strip() == fresh.strip(), (
        "scenarios/README.md's table is stale: regenerate it with "
        "bordersim table scenarios/*.toml --replications 10 --out scenarios/README.md"
    )


@pytest.mark.slow
def test_saturation_table_is_current():
    """Regenerates the per-crossing saturation table with the README's own command."""
    text = README.read_text(encoding="utf-8")
    start, end = markers("saturation")
    committed = text.split(start)[1].split(end)[0]
    command = re.search(
        r"bordersim table scenarios/demand_growth_\*\.toml --replications (\d+) ((?:--kpi \S+ )+)"
        r"--out scenarios/README.md --block saturation",
        text,
    )
    assert command, "the README must give the command that generates its saturation table"
    keys = command.group(2).split()[1::2]
    paths = sorted(str(p) for p in README.parent.glob("demand_growth_*.toml"))
    fresh = scenario_table(
        paths, replications=int(command.group(1)), workers=2, columns=[Headline(k, k) for k in keys]
    )
    assert committed.strip() == fresh.strip(), "the saturation table is stale: rerun the README's command"


def test_every_scenario_is_listed_in_the_readme():
    text = README.read_text(encoding="utf-8")
    for path in sorted(README.parent.glob("*.toml")):
        assert f"`{path.name}`" in text, f"{path.name} is missing from the list in scenarios/README.md"


def test_each_packaged_scenario_is_compared_with_the_file_it_extends():
    paths = sorted(packaged_dir().glob("*.toml"))
    files, parents = table_rows(paths)
    assert len(files) == len(set(files)) == len(paths), "each file is one row, none added or repeated"
    for f, p in zip(files, parents, strict=True):
        chain = read_chain(f)
        if len(chain) == 1:
            assert p is None, f"{f.name} extends nothing: it is a reference row"
        else:
            assert p is not None and files[p] == chain[1][0].resolve(), (
                f"{f.name} must be compared with the file it extends, {chain[1][0].name}, "
                f"not {files[p].name if p is not None else 'nothing'}"
            )
    by_name = {f.stem: files[p].stem if p is not None else None for f, p in zip(files, parents, strict=True)}
    # The pairs the issue names (16): a variant against its own scenario, 2024 children against 2024.
    assert by_name["pre_tet_metered"] == "pre_tet"
    assert by_name["harvest_surge_office_hours"] == "harvest_surge"
    assert by_name["baseline_2024"] == "baseline" and by_name["baseline"] is None
    assert by_name["demand_growth_2025"] == "baseline_2024"


def test_a_parent_missing_from_the_list_is_added_as_a_reference_before_its_child():
    files, parents = table_rows(["demand_growth_2026", "pre_tet_metered"])
    assert [f.stem for f in files] == ["baseline_2024", "demand_growth_2026", "pre_tet", "pre_tet_metered"]
    assert parents == [None, 0, None, 2]


def test_baseline_option_keeps_one_reference_for_every_row():
    files, parents = table_rows(["baseline", "pre_tet_metered", "office_hours"], baseline="baseline")
    assert [f.stem for f in files] == ["baseline", "pre_tet_metered", "office_hours"]
    assert parents == [None, 0, 0], "--baseline: every row against it, the baseline listed once"


def test_a_child_that_changes_nothing_differs_from_its_parent_by_exactly_zero(tmp_path):
    """Common random numbers: a scenario equal to its parent, run with the same seeds, gives
    the same replications, so every paired difference is 0 with a zero-width interval."""
    (tmp_path / "same.toml").write_text(
        '# The office-hours scenario, renamed: nothing changes.\nextends = "office_hours"\nname = "same"\n'
    )
    results = table_results(
        [tmp_path / "same.toml"], replications=2, days=4, columns=[Headline("cleared_per_day", "x")]
    )
    assert [s.name for s in results.scenarios] == ["office_hours", "same"]
    (_, (c,)) = results.comparisons()
    assert c.paired.mean == 0 and c.paired.half_width == 0, (
        f"same scenario, same seeds: the pairing is broken ({c.paired.mean} ± {c.paired.half_width})"
    )
    assert c.a.mean > 0, "the parent cleared trucks (the comparison is not of two empty runs)"
    rows = table_markdown(results).splitlines()
    # One measured day of office hours: many trucks still wait at the end (censored, said aloud).
    assert rows[2].startswith("| office_hours (reference, censored) | – |")
    assert rows[3].startswith("| same (censored) | office_hours |")
    data = table_json(results)["scenarios"]
    assert [(x["name"], x["reference"], x["compared_with"]) for x in data] == [
        ("office_hours", True, None), ("same", False, "office_hours")
    ]  # fmt: skip
