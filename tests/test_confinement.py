"""No command writes outside its outputs (issue 26).

Property: every command that writes — run (with --json and --event-log), a rerun from a results
folder, compare (scenarios and folders, with --json), report, sweep, sensitivity, capacity
(--out and --json), animate (from a folder and from a scenario), calibrate (--out and --table),
table (--out) — given outputs inside a sandbox folder, leaves every other file of the tree
(its scenario files, targets, and the results folders it reads) byte for byte as it was, adds
nothing beside them, and does write into the sandbox.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest
from corpus.cases import valid_text

from sim.cli import main

TARGETS = """\
[corpus_throughput]
scenario = "s.toml"
kpi = "cleared_per_day"
observed = 100
band = [80, 120]
why = "The corpus scenario's own demand: a test of where calibrate writes, not of the model."
source = "F02"
period = "test"
unit = "vehicles/day"
"""

MARKERS = (
    "# Tables\n\n<!-- bordersim table start -->\n<!-- bordersim table end -->\n\n"
    "<!-- bordersim table calibration-corpus start -->\n<!-- bordersim table calibration-corpus end -->\n"
)

FAST = ["--replications", "1", "--workers", "1"]
WINDOW = ["--crossing", "gate", "--from", "2023-02-14", "--hours", "2"]

COMMANDS = {
    "run": ["run", "{S}", *FAST, "--records", "--out", "{X}/run", "--json", "{X}/run.json",
            "--event-log", "{X}/log.csv"],
    "rerun": ["run", "{F}", *FAST, "--out", "{X}/rerun", "--set", "horizon_days=6"],
    "compare_scenarios": ["compare", "{S}", "{S2}", "--replications", "2", "--workers", "1",
                          "--out", "{X}/cmp"],
    "compare_folders": ["compare", "{F}", "{G}", "--out", "{X}/cmp", "--json", "{X}/cmp.json"],
    "report": ["report", "{F}", "--out", "{X}/report"],
    "sweep": ["sweep", "{S}", "--vary", "horizon_days=5,6", *FAST, "--out", "{X}/sweep"],
    "sensitivity": ["sensitivity", "{S}", "--factor", "demand.streams.*.trucks_per_day=0.8:1.2",
                    "--trajectories", "2", "--levels", "2", *FAST, "--out", "{X}/sens"],
    "capacity": ["capacity", "{S}", *FAST, "--out", "{X}/cap", "--json", "{X}/cap.json"],
    "animate_folder": ["animate", "{F}", *WINDOW, "--out", "{X}/folder.html"],
    "animate_scenario": ["animate", "{S}", *WINDOW, "--out", "{X}/scenario.html"],
    "calibrate": ["calibrate", "{S}", "--targets", "{T}", "--free",
                  "demand.streams.flow.trucks_per_day=80:120", *FAST, "--max-evaluations", "3",
                  "--out", "{X}/calibrated.toml", "--table", "{X}/tables.md"],
    "table": ["table", "{S}", "--replications", "1", "--workers", "1", "--out", "{X}/tables.md"],
}  # fmt: skip


def state(root: Path, leave_out: Path) -> dict[str, object]:
    """Every file, link and folder under ``root`` except ``leave_out``: digest, link target or 'dir'."""
    out: dict[str, object] = {}
    for top, dirs, files in os.walk(root):
        here = Path(top)
        if here == leave_out or leave_out in here.parents:
            continue
        for name in dirs:
            path = here / name
            if path != leave_out:
                out[str(path.relative_to(root))] = ("link", os.readlink(path)) if path.is_symlink() else "dir"
        for name in files:
            path = here / name
            rel = str(path.relative_to(root))
            if path.is_symlink():
                out[rel] = ("link", os.readlink(path))
            else:
                out[rel] = hashlib.sha256(path.read_bytes()).digest()
    return out


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    """inputs/ (two scenarios, targets), runs/F and runs/G (results folders with records)."""
    root = tmp_path_factory.mktemp("tree")
    inputs = root / "inputs"
    inputs.mkdir()
    (inputs / "s.toml").write_text(valid_text(), encoding="utf-8")
    (inputs / "s2.toml").write_text('extends = "s.toml"\nname = "corpus_more"\n[demand.streams.flow]\n'
                                    "trucks_per_day = 110\n", encoding="utf-8")  # fmt: skip
    (inputs / "targets.toml").write_text(TARGETS, encoding="utf-8")
    for name in ("F", "G"):
        argv = ["run", str(inputs / "s.toml"), *FAST, "--records", "--out", str(root / "runs" / name)]
        assert main(argv) == 0
    return root


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_no_command_writes_outside_its_outputs(tree, tmp_path, command, capsys):
    root = tmp_path / "tree"
    shutil.copytree(tree, root, symlinks=True)
    sandbox = root / "sandbox"
    sandbox.mkdir()
    (sandbox / "tables.md").write_text(MARKERS, encoding="utf-8")
    places = {
        "{S}": root / "inputs" / "s.toml",
        "{S2}": root / "inputs" / "s2.toml",
        "{T}": root / "inputs" / "targets.toml",
        "{F}": root / "runs" / "F",
        "{G}": root / "runs" / "G",
        "{X}": sandbox,
    }
    argv = []
    for word in COMMANDS[command]:
        for key, value in places.items():
            word = word.replace(key, str(value))
        argv.append(word)
    before = state(root, sandbox)
    inside = state(sandbox, sandbox / "nothing")
    assert main(argv) == 0, capsys.readouterr().err
    assert state(root, sandbox) == before, "a command wrote, changed or deleted a file outside its outputs"
    assert state(sandbox, sandbox / "nothing") != inside, "the command wrote nothing into its outputs"
