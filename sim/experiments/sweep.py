"""Sweeps: one scenario run at many points of a design, with common random numbers, in one folder.

A design is a list of points; a point gives values to its dimensions. A dimension
is either a field set to a value (``--vary path=v1,v2``, ``--design lhs:N path=LOW:HIGH``)
or, for sensitivity analysis (:mod:`sim.experiments.sensitivity`), a multiplier
of every number whose path matches a pattern (``demand.streams.*.trucks_per_day``).
Every point runs replications ``0..n-1`` with the same ``rng_seed`` (common random
numbers), so the differences between points are not blurred by different trucks.

The folder::

    OUT/sweep.json          the design, its points, the source scenario and settings, rng_seed
    OUT/points/p0000.json   the KPIs of each replication of a point, written when the point is done
    OUT/sweep.csv           one row per point: its values, each KPI's mean and 95% CI half-width

A point whose file exists (same scenario hash, enough replications) is kept when the
same sweep is run again: an interrupted sweep continues where it stopped.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.experiments.atomic import write_atomic
from sim.experiments.comparison import headline_kpis_of
from sim.experiments.replications import Estimate, estimate, run_replications
from sim.experiments.results_folder import FolderError, _csv, _num
from sim.scenario.files import ScenarioError, load_with_settings, resolved_data, scenario_hash
from sim.scenario.overrides import Setting, dotted, parse_path, parse_value
from sim.scenario.schema import Scenario
from sim.version import __version__

FORMAT = "bordersim-sweep/1"
SWEEP_FILE = "sweep.json"


@dataclass(frozen=True)
class Dimension:
    """One axis of a design: a field's value (``set``) or a multiplier of matching numbers (``scale``)."""

    name: str
    kind: str = "set"  # "set" or "scale"
    low: float = math.nan
    high: float = math.nan


Point = dict[str, Any]


# -- designs --------------------------------------------------------------------------------------
def parse_vary(text: str) -> tuple[Dimension, list[Any]]:
    """``path=v1,v2,...`` -> the dimension and its values (each parsed as TOML)."""
    path, sep, values = text.partition("=")
    items = [v.strip() for v in _split_top(values)] if sep else []
    if not sep or not path.strip() or not all(items):
        raise ScenarioError([f"--vary {text}: expected PATH=V1,V2,..., e.g. horizon_days=7,14"])
    parse_path(path.strip(), f"--vary {text}")
    return Dimension(path.strip()), [parse_value(v) for v in items]


def _split_top(text: str) -> list[str]:
    """Split on commas outside brackets and quotes (values may be TOML arrays or tables)."""
    out, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append(text[start:i])
            start = i + 1
    out.append(text[start:])
    return out


def parse_range(text: str, option: str, kind: str = "set") -> Dimension:
    """``path=LOW:HIGH`` -> a dimension with numeric bounds."""
    path, sep, bounds = text.partition("=")
    low, colon, high = bounds.partition(":")
    try:
        lo, hi = float(low), float(high)
    except ValueError:
        lo = hi = math.nan
    if not sep or not colon or not path.strip() or not lo < hi:
        raise ScenarioError(
            [f"{option} {text}: expected PATH=LOW:HIGH with LOW < HIGH, e.g. {path or 'x'}=0.8:1.2"]
        )
    if kind == "set":
        parse_path(path.strip(), f"{option} {text}")
    return Dimension(path.strip(), kind, lo, hi)


def grid(varies: Sequence[tuple[Dimension, list[Any]]]) -> list[Point]:
    """Every combination of the values, the last dimension varying fastest."""
    names = [d.name for d, _ in varies]
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*(v for _, v in varies))]


def latin_hypercube(dims: Sequence[Dimension], n: int, seed: int) -> list[Point]:
    """``n`` points of a Latin hypercube over the dimensions' ranges (SciPy's QMC, seeded)."""
    from scipy.stats import qmc

    unit = qmc.LatinHypercube(d=len(dims), seed=np.random.default_rng(seed)).random(n)
    lows = np.array([d.low for d in dims])
    highs = np.array([d.high for d in dims])
    values = qmc.scale(unit, lows, highs) if dims else unit
    return [{d.name: float(v) for d, v in zip(dims, row, strict=True)} for row in values]


# -- turning a point into a scenario ---------------------------------------------------------------
def matching_paths(data: Any, pattern: str) -> list[tuple[tuple[str | int, ...], float]]:
    """Numeric values in scenario ``data`` whose path matches ``pattern`` (``*``, ``[*]`` match any)."""
    parts = parse_path(pattern.replace("[*]", "[0]").replace("*", "x0"), f"pattern {pattern}")
    # restore the wildcards at their places
    wild = []
    for seg in re.findall(r"\[\*\]|\[\d+\]|[^.\[\]]+", pattern):
        wild.append(seg in ("*", "[*]"))
    out: list[tuple[tuple[str | int, ...], float]] = []

    def walk(node: Any, i: int, path: tuple[str | int, ...]) -> None:
        if i == len(parts):
            if isinstance(node, int | float) and not isinstance(node, bool):
                out.append((path, node))
            return
        if wild[i]:
            items = (
                node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
            )
            for key, child in items:
                walk(child, i + 1, (*path, key))
        elif isinstance(node, dict) and parts[i] in node:
            walk(node[parts[i]], i + 1, (*path, parts[i]))
        elif isinstance(node, list) and isinstance(parts[i], int) and parts[i] < len(node):
            walk(node[parts[i]], i + 1, (*path, parts[i]))

    walk(data, 0, ())
    return out


def settings_of(point: Point, dims: Sequence[Dimension], data: dict[str, Any]) -> list[Setting]:
    """The ``--set`` settings that put a scenario (merged ``data``) at ``point``."""
    out = []
    for d in dims:
        value = point[d.name]
        if d.kind == "set":
            out.append(Setting(f"{d.name}={_toml(value)}", parse_path(d.name, "--vary"), value))
            continue
        matches = matching_paths(data, d.name)
        if not matches:
            raise ScenarioError([f"--factor {d.name}: matches no number in the scenario"])
        for path, base in matches:
            new: float = base * value
            if isinstance(base, int):
                new = max(0, round(new))
            out.append(Setting(f"{dotted(path)}={new!r}", path, new))
    return out


def _toml(value: Any) -> str:
    return (
        json.dumps(value)
        if isinstance(value, str)
        else str(value).lower()
        if isinstance(value, bool)
        else str(value)
    )


@dataclass(frozen=True)
class Plan:
    """A sweep ready to run: the design, its points and their scenarios."""

    kind: str
    dims: list[Dimension]
    points: list[Point]
    scenarios: list[Scenario]
    source: str
    base_settings: list[str]
    replications: int
    design: dict[str, Any]


def plan(
    kind: str,
    source: str | None,
    dims: Sequence[Dimension],
    points: Sequence[Point],
    replications: int,
    base_settings: Sequence[Setting] = (),
    overrides: dict[str, Any] | None = None,
    design: dict[str, Any] | None = None,
) -> Plan:
    """Load the scenario of every point (base settings first, then the point's), all with one rng_seed."""
    first = load_with_settings(source, base_settings, overrides)
    common = dict(overrides or {})
    common["rng_seed"] = first.rng_seed
    data = resolved_data(source)
    scenarios = []
    for p in points:
        extra = settings_of(p, dims, data)
        try:
            scenarios.append(load_with_settings(source, [*base_settings, *extra], common))
        except ScenarioError as err:
            where = ", ".join(f"{k}={_toml(v)}" for k, v in p.items())
            raise ScenarioError([f"sweep point {where}: {line}" for line in err.problems]) from None
    return Plan(
        kind,
        list(dims),
        [dict(p) for p in points],
        scenarios,
        str(source or "baseline"),
        [s.text for s in base_settings],
        replications,
        dict(design or {}),
    )


# -- the folder -----------------------------------------------------------------------------------
def _point_id(i: int) -> str:
    return f"p{i:04d}"


def _point_file(out: Path, i: int) -> Path:
    return out / "points" / f"{_point_id(i)}.json"


def _identity(p: Plan) -> dict[str, Any]:
    return {
        "kind": p.kind,
        "design": p.design,
        "dimensions": [d.__dict__ for d in p.dims],
        "points": [
            {"id": _point_id(i), "values": pt, "scenario_hash": scenario_hash(s)}
            for i, (pt, s) in enumerate(zip(p.points, p.scenarios, strict=True))
        ],
    }


def start(out: str | Path, p: Plan, command: Sequence[str] = (), force: bool = False) -> list[int]:
    """Prepare the folder; returns the points still to run (the others are kept)."""
    out = Path(out)
    manifest_file = out / SWEEP_FILE
    identity = _identity(p)
    if manifest_file.is_file():
        try:
            old = json.loads(manifest_file.read_text(encoding="utf-8"))
        except ValueError as err:
            raise FolderError(f"{manifest_file}: cannot be read as JSON: {err}") from None
        same = {k: old.get(k) for k in identity} == json.loads(json.dumps(identity))
        if force:
            shutil.rmtree(out)
        elif not same:
            raise FolderError(
                f"{out}: holds another sweep ({old.get('kind')}, {len(old.get('points', []))} points): "
                "run the same design to continue it, --force to replace it, or choose another --out"
            )
    elif out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise FolderError(f"{out}: exists and is not a sweep folder (no {SWEEP_FILE}): choose another --out")
    out.mkdir(parents=True, exist_ok=True)
    manifest = {
        "format": FORMAT,
        **identity,
        "version": __version__,
        "scenario_source": p.source,
        "settings": p.base_settings,
        "rng_seed": p.scenarios[0].rng_seed if p.scenarios else None,
        "replications": p.replications,
        "command": list(command),
    }
    write_atomic(manifest_file, json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    return [i for i in range(len(p.points)) if _stored(out, i, p) is None]


def _stored(out: Path, i: int, p: Plan) -> list[dict[str, float]] | None:
    file = _point_file(out, i)
    if not file.is_file():
        return None
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except ValueError:
        return None
    if data.get("scenario_hash") != scenario_hash(p.scenarios[i]) or len(data["kpis"]) < p.replications:
        return None
    return data["kpis"][: p.replications]


def _point_replication(scenarios: tuple[Scenario, ...], job: int, replications: int) -> dict[str, float]:
    """Job ``job`` of a sweep: replication ``job % replications`` of point ``job // replications``."""
    return headline_kpis_of(scenarios[job // replications], job % replications)


def run(
    out: str | Path,
    p: Plan,
    todo: Sequence[int],
    workers: int = 1,
    scheduler: str | None = None,
    on_done: Callable[[], object] | None = None,
) -> None:
    """Run the points ``todo``, writing each point's file once all its replications are done."""
    out = Path(out)
    n = p.replications
    pending = tuple(p.scenarios[i] for i in todo)
    results: dict[int, dict[int, dict[str, float]]] = {k: {} for k in range(len(todo))}
    jobs = range(len(todo) * n)
    for job, kpis in run_replications(_point_replication, pending, jobs, workers, scheduler, extra=(n,)):
        k, r = divmod(job, n)
        results[k][r] = kpis
        if on_done is not None:
            on_done()
        if len(results[k]) == n:
            i = todo[k]
            payload = {
                "id": _point_id(i),
                "values": p.points[i],
                "scenario_hash": scenario_hash(p.scenarios[i]),
                "kpis": [results[k][r] for r in range(n)],
            }
            write_atomic(_point_file(out, i), json.dumps(payload, allow_nan=True) + "\n")


def point_runs(out: str | Path, p: Plan) -> list[list[dict[str, float]]]:
    """The KPIs of every replication of every point (all points must be done)."""
    runs = []
    for i in range(len(p.points)):
        stored = _stored(Path(out), i, p)
        if stored is None:
            raise FolderError(
                f"{out}: point {_point_id(i)} is not done; run the same sweep again to finish it"
            )
        runs.append(stored)
    return runs


def summaries(runs: Sequence[Sequence[dict[str, float]]], keys: Sequence[str]) -> list[dict[str, Estimate]]:
    return [{k: estimate(r.get(k, math.nan) for r in reps) for k in keys} for reps in runs]


def sweep_csv(p: Plan, est: Sequence[dict[str, Estimate]], keys: Sequence[str]) -> str:
    header = ["point", *[d.name for d in p.dims]]
    for k in keys:
        header += [k, f"{k}_half_width"]
    rows = []
    for i, (pt, e) in enumerate(zip(p.points, est, strict=True)):
        row = [_point_id(i), *[pt[d.name] for d in p.dims]]
        for k in keys:
            row += [_num(e[k].mean), _num(e[k].half_width)]
        rows.append(row)
    return _csv(header, rows)
