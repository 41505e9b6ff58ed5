"""The course notebooks in ``notebooks/``: committed without outputs, in sync with their
scripts, and runnable top to bottom.

Each notebook ``NN_name.ipynb`` is paired by jupytext with ``NN_name.py`` (percent
format), the source of truth a maintainer reviews. The fast tests check that every
``.py`` has its ``.ipynb`` and the reverse, that both declare the pairing, and that
reading the ``.py`` with jupytext gives exactly the committed notebook's cells (type,
text and metadata; outputs are stripped anyway), so a pair where one side was edited
and not synced fails. They also check that every committed notebook is stripped (no
outputs, no execution counts, no execution timings) and that its code imports only the
package's public API, and that every exercise has its worked answer, hidden by default.
The slow test executes every notebook with ``nbclient`` in a
``python3`` kernel, with ``notebooks/`` as the working directory (as a student opening
them in Jupyter has), worked answers included, and fails on the first cell that raises;
it prints each notebook's and its answers' run times (a figure to read, never a pass/fail:
this machine is shared and its timings are noise).
"""

from __future__ import annotations

import ast
import json
import re
import time
from datetime import datetime
from pathlib import Path

import pytest

NOTEBOOKS_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
SCRIPTS = sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.py"))
PAIRING = "ipynb,py:percent"
CELL_TIMEOUT_S = 300

# Modules of the package a notebook may import from (the public API), and nothing private.
PUBLIC_MODULES = {
    "sim",
    "sim.examples",
    "sim.examples.theory",
    "sim.readouts.kpis",
    "sim.experiments.replications",
    "sim.experiments.analysis",
    "sim.experiments.comparison",
    "sim.scenario.figures",
    "sim.scenario.files",
    "sim.reporting.plots",
    "sim.experiments.worlds",
    "sim.scenario.uncertain",
    "sim.study",  # the study API the command line and the workbench call (capacity, ...)
}


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def test_the_course_is_there() -> None:
    names = [p.name for p in NOTEBOOKS]
    assert len(names) >= 6, f"expected the six course notebooks in {NOTEBOOKS_DIR}, found {names}"
    assert all(name[:2].isdigit() and name[2] == "_" for name in names), f"expected NN_name.ipynb: {names}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path: Path) -> None:
    """Outputs are stripped in git: no outputs, no execution counts, no run-time metadata."""
    nb = _load(path)
    for i, cell in enumerate(nb["cells"]):
        where = f"{path.name}, cell {i}"
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [], f"{where} has outputs: clear them before committing"
            assert cell.get("execution_count") is None, f"{where} has an execution count"
        assert "execution" not in cell.get("metadata", {}), f"{where} has execution timings in its metadata"
    extra = set(nb.get("metadata", {})) - {"kernelspec", "language_info", "jupytext"}
    assert not extra, f"{path.name}: notebook metadata beyond the kernel and the pairing: {sorted(extra)}"
    assert nb["metadata"]["kernelspec"]["name"] == "python3", f"{path.name}: expected the python3 kernel"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_uses_only_the_public_api(path: Path) -> None:
    """Imports from the package come from its public modules, and no private name is used."""
    nb = _load(path)
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        tree = ast.parse(_source(cell), filename=f"{path.name}, cell {i}")
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "sim":
                assert node.module in PUBLIC_MODULES, f"{path.name}, cell {i}: imports {node.module}"
                private = [a.name for a in node.names if a.name.startswith("_")]
                assert not private, f"{path.name}, cell {i}: imports private names {private}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == "sim":
                        assert alias.name in PUBLIC_MODULES, f"{path.name}, cell {i}: imports {alias.name}"
            elif isinstance(node, ast.Attribute) and node.attr.startswith("_"):
                if node.attr.startswith("__"):
                    continue
                pytest.fail(f"{path.name}, cell {i}: uses the private attribute .{node.attr}")


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_top_to_bottom(path: Path) -> None:
    """Every cell runs without an error, in a fresh kernel, from the notebooks' folder."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=CELL_TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS_DIR)}},
        record_timing=True,
    )
    start = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as err:
        pytest.fail(f"{path.name} failed:\n{err}", pytrace=False)
    total = time.perf_counter() - start
    answers = [_seconds(cell) for cell in nb.cells if _is_worked_answer(cell)]
    print(
        f"{path.name}: {total:.1f} s, of which {len(answers)} worked answers {sum(answers):.1f} s "
        f"(slowest {max(answers, default=0):.1f} s)"
    )


def _is_worked_answer(cell: dict) -> bool:
    return cell["cell_type"] == "code" and "worked-answer" in cell.get("metadata", {}).get("tags", [])


def _seconds(cell: dict) -> float:
    """Run time of an executed cell, from the timestamps nbclient records with ``record_timing``."""
    timing = cell["metadata"]["execution"]
    began, ended = (
        datetime.fromisoformat(timing[k].replace("Z", "+00:00"))
        for k in ("iopub.execute_input", "shell.execute_reply")
    )
    return (ended - began).total_seconds()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_exercise_has_a_hidden_worked_answer(path: Path) -> None:
    """After the exercises, a folded "Worked answers" section: for exercise N, a "Worked answer N"
    heading and at least one code cell tagged ``worked-answer`` whose code and output are hidden."""
    cells = _load(path)["cells"]
    texts = [_source(c) for c in cells]
    exercises_at = next((i for i, t in enumerate(texts) if "## Exercises" in t), None)
    assert exercises_at is not None, f"{path.name} has no '## Exercises' section"
    exercises = re.findall(r"^(\d+)\. ", texts[exercises_at].split("## Exercises", 1)[1], flags=re.M)
    assert exercises, f"{path.name}: no numbered exercises under '## Exercises'"

    answers_at = next((i for i, t in enumerate(texts) if t.startswith("## Worked answers")), None)
    missing = answers_at is None or answers_at < exercises_at
    assert not missing, f"{path.name}: no '## Worked answers' section after the exercises"
    assert cells[answers_at]["metadata"].get("jp-MarkdownHeadingCollapsed") is True, (
        f"{path.name}: the '## Worked answers' heading should be folded (jp-MarkdownHeadingCollapsed)"
    )
    heading = re.compile(r"^### Worked answer (\d+)\b", flags=re.M)
    answered: dict[str, list[dict]] = {}
    current = None
    for cell, text in zip(cells[answers_at + 1 :], texts[answers_at + 1 :], strict=True):
        found = heading.match(text) if cell["cell_type"] == "markdown" else None
        if found:
            current = found.group(1)
            answered[current] = []
        elif current is not None and _is_worked_answer(cell):
            answered[current].append(cell)
    assert list(answered) == exercises, f"{path.name}: exercises {exercises}, worked answers {list(answered)}"
    for number, code in answered.items():
        assert code, f"{path.name}: worked answer {number} has no code cell tagged 'worked-answer'"
        for cell in code:
            hidden = cell["metadata"].get("jupyter", {})
            assert hidden.get("source_hidden") and hidden.get("outputs_hidden"), (
                f"{path.name}: worked answer {number} is not hidden (jupyter.source_hidden, outputs_hidden)"
            )


def _cells(nb) -> list[tuple[str, str, dict]]:
    """What a pair must agree on: each cell's type, text and metadata (not ids, not outputs)."""
    return [(c["cell_type"], _source(c), dict(c.get("metadata", {}))) for c in nb["cells"]]


def test_every_notebook_has_its_script() -> None:
    """``NN_name.ipynb`` and ``NN_name.py`` come in pairs: neither is committed alone."""
    notebooks = {p.relative_to(NOTEBOOKS_DIR).with_suffix("") for p in NOTEBOOKS}
    scripts = {p.relative_to(NOTEBOOKS_DIR).with_suffix("") for p in SCRIPTS}
    assert notebooks == scripts, (
        f"unpaired: notebooks without a .py {sorted(map(str, notebooks - scripts))}, "
        f".py without a notebook {sorted(map(str, scripts - notebooks))}; "
        "run `jupytext --set-formats ipynb,py:percent` on the notebook"
    )


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_notebook_is_in_sync_with_its_script(script: Path) -> None:
    """jupytext reads the ``.py`` into the committed notebook's cells: the pair is not stale."""
    import jupytext  # in the dev extra: never skipped, or a stale pair would pass unseen

    notebook = script.with_suffix(".ipynb")
    committed = _load(notebook)
    from_script = jupytext.read(script)
    assert committed["metadata"].get("jupytext", {}).get("formats") == PAIRING, (
        f"{notebook.name} does not declare the pairing {PAIRING!r}"
    )
    assert from_script.metadata.get("jupytext", {}).get("formats") == PAIRING, (
        f"{script.name} does not declare the pairing {PAIRING!r}"
    )
    assert from_script.metadata.get("kernelspec") == committed["metadata"]["kernelspec"], (
        f"{script.name} and {notebook.name} name different kernels"
    )
    ours, theirs = _cells(from_script), _cells(committed)
    fix = f"edit the .py (the source of truth) and run `jupytext --sync notebooks/{script.name}`"
    for i, (a, b) in enumerate(zip(ours, theirs, strict=False)):
        where = f"{script.name} and {notebook.name} differ at cell {i}"
        assert a == b, f"{where}:\n  .py:    {a!r}\n  .ipynb: {b!r}\n{fix}"
    counts = f"{script.name}: {len(ours)} cells, {notebook.name}: {len(theirs)}"
    assert len(ours) == len(theirs), f"{counts}. {fix}"
