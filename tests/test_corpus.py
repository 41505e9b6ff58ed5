"""A corpus of malformed and hostile scenario files (tests/corpus/cases.py): each is refused
by ``validate`` and ``run`` with exit status 2 and exactly one line naming the file and the
field, without a traceback, within a time limit per file, in a process under a memory limit;
and no file's refusal echoes the content of a file outside its folder.

The command corpus (issue 26, ``COMMAND_CASES``): hostile command lines over results folders,
comparisons, sweeps, ``--set``, input files and study sizes, each refused the same way, and each
leaving every file of its folder — the results folders it names and the precious files next to
them — exactly as it was."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from corpus.cases import CASES, COMMAND_CASES, SECRET, valid_text, write_case, write_command_case
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.scenario.files import ScenarioError, load_scenario
from sim.scenario.limits import MAX_TRUCKS_PER_RUN
from sim.scenario.schema import expected_trucks

MEMORY_LIMIT = 3 * 2**30  # address space of the process that reads the corpus
TIMEOUT_S = 600  # the whole corpus, generously; each file has its own limit in the driver
DRIVER = Path(__file__).parent / "corpus" / "driver.py"


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory) -> dict[tuple[str, str], dict]:
    root = tmp_path_factory.mktemp("corpus")
    files = {str(write_case(case, root)): case for case in CASES}
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "PYTHONPATH": str(Path(__file__).parent.parent)}
    proc = subprocess.run(
        [sys.executable, str(DRIVER), *files],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        preexec_fn=_limit_memory,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = [json.loads(line) for line in proc.stdout.splitlines()]
    return {(files[r["file"]].name, r["command"]): {**r} for r in results}


def test_corpus_covers_every_category():
    counts = Counter(case.category for case in CASES)
    assert len(CASES) >= 60
    assert set(counts) == {"numbers", "limits", "dates", "timezones", "extends", "toml", "structure"}
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_file_is_refused_in_one_line(outcomes, case, command):
    result = outcomes[(case.name, command)]
    err = result["stderr"]
    assert result["rc"] == 2, f"exit {result['rc']}: {err[-2000:]}"
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    line = lines[0]
    assert f"{case.name}" in line, f"the line does not name the file: {line}"
    assert case.field in line, f"the line does not name the field {case.field!r}: {line}"
    assert SECRET not in line and "site-packages" not in line, line


# -- commands (issue 26) ------------------------------------------------------------------------------
def tree_state(root: Path) -> dict[str, object]:
    """Every file and link under ``root``: content digest, or link target. Lock files and empty
    folders a refused command may leave (creating nothing of value, losing nothing) are left out."""
    import hashlib

    state: dict[str, object] = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        if path.is_symlink():
            state[rel] = ("link", os.readlink(path))
        elif path.is_fifo():
            state[rel] = "fifo"
        elif path.is_file() and path.name != ".lock":
            state[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return state


@pytest.fixture(scope="module")
def command_outcomes(tmp_path_factory) -> dict[str, dict]:
    from sim.cli import main

    root = tmp_path_factory.mktemp("commands")
    scenario = valid_text()
    base = root / "_base"
    base.mkdir()
    (base / "s.toml").write_text(scenario, encoding="utf-8")
    folders = {}
    for name in ("F", "G"):
        out = base / name
        assert main(["run", str(base / "s.toml"), "--replications", "1", "--workers", "1", "--records",
                     "--out", str(out)]) == 0  # fmt: skip
        folders[name] = out
    cases = [
        {"name": c.name, "argv": write_command_case(c, root / "cases", folders, scenario)}
        for c in COMMAND_CASES
    ]
    before = {c.name: tree_state(root / "cases" / c.name) for c in COMMAND_CASES}
    spec = root / "commands.json"
    spec.write_text(json.dumps(cases), encoding="utf-8")
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "PYTHONPATH": str(Path(__file__).parent.parent)}
    proc = subprocess.run(
        [sys.executable, str(DRIVER), "--commands", str(spec)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        preexec_fn=_limit_memory,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = {r["name"]: r for r in (json.loads(line) for line in proc.stdout.splitlines())}
    for c in COMMAND_CASES:
        old, new = before[c.name], tree_state(root / "cases" / c.name)
        results[c.name]["changed"] = sorted(k for k in {*old, *new} if old.get(k) != new.get(k))
    return results


def test_command_corpus_covers_every_finding_class():
    counts = Counter(case.category for case in COMMAND_CASES)
    assert set(counts) == {"loss", "overwrite", "silent", "unbounded", "traceback", "message"}
    assert len({case.name for case in COMMAND_CASES}) == len(COMMAND_CASES)


@pytest.mark.parametrize("case", COMMAND_CASES, ids=[c.name for c in COMMAND_CASES])
def test_hostile_command_is_refused_in_one_line_and_changes_nothing(command_outcomes, case):
    result = command_outcomes[case.name]
    err = result["stderr"]
    assert result["rc"] == 2, f"exit {result['rc']}: {err[-2000:]}"
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert case.field in lines[0], f"the line does not name {case.field!r}: {lines[0]}"
    assert SECRET not in lines[0] and "site-packages" not in lines[0], lines[0]
    assert result["changed"] == [], f"files changed by a refused command: {result['changed']}"


# -- hypothesis: hostile values in every numeric field ---------------------------------------------
NUMERIC_SLOTS = {
    "tpd": "trucks_per_day",
    "lanes": "lanes",
    "horizon": "horizon_days",
    "share": "shares",
}
hostile = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.sampled_from([0, -0.0, 1e-320, 5e-324, 1e308, -1e308, 2**53 + 1]),
)


def _toml_number(x: float | int) -> str:
    if isinstance(x, float):
        if x != x:
            return "nan"
        if x in (float("inf"), float("-inf")):
            return "inf" if x > 0 else "-inf"
        return repr(x)
    return str(x)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(slot=st.sampled_from(sorted(NUMERIC_SLOTS)), value=hostile)
def test_hostile_numbers_are_refused_or_within_limits(tmp_path, slot, value):
    """Whatever number a field gets, the file is either refused in one line naming that field,
    or accepted with a demand within the documented limit of one run."""
    path = tmp_path / "hostile.toml"
    path.write_text(valid_text(**{slot: _toml_number(value)}), encoding="utf-8")
    try:
        scenario = load_scenario(path)
    except ScenarioError as err:
        assert len(err.problems) == 1, err.problems
        assert NUMERIC_SLOTS[slot] in err.problems[0] or "horizon_days" in err.problems[0], err.problems
        return
    assert expected_trucks(scenario) <= MAX_TRUCKS_PER_RUN


DISTRIBUTION_FIELDS = ["mean_min", "sd_min"]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(DISTRIBUTION_FIELDS), value=hostile)
def test_hostile_durations_are_refused_or_sampled_finite(tmp_path, field, value):
    import numpy as np

    from sim.engine.sampling import sample

    other = {"mean_min": "10", "sd_min": "5"}
    other[field] = _toml_number(value)
    service = f'{{ kind = "lognormal", mean_min = {other["mean_min"]}, sd_min = {other["sd_min"]} }}'
    path = tmp_path / "hostile.toml"
    path.write_text(valid_text(service=service), encoding="utf-8")
    try:
        scenario = load_scenario(path)
    except ScenarioError as err:
        assert len(err.problems) == 1 and field in err.problems[0], err.problems
        return
    dist = scenario.crossings["gate"].routes["export"].stages[0].service["default"]
    draws = sample(dist, np.random.default_rng(1), 1000)
    assert np.isfinite(draws).all() and (draws >= 0).all()
