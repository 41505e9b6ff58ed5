"""The course notebooks in ``notebooks/``: committed without outputs, and runnable top to bottom.

The fast tests check that every committed notebook is stripped (no outputs, no
execution counts, no execution timings) and that its code imports only the
package's public API. The slow test executes every notebook with ``nbclient`` in
a ``python3`` kernel, with ``notebooks/`` as the working directory (as a student
opening them in Jupyter has), and fails on the first cell that raises.
"""

from __future__ import annotations

import ast
import json
import time
from pathlib import Path

import pytest

NOTEBOOKS_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
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
    extra = set(nb.get("metadata", {})) - {"kernelspec", "language_info"}
    assert not extra, f"{path.name}: notebook metadata beyond the kernel's name: {sorted(extra)}"
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
    )
    start = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as err:
        pytest.fail(f"{path.name} failed:\n{err}", pytrace=False)
    print(f"{path.name}: {time.perf_counter() - start:.1f} s")
