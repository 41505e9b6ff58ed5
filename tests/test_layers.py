"""The package's layers: imports flow one way, scenario → engine → readouts → experiments →
reporting → study → the faces (cli, web), with no cycle, and the engine stays free of I/O.

Every ``import`` of a ``sim`` module anywhere in a file counts, including those inside
functions and under ``TYPE_CHECKING``: a deferred import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "sim"

# Each layer and the layers it may import from. The package root (``sim``: the public API)
# and ``sim.cli`` sit on top; ``sim.version`` and ``sim.compiled`` (which picks the compiled or
# the plain per-truck path, reading the engine's own source files) are leaves anyone may import.
# The faces (``sim.cli``, ``sim.web``) share the top rank: ``bordersim serve`` starts the web app.
RANK = {
    "scenario": 1, "engine": 2, "readouts": 3, "experiments": 4, "reporting": 5, "study": 6,
    "cli": 7, "web": 7, "__main__": 8,
}  # fmt: skip
SIDE_LAYERS = {"examples": {"scenario", "examples"}}
LEAVES = {"sim.version", "sim.compiled"}
# What the engine never imports: it reads no files, writes none and draws nothing.
# numpy.random names that make or type a local generator (never the global one).
LOCAL_GENERATORS = {"Generator", "SeedSequence", "default_rng", "PCG64", "BitGenerator"}
ENGINE_FORBIDDEN = {
    "pandas",
    "pyarrow",
    "matplotlib",
    "tomllib",
    "json",
    "csv",
    "os",
    "pathlib",
    "random",
    "sys",
    "io",
}


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


MODULES = _modules()


def _imports(path: Path) -> list[tuple[str, int]]:
    """``(module, line)`` for every import in the file, absolute names resolved."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            assert node.level == 0, f"{path}:{node.lineno}: use absolute imports (from sim.… import …)"
            found.append((node.module, node.lineno))
            # ``from sim.reporting import plots`` imports the module sim.reporting.plots
            found += [(f"{node.module}.{a.name}", node.lineno) for a in node.names]
    return found


def _sim_imports(name: str) -> list[tuple[str, int]]:
    return [(m, line) for m, line in _imports(MODULES[name]) if m in MODULES and m != name]


def _layer(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else "(root)"


def test_every_module_is_in_a_layer() -> None:
    known = set(RANK) | set(SIDE_LAYERS) | {"version", "compiled", "(root)"}
    strays = sorted(m for m in MODULES if _layer(m) not in known)
    assert not strays, f"modules outside the layers {sorted(known)}: {strays}"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_upward_import(name: str) -> None:
    layer = _layer(name)
    if layer == "(root)":
        return  # the public API re-exports from every layer
    for target, line in _sim_imports(name):
        if target in LEAVES:
            continue
        to = _layer(target)
        where = f"{MODULES[name].relative_to(PACKAGE.parent)}:{line}"
        assert to != "(root)", f"{where}: {name} imports the package root {target}; import the module itself"
        if layer in SIDE_LAYERS:
            assert to in SIDE_LAYERS[layer], f"{where}: {name} ({layer}) may not import {target} ({to})"
        elif to in SIDE_LAYERS:
            assert layer in ("cli", "web", "__main__"), f"{where}: {name} ({layer}) imports {target} ({to})"
        else:
            assert RANK[to] <= RANK[layer], (
                f"{where}: {name} (layer {layer}) imports {target} from the layer above ({to})"
            )


def test_no_import_cycle() -> None:
    graph = {m: sorted({t for t, _ in _sim_imports(m)}) for m in MODULES}
    state: dict[str, int] = {}  # 1: on the stack, 2: done

    def visit(m: str, stack: list[str]) -> None:
        state[m] = 1
        for t in graph[m]:
            if state.get(t) == 1:
                cycle = stack[stack.index(t) :] + [t] if t in stack else [m, t]
                pytest.fail(f"import cycle: {' -> '.join(cycle)} ({m} imports {t})")
            if t not in state:
                visit(t, [*stack, t])
        state[m] = 2

    for m in sorted(MODULES):
        if m not in state:
            visit(m, [m])


@pytest.mark.parametrize("name", sorted(m for m in MODULES if _layer(m) == "engine"))
def test_engine_does_no_io(name: str) -> None:
    path = MODULES[name]
    for target, line in _imports(path):
        top = target.split(".")[0]
        assert top not in ENGINE_FORBIDDEN, f"{path.name}:{line}: the engine imports {target}"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id not in ("print", "open", "input"), (
                f"{path.name}:{node.lineno}: the engine calls {node.func.id}()"
            )
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "random"
            and isinstance(node.value.value, ast.Name)
            and node.value.value.id in ("np", "numpy")
        ):
            assert node.attr in LOCAL_GENERATORS, (
                f"{path.name}:{node.lineno}: np.random.{node.attr} uses numpy's global random state"
            )


def test_the_layer_test_catches_an_upward_import(tmp_path: Path) -> None:
    """The checks can fail: an engine module importing reporting is named with both modules."""
    bad = tmp_path / "bad.py"
    bad.write_text("from sim.reporting.plots import x\n")
    found = [m for m, _ in _imports(bad) if m in MODULES]
    assert "sim.reporting.plots" in found
    assert RANK[_layer("sim.reporting.plots")] > RANK["engine"]
