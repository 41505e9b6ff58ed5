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

A point whose file exists (same scenario hash, enough replications, its checksum intact) is
kept when the same sweep is run again: an interrupted sweep continues where it stopped. A point
file edited by hand (its ``sha256`` no longer matches) is said so and run again, never reused.
Designs are bounded (:mod:`sim.experiments.bounds`): points, points x replications, Morris
levels; the sizes are checked before a grid is built. One process writes a sweep folder at a
time (its ``.lock``), and ``--force`` removes only the sweep's own files.
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
from sim.experiments.bounds import check_point_runs, check_points
from sim.experiments.comparison import headline_kpis_of
from sim.experiments.confine import check_folder_kind, check_output_folder, refuse_links, within
from sim.experiments.integrity import FolderLock, LockedError, is_sealed, seal
from sim.experiments.replications import Estimate, estimate, run_replications
from sim.experiments.results_folder import FolderError, _csv, _num
from sim.scenario.files import ScenarioError, load_with_settings, read_bounded, resolved_data, scenario_hash
from sim.scenario.limits import MAX_POINTS, MAX_RESULT_FILE_BYTES
from sim.scenario.overrides import Setting, dotted, parse_path, parse_value
from sim.scenario.schema import Scenario
from sim.version import __version__

FORMAT = "bordersim-sweep/1"
SWEEP_FILE = "sweep.json"
POINTS = "points"
#: What a sweep or sensitivity folder holds: ``--force`` removes these, and a sweep writes into
#: a folder that holds nothing else.
OWN_ENTRIES = (SWEEP_FILE, POINTS, "sweep.csv", "sweep.md", "sweep.png",
               "sensitivity.csv", "sensitivity.md", "sensitivity.png")  # fmt: skip


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
    check_points(len(items), f"--vary {path.strip()}")
    parse_path(path.strip(), f"--vary {path.strip()}")
    return Dimension(path.strip()), [parse_value(v, f"--vary {path.strip()}={v}") for v in items]


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
    finite = math.isfinite(lo) and math.isfinite(hi)
    if not sep or not colon or not path.strip() or not lo < hi or not finite:
        raise ScenarioError(
            [f"{option} {text}: expected PATH=LOW:HIGH with LOW < HIGH, e.g. {path or 'x'}=0.8:1.2"]
        )
    if kind == "scale" and not lo > 0:
        raise ScenarioError(
            [f"{option} {text}: LOW = {lo:g}: expected a factor above 0 (each matching number is multiplied "
             "by it: 0 or less would make it nothing, or negative)"]
        )  # fmt: skip
    if kind == "set":
        parse_path(path.strip(), f"{option} {text}")
    return Dimension(path.strip(), kind, lo, hi)


def parse_design(words: Sequence[str]) -> tuple[int, list[Dimension]]:
    """``lhs:N PATH=LOW:HIGH ...`` -> N and the dimensions (N from 2 to the points' limit)."""
    method, _, count = words[0].partition(":") if words else ("", "", "")
    shown = " ".join(words)
    shown = shown if len(shown) <= 80 else shown[:77] + "..."
    if method != "lhs" or not count.isdigit() or len(words) < 2:
        raise ScenarioError([f"--design {shown}: expected lhs:N PATH=LOW:HIGH ... with N >= 2"])
    if len(count) > 15:  # no int() of a number that long: it only needs to be too many
        raise ScenarioError(
            [f"--design lhs:{count[:12]}...: more than {10**15:,} points: expected at most {MAX_POINTS:,}"]
        )
    if int(count) < 2:
        raise ScenarioError([f"--design {shown}: expected lhs:N PATH=LOW:HIGH ... with N >= 2"])
    n = check_points(int(count), f"--design lhs:{count}")
    return n, [parse_range(t, "--design") for t in words[1:]]


def grid(varies: Sequence[tuple[Dimension, list[Any]]]) -> list[Point]:
    """Every combination of the values, the last dimension varying fastest; its size is checked
    (:func:`~sim.experiments.bounds.check_points`) before any combination is made."""
    size = math.prod(len(v) for _, v in varies)
    check_points(size, "--vary: the grid of every combination")
    names = [d.name for d, _ in varies]
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*(v for _, v in varies))]


def latin_hypercube(dims: Sequence[Dimension], n: int, seed: int) -> list[Point]:
    """``n`` points of a Latin hypercube over the dimensions' ranges (SciPy's QMC, seeded)."""
    from scipy.stats import qmc

    check_points(n, f"--design lhs:{n}")
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
            # a whole number stays whole (rounded), never clamped: a value below its field's floor
            # is refused by validation, naming the point
            new: float = round(base * value) if isinstance(base, int) else base * value
            out.append(Setting(f"{dotted(path)}={new!r}", path, new))
    return out


def check_factors(dims: Sequence[Dimension], data: dict[str, Any]) -> None:
    """Refuse a ``--factor`` that cannot move what it matches: every number it matches is whole
    and rounds to the same value at both ends of its range (it would be reported as no effect,
    mu* = 0, when it was never varied)."""
    for d in dims:
        if d.kind != "scale":
            continue
        matches = matching_paths(data, d.name)
        if matches and all(isinstance(base, int) for _, base in matches):
            if all(round(base * d.low) == round(base * d.high) for _, base in matches):
                path, base = matches[0]
                raise ScenarioError(
                    [f"--factor {d.name}={d.low:g}:{d.high:g}: every number it matches is a whole number "
                     "that rounds to the same value across the range "
                     f"({dotted(path)} = {base} -> {round(base * d.low)}): it would never vary; "
                     "widen the range"]
                )  # fmt: skip


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
    """Load the scenario of every point (base settings first, then the point's), all with one rng_seed;
    every point goes through the checks and limits of a file before any runs."""
    check_points(len(points), f"{kind}: the design")
    check_point_runs(len(points), replications, kind)
    first = load_with_settings(source, base_settings, overrides)
    common = dict(overrides or {})
    common["rng_seed"] = first.rng_seed
    data = resolved_data(source)
    check_factors(dims, data)
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
    return within(out, POINTS, f"{_point_id(i)}.json")


def _read_json(file: Path, what: str) -> Any:
    """A JSON file of a sweep folder, its size bounded; :class:`FolderError` (one line) otherwise."""
    try:
        data = read_bounded(file, MAX_RESULT_FILE_BYTES, what)
        return json.loads(data.decode("utf-8"))
    except ScenarioError as err:
        raise FolderError(err.problems[0]) from None
    except (ValueError, RecursionError) as err:
        reason = str(err).splitlines()[0] if isinstance(err, ValueError) else "nested too deeply"
        raise FolderError(f"{file}: cannot be read as JSON: {reason}") from None


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


def start(
    out: str | Path,
    p: Plan,
    command: Sequence[str] = (),
    force: bool = False,
    warn: Callable[[str], object] | None = None,
    inputs: Sequence[str | Path] = (),
) -> tuple[list[int], FolderLock]:
    """Check, lock and prepare the folder (before any point runs); returns the points still to run
    (the others are kept) and the folder's lock, to release once the sweep's files are written.

    The folder must be absent, empty or this kind of folder (a sweep or sensitivity folder, its
    own files only), not an input nor inside one. A point file that was edited or damaged is run
    again, and ``warn`` is told (one line naming it).
    """
    out = Path(out)
    manifest_file = out / SWEEP_FILE
    identity = _identity(p)
    if out.is_symlink() and not out.exists():
        raise FolderError(f"{out}: is a broken symbolic link: choose another --out")
    check_output_folder(out, "--out", inputs)
    if out.exists() and not out.is_dir():
        raise FolderError(f"{out}: exists and is not a folder: choose another --out")
    old = None
    if manifest_file.exists():
        old = _read_json(manifest_file, "sweep file")
        if not isinstance(old, dict) or old.get("format") != FORMAT:
            raise FolderError(
                f"{manifest_file}: is not a bordersim sweep file (expected a JSON object of format "
                f"{FORMAT!r}): the folder is not replaced, even with --force; choose another --out"
            )
        check_folder_kind(out, "--out", OWN_ENTRIES, "sweep")
    elif out.is_dir() and any(c.name != ".lock" for c in out.iterdir()):
        raise FolderError(f"{out}: exists and is not a sweep folder (no {SWEEP_FILE}): choose another --out")
    held = lock(out)
    try:
        refuse_links(out)
        if old is not None:
            same = {k: old.get(k) for k in identity} == json.loads(json.dumps(identity))
            if force:
                for name in OWN_ENTRIES:
                    entry = out / name
                    if entry.is_dir():
                        shutil.rmtree(entry)
                    elif entry.exists():
                        entry.unlink()
            elif not same:
                points = old.get("points")
                count = len(points) if isinstance(points, list) else "?"
                raise FolderError(
                    f"{out}: holds another sweep ({_short(old.get('kind'))}, {count} points): "
                    "run the same design to continue it, --force to replace it, or choose another --out"
                )
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
        todo = []
        for i in range(len(p.points)):
            try:
                if _stored(out, i, p) is None:
                    todo.append(i)
            except FolderError as err:
                if warn is not None:
                    warn(f"warning: {err}: run again")
                todo.append(i)
    except BaseException:
        held.release()
        raise
    return todo, held


def lock(out: str | Path) -> FolderLock:
    """The sweep folder's lock (:class:`~sim.experiments.integrity.FolderLock`): one writer at a time."""
    Path(out).mkdir(parents=True, exist_ok=True)
    try:
        return FolderLock(Path(out)).acquire()
    except LockedError as err:
        raise FolderError(str(err)) from None


def _stored(out: Path, i: int, p: Plan) -> list[dict[str, float]] | None:
    """A point's KPIs as its file keeps them: None when there is no file or it is for another
    scenario or fewer replications; :class:`FolderError` when it was edited or damaged."""
    file = _point_file(out, i)
    if not file.exists():
        return None
    data = _read_json(file, "point file")
    if not isinstance(data, dict) or not is_sealed(data, "sha256"):
        raise FolderError(f"{file}: edited or damaged (its sha256 does not match its content)")
    kpis = data.get("kpis")
    runs_ok = isinstance(kpis, list) and all(isinstance(k, dict) for k in kpis)
    if data.get("id") != _point_id(i) or not runs_ok:
        raise FolderError(f"{file}: not this sweep's point {_point_id(i)}")
    if data.get("scenario_hash") != scenario_hash(p.scenarios[i]) or len(kpis) < p.replications:
        return None
    return kpis[: p.replications]


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


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
            write_atomic(_point_file(out, i), json.dumps(seal(payload, "sha256"), allow_nan=True) + "\n")


def point_runs(out: str | Path, p: Plan) -> list[list[dict[str, float]]]:
    """The KPIs of every replication of every point (all points must be done)."""
    runs = []
    for i in range(len(p.points)):
        stored = _stored(Path(out), i, p)  # an edited point file: FolderError, never its numbers
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
