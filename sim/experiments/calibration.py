"""Calibration: how a scenario meets its targets, and fitting free parameters to them.

**Evaluation** runs a scenario's replications and gives, for every target, the model's
mean with its 95% Student-t interval and whether the mean falls inside the target's band.

**Fitting** (:func:`fit`) searches the named free parameters (dotted paths, see
:mod:`sim.scenario.overrides`) within their bounds for the smallest

    chi2 = sum over targets of ((model mean - band centre) / sd)^2,
    sd^2 = (band half-width / 1.96)^2 + (standard error of the model mean)^2,

that is, each band is read as a 95% interval around what was observed. Every candidate
point runs the same replications with the same ``rng_seed`` (common random numbers), so
the objective is a deterministic function of the parameters and differences between
points are not noise. The optimiser is SciPy's bounded Nelder–Mead: derivative-free
(the objective is piecewise smooth at best: integer lanes, event order), it needs no
noise model thanks to common random numbers, and SciPy is already a dependency;
a noisy black-box optimiser (optuna) would spend its evaluations on a problem we do not
have.

**Identification**: after the fit each parameter is profiled over its whole range (the
others held at their fitted values). Its 95% interval is where chi2 stays within 3.84
of the minimum (a profile-likelihood interval); a parameter whose profile never rises by
``FLAT_CHI2`` over the range is reported as *not identified by these targets* rather than
set silently.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.engine.run import run_once
from sim.experiments.replications import Estimate, estimate, run_replications
from sim.readouts.targets import target_kpis, target_value
from sim.scenario.files import ScenarioError, load_scenario, normalised, resolve, resolved_data
from sim.scenario.inspect import toml_value
from sim.scenario.overrides import Setting, apply, as_overrides, dotted, parse_path, value_at
from sim.scenario.schema import Scenario
from sim.scenario.targets import Target

Z95 = 1.959963984540054  # a band is read as a 95% interval around what was observed
DELTA_CHI2_95 = 3.841458820694124  # chi-square(1) 95% quantile: the profile interval
FLAT_CHI2 = 1.0  # a profile rising by less than this over the whole range identifies nothing
PROFILE_POINTS = 9  # grid over each parameter's range
BISECTIONS = 6  # steps locating each end of a profile interval


@dataclass(frozen=True)
class TargetResult:
    """A target and the model's estimate of its quantity."""

    name: str
    target: Target
    model: Estimate

    @property
    def inside(self) -> bool:
        return self.target.band[0] <= self.model.mean <= self.target.band[1]

    @property
    def z(self) -> float:
        """Standardised distance of the model mean from the band centre."""
        se = 0.0 if math.isnan(self.model.half_width) else self.model.half_width / Z95
        sd = math.hypot(self.target.half_width / Z95, se)
        return (self.model.mean - self.target.centre) / sd if sd > 0 else math.inf


@dataclass(frozen=True)
class Free:
    """A free parameter: its path, bounds, and whether it takes whole numbers (lanes)."""

    path: str
    low: float
    high: float
    integer: bool


@dataclass
class Fit:
    """What :func:`fit` found."""

    values: dict[str, float]
    chi2: float
    results: list[TargetResult]
    evaluations: int
    profiles: dict[str, list[tuple[float, float]]] = field(default_factory=dict)

    def interval(self, path: str) -> tuple[float, float]:
        """The profile 95% interval of a parameter (its ends bisected, then interpolated)."""
        return profile_interval(self.profiles[path], self.chi2)

    def identified(self, path: str) -> bool:
        chi = [c for _, c in self.profiles[path] if math.isfinite(c)]
        return bool(chi) and max(chi) - min(chi) >= FLAT_CHI2


def calibration_json(results: Sequence[TargetResult], replications: int, fitted: Fit | None = None) -> dict:
    """The calibration as data (``calibrate --json``): each target with its band and the model's
    mean ± 95% half-width, whether it is inside; with a fit, each parameter's value and interval."""
    out: dict[str, Any] = {
        "replications": replications,
        "all_inside": all(r.inside for r in results),
        "inside": sum(r.inside for r in results),
        "targets": [
            {
                "name": r.name,
                "kpi": r.target.keys,
                "divide_by": r.target.divisors,
                "unit": r.target.unit,
                "period": r.target.period,
                "observed": list(r.target.observed)
                if isinstance(r.target.observed, tuple)
                else r.target.observed,
                "band": list(r.target.band),
                "sources": r.target.sources,
                "model": {"mean": r.model.mean, "half_width": r.model.half_width, "n": r.model.n},
                "inside": r.inside,
                "z": r.z,
            }
            for r in results
        ],
    }
    if fitted is not None:
        values = {}
        for path, value in fitted.values.items():
            identified = fitted.identified(path)
            low, high = fitted.interval(path) if identified else (math.nan, math.nan)
            values[path] = {"value": value, "identified": identified, "low": low, "high": high}
        out["fit"] = {"chi2": fitted.chi2, "evaluations": fitted.evaluations, "values": values}
    return out


def _target_kpis_of(scenario: Scenario, replication: int, keys: tuple[str, ...]) -> dict[str, float]:
    return target_kpis(run_once(scenario, replication), keys)


def targets_for(scenario_ref: str, targets: Mapping[str, Target], relative_to: Path | None = None) -> dict:
    """The targets whose ``scenario`` is the same file as ``scenario_ref``."""
    wanted = resolve(scenario_ref).resolve()
    return {name: t for name, t in targets.items() if resolve(t.scenario, relative_to).resolve() == wanted}


def evaluate(
    scenario: Scenario,
    targets: Mapping[str, Target],
    replications: int,
    workers: int = 1,
) -> list[TargetResult]:
    """Each target against the scenario's replications ``0..replications-1``."""
    keys = tuple(dict.fromkeys(k for t in targets.values() for k in (*t.keys, *t.divisors)))
    runs = dict(run_replications(_target_kpis_of, scenario, range(replications), workers, extra=(keys,)))
    ordered = [runs[r] for r in range(replications)]
    return [
        TargetResult(name, t, estimate(target_value(k, t, name) for k in ordered))
        for name, t in targets.items()
    ]


def chi2(results: Sequence[TargetResult]) -> float:
    return float(sum(r.z**2 for r in results))


def _setting(path: str, value: Any) -> Setting:
    return Setting(f"{path}={value}", parse_path(path, f"--free {path}"), value, "--free")


def settings_for(values: Mapping[str, Any]) -> list[Setting]:
    """The fitted ``path: value`` pairs as settings (what ``--set`` would apply)."""
    return [_setting(path, value) for path, value in values.items()]


def free_parameter(scenario: Scenario, text: str) -> Free:
    """``PATH`` or ``PATH=LOW:HIGH``; without bounds, half to twice the current value.

    Raises
    ------
    ScenarioError
        One line naming ``--free`` and the parameter.
    """
    path, _, bounds = text.partition("=")
    where = f"--free {text}"
    current = value_at(normalised(scenario), Setting(text, parse_path(path, where), None, "--free"))
    if isinstance(current, bool) or not isinstance(current, int | float):
        raise ScenarioError([f"{where}: the scenario's value there is {current!r}, not a number"])
    if bounds:
        low_text, sep, high_text = bounds.partition(":")
        try:
            low, high = float(low_text), float(high_text)
        except ValueError:
            raise ScenarioError([f"{where}: expected PATH=LOW:HIGH with two numbers"]) from None
        if not sep or not (math.isfinite(low) and math.isfinite(high)) or low >= high:
            raise ScenarioError([f"{where}: expected PATH=LOW:HIGH with LOW < HIGH, both finite"])
    else:
        low, high = sorted((current / 2, current * 2))
        if low == high:
            raise ScenarioError([f"{where}: the current value is 0; give bounds as PATH=LOW:HIGH"])
    return Free(path, low, high, isinstance(current, int))


def fit(
    source: str | Path,
    targets: Mapping[str, Target],
    free: Sequence[Free],
    replications: int,
    workers: int = 1,
    overrides: Mapping[str, Any] | None = None,
    max_evaluations: int = 60,
    progress: Callable[[int, dict[str, float], float], None] | None = None,
) -> Fit:
    """Fit ``free`` to ``targets`` with common random numbers; then profile each parameter."""
    from scipy.optimize import minimize

    resolved = resolved_data(source)
    cache: dict[tuple, tuple[float, list[TargetResult]]] = {}

    def values_at(x: Sequence[float]) -> dict[str, float]:
        return {
            f.path: int(round(v)) if f.integer else float(v)
            for f, v in zip(free, np.clip(x, [f.low for f in free], [f.high for f in free]), strict=True)
        }

    def run(values: dict[str, float]) -> tuple[float, list[TargetResult]]:
        key = tuple(values.values())
        if key not in cache:
            scenario = load_scenario(
                source, overrides={**(overrides or {}), **as_overrides(resolved, settings_for(values))}
            )
            results = evaluate(scenario, targets, replications, workers)
            cache[key] = (chi2(results), results)
            if progress:
                progress(len(cache), values, cache[key][0])
        return cache[key]

    base = load_scenario(source)
    x0 = [min(max(float(value_at(normalised(base), _setting(f.path, None))), f.low), f.high) for f in free]
    # Nelder-Mead's default first simplex steps 5% of x0, which may not move a whole-number
    # parameter at all: start from one spanning a quarter of each range instead.
    simplex = [list(x0)]
    for i, f in enumerate(free):
        step = 0.25 * (f.high - f.low)
        vertex = list(x0)
        vertex[i] += step if x0[i] + step <= f.high else -step
        simplex.append(vertex)
    minimize(
        lambda x: run(values_at(x))[0],
        x0,
        method="Nelder-Mead",
        bounds=[(f.low, f.high) for f in free],
        options={"maxfev": max_evaluations, "initial_simplex": simplex, "xatol": 1e-3, "fatol": 1e-3},
    )
    best_key = min(cache, key=lambda k: cache[k][0])
    best = dict(zip((f.path for f in free), best_key, strict=True))
    result = Fit(best, cache[best_key][0], cache[best_key][1], len(cache))
    for f in free:
        grid = np.linspace(f.low, f.high, PROFILE_POINTS)
        points = sorted({(int(round(g)) if f.integer else float(g)) for g in grid} | {best[f.path]})
        profile = {v: run({**best, f.path: v})[0] for v in points}
        # chi2 is close to quadratic near its minimum, so a straight line between coarse grid
        # points would put the interval's ends too close: bisect each crossing instead.
        level = result.chi2 + DELTA_CHI2_95
        x_best = best[f.path]
        for side in (-1, 1):
            beyond = [
                v for v in sorted(profile, reverse=side < 0) if side * (v - x_best) > 0 and profile[v] > level
            ]
            if not beyond:
                continue
            inside, outside = x_best, beyond[0]
            for _ in range(BISECTIONS):
                mid = (inside + outside) / 2
                mid = int(round(mid)) if f.integer else mid
                if mid in (inside, outside):
                    break
                profile[mid] = run({**best, f.path: mid})[0]
                inside, outside = (mid, outside) if profile[mid] <= level else (inside, mid)
        result.profiles[f.path] = sorted(profile.items())
    result.evaluations = len(cache)
    return result


def profile_interval(profile: Sequence[tuple[float, float]], minimum: float) -> tuple[float, float]:
    """Where the profile stays within :data:`DELTA_CHI2_95` of ``minimum``, interpolated
    between grid points; the range's end where it never rises that far."""
    level = minimum + DELTA_CHI2_95
    xs = [x for x, _ in profile]
    inside = [i for i, (_, c) in enumerate(profile) if c <= level]
    if not inside:
        return (math.nan, math.nan)
    lo_i, hi_i = inside[0], inside[-1]

    def cross(i: int, j: int) -> float:
        (x1, c1), (x2, c2) = profile[i], profile[j]
        return x1 + (level - c1) * (x2 - x1) / (c2 - c1) if c2 != c1 else x1

    low = cross(lo_i, lo_i - 1) if lo_i > 0 else xs[0]
    high = cross(hi_i, hi_i + 1) if hi_i < len(profile) - 1 else xs[-1]
    return (low, high)


_toml_value = toml_value  # moved to sim.scenario.inspect (the web's [set] files use it too)

#: The first line of a file ``calibrate --out`` writes says so; it writes over such files only.
CALIBRATED_MARK = "calibrated by `bordersim calibrate`"


def check_calibrated_out(out: str | Path, inputs: Sequence[str | Path]) -> None:
    """Refuse (:class:`~sim.experiments.integrity.FolderError`) a ``calibrate --out`` file that is
    an input (the scenario, its parents, the targets) or an existing file calibrate did not write."""
    from sim.experiments.confine import check_output_file
    from sim.experiments.integrity import FolderError

    check_output_file(out, "--out", inputs, (".toml",))
    path = Path(out)
    if path.is_file():
        with open(path, "rb") as f:
            first = f.readline(1000).decode("utf-8", "replace")
        if CALIBRATED_MARK not in first:
            raise FolderError(
                f"--out {out}: exists and was not written by bordersim calibrate: refused (it writes over "
                "its own files only); choose another name"
            )


def calibrated_file(parent: str, source: str | Path, result: Fit, header: Sequence[str]) -> str:
    """A short scenario file extending ``parent`` with the fitted values, one comment each.

    A value inside a list (a route's ``stages``) is written with its whole list, since a
    child file replaces lists whole.
    """
    settings = settings_for(result.values)
    changed = apply(resolved_data(source), settings)
    lines = [f"# {h}" for h in header] + ["", f"extends = {toml_value(parent)}", ""]
    in_lists: dict[tuple, list[str]] = {}
    for setting in settings:
        path, value = setting.path, setting.value
        text = setting.text.partition("=")[0]
        if result.identified(text):
            lo, hi = result.interval(text)
            verdict = f"95% profile interval {lo:.4g} to {hi:.4g}"
        else:
            verdict = "NOT IDENTIFIED by these targets (flat profile): kept for completeness, do not trust"
        comment = f"{text}: fitted {value!r}, {verdict}"
        cut = next((i for i, step in enumerate(path) if isinstance(step, int)), None)
        if cut is None:
            lines.append(f"{text} = {toml_value(value)}  # {comment}")
        else:
            in_lists.setdefault(path[:cut], []).append(comment)
    for key, comments in in_lists.items():
        lines += [f"# {c}" for c in comments]
        whole = value_at(changed, Setting(dotted(key), key, None, "--free"))
        lines.append(f"{dotted(key)} = {toml_value(whole)}")
    return "\n".join(lines) + "\n"
