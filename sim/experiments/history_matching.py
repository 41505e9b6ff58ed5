"""History matching: which points of the uncertain space the observations cannot rule out.

The space is ``seeds/uncertain.toml`` (:mod:`sim.scenario.uncertain`), the observations are the
targets of ``seeds/targets.toml``, and how each one enters — its model discrepancy, or why it is
left out — is ``seeds/history_matching.toml`` (:class:`Settings`). For a point ``x`` (a factor
per parameter), every scenario a target names (the 2023 and 2024 baselines and every episode) is
run in the world ``x`` for replications ``0..R-1`` with its own ``rng_seed`` (common random
numbers: every point sees the same trucks), and each target gets an implausibility

    I_t(x) = |mean_t(x) - observed_t| / sqrt(V_obs,t + V_disc,t + V_sim,t(x) (1 + 1/R) [+ V_emu,t(x)])

(the variances are documented in ``seeds/history_matching.toml``). ``x`` is ruled out when the
``rank``-th largest ``I_t`` over the targets in use exceeds ``cutoff``.

**Waves.** Wave 1 runs a space-filling design over the whole space (a Latin hypercube optimised
for centred discrepancy, ``scipy.stats.qmc``). After each wave a Gaussian-process emulator per
target (scikit-learn's ``GaussianProcessRegressor``: anisotropic RBF plus a white-noise term for
the replications' noise) is fitted to every point run so far; it screens ``candidates`` points
drawn inside the box of the points not yet ruled out, its predictive variance added to the
denominator, and the next wave runs a space-filling subset (greedy maximin) of the survivors. The
share of the whole space the emulators keep is estimated on a fixed sample of the prior; the
waves stop when a wave keeps more than ``stop_shrink`` of the space left before it (the space
stopped shrinking), when too few candidates survive, or after ``max_waves``.

**Why these libraries.** ``mogp-emulator``'s ``HistoryMatching`` computes the same ratio for one
output from its own GP objects (last release 2022, a tree of dependencies of its own); ``pyabc``
(ABC-SMC, on Dask) answers another question — a posterior — with thousands of runs per
generation, beyond a wave's budget; the implausibility is one line over arrays here, the GP is
scikit-learn's (maintained, deterministic with a fixed ``random_state``) and the designs SciPy's.

**Resumable and reproducible.** Each point's results are written to ``OUT/points/KEY.json`` as soon
as its replications are in (``KEY`` hashes the point and the inputs); a rerun reuses them, and
the designs are deterministic functions of the seed and of the results, so an interrupted run
continues where it stopped and ends with the same worlds. Results do not depend on the number of
worker processes or Dask workers (each replication's streams depend only on its seed and number).
"""

from __future__ import annotations

import hashlib
import json
import math
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from pydantic import Field, ValidationError, model_validator

from sim.engine.run import run_once
from sim.experiments.atomic import write_atomic
from sim.experiments.replications import run_replications
from sim.readouts.targets import target_kpis, target_value
from sim.scenario.files import ScenarioError, load_scenario, read_chain, resolve
from sim.scenario.schema import Scenario
from sim.scenario.spec import Spec
from sim.scenario.targets import Target, default_targets_path, load_targets
from sim.scenario.uncertain import (
    Space,
    default_space_path,
    era_of,
    load_space,
    unit_to_values,
    world_scenario,
)
from sim.version import __version__

Z95 = 1.959963984540054
FORMAT = "bordersim-history-match/1"


# -- settings -------------------------------------------------------------------------------------
class Entry(Spec):
    """How one target enters history matching."""

    use: bool = True
    discrepancy_sd: float = Field(ge=0, allow_inf_nan=False)
    why: str = Field(min_length=1)


class Fact(Spec):
    why: str = Field(min_length=1)


class Settings(Spec):
    """``seeds/history_matching.toml``."""

    cutoff: float = Field(3.0, gt=0)
    rank: int = Field(1, ge=1)
    replications: int = Field(3, ge=2, le=100)
    wave_points: int = Field(256, ge=4, le=100_000)
    max_waves: int = Field(4, ge=1, le=20)
    candidates: int = Field(40_000, ge=100, le=5_000_000)
    stop_shrink: float = Field(0.8, gt=0, le=1)
    worlds: int = Field(50, ge=1, le=10_000)
    seed: int = Field(2026, ge=0)
    observations: dict[str, Entry] = Field(default_factory=dict)
    facts: dict[str, Fact] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _rank(self) -> Settings:
        used = sum(e.use for e in self.observations.values())
        if self.observations and self.rank > used:
            raise ValueError(f"rank = {self.rank}: expected at most the {used} observations in use")
        return self


def default_settings_path() -> Path:
    return default_space_path().with_name("history_matching.toml")


def load_settings(path: str | Path | None = None, targets: Mapping[str, Target] | None = None) -> Settings:
    """Read and validate the settings; every target must have an entry (enter, or excluded with why).

    Raises
    ------
    ScenarioError
        One line per problem, naming the file and the field.
    """
    path = Path(path) if path is not None else default_settings_path()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        settings = Settings.model_validate(raw)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError([f"{path}: not valid TOML: {err}"]) from None
    except OSError as err:
        raise ScenarioError([f"{path}: cannot be read: {err.strerror or err}"]) from None
    except ValidationError as err:
        lines = []
        for e in err.errors():
            where = ".".join(str(p) for p in e["loc"] if not str(p).startswith("function")) or "(top level)"
            lines.append(f"{path}: {where} = {e.get('input')!r}: {e['msg'].removeprefix('Value error, ')}")
        raise ScenarioError(lines) from None
    if targets is not None:
        missing = [n for n in targets if n not in settings.observations]
        unknown = [n for n in settings.observations if n not in targets]
        problems = [
            f"{path}: observations.{n}: missing: every target enters or is excluded with why" for n in missing
        ]
        problems += [f"{path}: observations.{n}: no such target in targets.toml" for n in unknown]
        if problems:
            raise ScenarioError(problems)
    return settings


# -- the problem: scenarios, targets, eras ------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    """Everything a point's evaluation needs, small enough to send to a worker with each job."""

    space: Space
    scenarios: tuple[Scenario, ...]  # one per scenario file the targets name
    eras: tuple[str | None, ...]
    targets: tuple[tuple[str, Target, int], ...]  # (name, target, index of its scenario)
    keys: tuple[tuple[str, ...], ...]  # per scenario: the KPI keys its targets need


def problem(
    space: Space,
    targets: Mapping[str, Target],
    relative_to: Path | None = None,
    days: int | None = None,
) -> Problem:
    """Load every scenario the targets name once, with its era."""
    files: list[Path] = []
    for t in targets.values():
        f = resolve(t.scenario, relative_to).resolve()
        if f not in files:
            files.append(f)
    overrides = {"horizon_days": days} if days is not None else None
    scenarios = tuple(load_scenario(f, overrides=overrides) for f in files)
    eras = tuple(era_of(f, space) for f in files)
    named = tuple((n, t, files.index(resolve(t.scenario, relative_to).resolve())) for n, t in targets.items())
    keys = tuple(
        tuple(dict.fromkeys(k for _, t, i in named if i == j for k in (*t.keys, *t.divisors)))
        for j in range(len(files))
    )
    return Problem(space, scenarios, eras, named, keys)


def evaluate_point(p: Problem, values: Mapping[str, float], replication: int) -> list[float]:
    """Every target's value in one replication of the world ``values``."""
    runs = []
    for scenario, era, keys in zip(p.scenarios, p.eras, p.keys, strict=True):
        world = world_scenario(scenario, era, p.space, values)
        runs.append(target_kpis(run_once(world, replication), keys))
    return [target_value(runs[i], t, name) for name, t, i in p.targets]


def _job(bundle: tuple[Problem, tuple[dict[str, float], ...]], job: int, replications: int) -> list[float]:
    """Job ``job``: replication ``job % R`` of point ``job // R`` (a worker's unit of work)."""
    p, points = bundle
    return evaluate_point(p, points[job // replications], job % replications)


# -- implausibility -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Observed:
    """The observed value and the fixed variances of each target, in the problem's order."""

    names: list[str]
    value: np.ndarray
    v_obs: np.ndarray
    v_disc: np.ndarray
    use: np.ndarray  # bool


def observed(p: Problem, settings: Settings) -> Observed:
    names = [n for n, _, _ in p.targets]
    entries = [settings.observations[n] for n in names]
    return Observed(
        names,
        np.array([t.centre for _, t, _ in p.targets]),
        np.array([(t.half_width / Z95) ** 2 for _, t, _ in p.targets]),
        np.array([e.discrepancy_sd**2 for e in entries]),
        np.array([e.use for e in entries], bool),
    )


def implausibility(
    mean: np.ndarray, v_sim: np.ndarray, replications: int, obs: Observed, v_emu: np.ndarray | float = 0.0
) -> np.ndarray:
    """``|mean - observed| / sqrt(V_obs + V_disc + V_sim (1 + 1/R) + V_emu)``, per point and target."""
    denominator = obs.v_obs + obs.v_disc + v_sim * (1 + 1 / replications) + v_emu
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.abs(mean - obs.value) / np.sqrt(denominator)
    return np.where(np.isnan(mean), np.inf, out)


def ranked(impl: np.ndarray, use: np.ndarray, rank: int) -> np.ndarray:
    """The ``rank``-th largest implausibility of each point over the targets in use."""
    used = impl[:, use]
    return -np.sort(-used, axis=1)[:, rank - 1]


# -- emulators -------------------------------------------------------------------------------------------
class Emulators:
    """One Gaussian process per target on the unit cube, each on the parameters that can move it."""

    def __init__(
        self, x: np.ndarray, y: np.ndarray, inputs: list[np.ndarray], seed: int, use: np.ndarray | None = None
    ):
        from sklearn.gaussian_process import GaussianProcessRegressor
        from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

        self.inputs = inputs
        self.models = []
        import warnings

        from sklearn.exceptions import ConvergenceWarning

        for t in range(y.shape[1]):
            cols = inputs[t]
            ok = np.isfinite(y[:, t])
            kernel = ConstantKernel(1.0, (1e-3, 1e3)) * RBF(
                np.full(len(cols), 0.5), (1e-2, 1e2)
            ) + WhiteKernel(1e-2, (1e-6, 1.0))
            gp = GaussianProcessRegressor(kernel, normalize_y=True, random_state=seed, n_restarts_optimizer=0)
            if use is not None and not use[t]:  # a target not in use decides nothing: not emulated
                self.models.append(math.nan)
            elif ok.sum() >= 3 and np.ptp(y[ok, t]) > 0:
                with warnings.catch_warnings():  # a length scale at its bound: that input does not matter
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    gp.fit(x[np.ix_(ok, cols)], y[ok, t])
                self.models.append(gp)
            else:
                self.models.append(float(np.nanmean(y[:, t])) if ok.any() else math.nan)

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and variance of each target at the points ``x`` (the emulator's own variance; the
        white-noise part, the replications' noise, is left to V_sim)."""
        mean = np.empty((len(x), len(self.models)))
        var = np.zeros_like(mean)
        for t, gp in enumerate(self.models):
            if isinstance(gp, float):
                mean[:, t] = gp
                continue
            m, sd = gp.predict(x[:, self.inputs[t]], return_std=True)
            noise = gp.kernel_.k2.noise_level * gp._y_train_std**2
            mean[:, t] = m
            var[:, t] = np.maximum(sd**2 - noise, 0.0)
        return mean, var


TRAINING_POINTS = 300  # the emulators' fit grows as the cube of their points: the most relevant 300


def training_points(history: History, n: int) -> np.ndarray:
    """The points the emulators learn from: every point run while there are at most ``n``, then the
    ``n`` least implausible (the region the next wave refines; those far out are ruled out anyway)."""
    if len(history.unit) <= n:
        return np.arange(len(history.unit))
    score = ranked(history.implausibility, history.obs.use, history.settings.rank)
    return np.sort(np.argsort(score, kind="stable")[:n])


def relevant_inputs(p: Problem) -> list[np.ndarray]:
    """Per target, the parameters that apply to its scenario's era (the others cannot move it)."""
    out = []
    for _, _, i in p.targets:
        era = p.eras[i]
        out.append(np.array([k for k, q in enumerate(p.space.parameters.values()) if q.era in (None, era)]))
    return out


# -- designs ---------------------------------------------------------------------------------------------
def initial_design(d: int, n: int, seed: int) -> np.ndarray:
    from scipy.stats import qmc

    return qmc.LatinHypercube(d=d, optimization="random-cd", seed=np.random.default_rng(seed)).random(n)


def maximin_subset(candidates: np.ndarray, n: int, existing: np.ndarray | None = None) -> np.ndarray:
    """``n`` rows of ``candidates`` chosen greedily, each the farthest from those chosen (and from
    ``existing``); the first is the one nearest the candidates' centroid. Deterministic."""
    if len(candidates) <= n:
        return candidates
    chosen = [int(np.argmin(((candidates - candidates.mean(axis=0)) ** 2).sum(axis=1)))]
    dist = ((candidates - candidates[chosen[0]]) ** 2).sum(axis=1)
    if existing is not None and len(existing):
        for e in existing:
            dist = np.minimum(dist, ((candidates - e) ** 2).sum(axis=1))
    while len(chosen) < n:
        k = int(np.argmax(dist))
        chosen.append(k)
        dist = np.minimum(dist, ((candidates - candidates[k]) ** 2).sum(axis=1))
    return candidates[chosen]


# -- the run ----------------------------------------------------------------------------------------------
@dataclass
class Wave:
    """What one wave did."""

    number: int
    points: int
    ruled_out: float  # share of this wave's points ruled out (simulated)
    ruled_out_by: dict[str, float]  # target -> share of this wave's points it alone puts above the cut-off
    kept_share_of_space: float  # share of the prior the emulators keep after this wave
    candidates_screened: int = 0
    candidates_kept: int = 0
    probes_kept: list[bool] = field(default_factory=list)  # the emulators' verdict on given points


@dataclass
class History:
    """All points run, their results, and the waves."""

    space: Space
    settings: Settings
    obs: Observed
    unit: np.ndarray  # points run, on the unit cube
    wave_of: np.ndarray  # the wave each point belongs to (1, 2, ...)
    mean: np.ndarray  # (points, targets) over replications
    var: np.ndarray  # (points, targets) sample variance over replications
    waves: list[Wave] = field(default_factory=list)
    inputs_sha256: str = ""

    @property
    def implausibility(self) -> np.ndarray:
        return implausibility(self.mean, self.var, self.settings.replications, self.obs)

    @property
    def kept(self) -> np.ndarray:
        """Points not ruled out (by the targets in use)."""
        return ranked(self.implausibility, self.obs.use, self.settings.rank) <= self.settings.cutoff

    def values(self, i: int) -> dict[str, float]:
        return unit_to_values(self.space, self.unit[i])


def repository_name(f: Path) -> str:
    """A file's path from the repository's top (its bare name when outside it): how the recorded
    digests name their inputs, the same on every machine."""
    f = Path(f).resolve()
    try:
        return f.relative_to(Path(__file__).resolve().parents[2]).as_posix()
    except ValueError:
        return f.name


def inputs_digest(
    space_file: Path, settings_file: Path, targets_file: Path, p: Problem, files: Sequence[Path] = ()
) -> dict[str, str]:
    """SHA-256 of everything the worlds depend on: the three seeds files, every scenario file in
    the targets' chains, and the engine's and readouts' sources (a model change makes them stale)."""
    out = {}
    name = repository_name
    for f in (space_file, settings_file, targets_file, *files):
        out[name(f)] = hashlib.sha256(f.read_bytes()).hexdigest()
    for _, t, _ in p.targets:
        for f, _ in read_chain(resolve(t.scenario, targets_file.parent)):
            out.setdefault(name(f), hashlib.sha256(f.read_bytes()).hexdigest())
    for f in sorted(model_sources()):
        out.setdefault(name(f), hashlib.sha256(f.read_bytes()).hexdigest())
    return dict(sorted(out.items()))


def model_sources() -> list[Path]:
    """The source files whose change changes what a run gives: the engine, and the readouts."""
    sim = Path(__file__).resolve().parents[1]
    return [*sim.glob("engine/*.py"), *sim.glob("engine/*.pxd"), *sim.glob("readouts/*.py")]


def combined(digests: Mapping[str, str]) -> str:
    return hashlib.sha256(json.dumps(dict(sorted(digests.items()))).encode()).hexdigest()


def _key(unit: np.ndarray, inputs: str, replications: int) -> str:
    text = json.dumps([[float(u) for u in unit], inputs, replications])
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def run_points(
    out: Path,
    p: Problem,
    unit: np.ndarray,
    replications: int,
    inputs: str,
    workers: int = 1,
    scheduler: str | None = None,
    on_done: Callable[[], object] | None = None,
) -> list[list[list[float]]]:
    """Each point's target values per replication; stored points are read back, not rerun."""
    folder = out / "points"
    folder.mkdir(parents=True, exist_ok=True)
    results: dict[int, list[list[float]]] = {}
    todo = []
    for i, u in enumerate(unit):
        f = folder / f"{_key(u, inputs, replications)}.json"
        if f.is_file():
            try:
                data = json.loads(f.read_text(encoding="utf-8"))
                if data.get("targets") == [n for n, _, _ in p.targets] and len(data["runs"]) == replications:
                    results[i] = data["runs"]
                    continue
            except (ValueError, KeyError):
                pass
        todo.append(i)
    if todo:
        points = tuple(unit_to_values(p.space, unit[i]) for i in todo)
        got: dict[int, dict[int, list[float]]] = {k: {} for k in range(len(todo))}
        jobs = range(len(todo) * replications)
        for job, values in run_replications(
            _job, (p, points), jobs, workers, scheduler, extra=(replications,)
        ):
            k, r = divmod(job, replications)
            got[k][r] = values
            if on_done is not None:
                on_done()
            if len(got[k]) == replications:
                i = todo[k]
                runs = [got[k][r] for r in range(replications)]
                results[i] = runs
                payload = {
                    "values": points[k],
                    "unit": [float(x) for x in unit[i]],
                    "targets": [n for n, _, _ in p.targets],
                    "runs": runs,
                }
                write_atomic(
                    folder / f"{_key(unit[i], inputs, replications)}.json", json.dumps(payload) + "\n"
                )
    return [results[i] for i in range(len(unit))]


def _moments(runs: list[list[list[float]]]) -> tuple[np.ndarray, np.ndarray]:
    a = np.array(runs, float)  # (points, replications, targets)
    with np.errstate(invalid="ignore"):
        return np.nanmean(a, axis=1), np.nanvar(a, axis=1, ddof=1)


def history_match(
    out: str | Path,
    space_file: str | Path | None = None,
    settings_file: str | Path | None = None,
    targets_file: str | Path | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    on_wave: Callable[[Wave], object] | None = None,
    on_done: Callable[[], object] | None = None,
    probes: np.ndarray | None = None,
) -> History:
    """Run the waves (module docstring) in the folder ``out``; returns the history of every point.

    ``probes``: points of the unit cube (e.g. a known truth, in tests) on which each wave records
    the emulators' verdict (kept or not, :attr:`Wave.probes_kept`)."""
    out = Path(out)
    space_file = Path(space_file) if space_file else default_space_path()
    settings_file = Path(settings_file) if settings_file else default_settings_path()
    targets_file = Path(targets_file) if targets_file else default_targets_path()
    space = load_space(space_file)
    targets = load_targets(targets_file)
    settings = load_settings(settings_file, targets)
    p = problem(space, targets, targets_file.parent)
    obs = observed(p, settings)
    digests = inputs_digest(space_file, settings_file, targets_file, p)
    # A point's runs depend on the model, the space and the targets, not on how they are judged:
    # changing the cut-off or a discrepancy reuses every point already run.
    inputs = combined({k: v for k, v in digests.items() if Path(k).name != settings_file.name})
    d = len(space.parameters)
    R = settings.replications
    rng = np.random.default_rng(settings.seed)
    prior_sample = rng.random((settings.candidates, d))  # fixed: the share of the space kept
    unit = initial_design(d, settings.wave_points, settings.seed)
    wave_of = np.ones(len(unit), int)
    empty = np.empty((0, len(obs.names)))
    history = History(
        space, settings, obs, np.empty((0, d)), np.empty(0, int), empty, empty, [], combined(digests)
    )
    kept_before = 1.0
    inputs_of = relevant_inputs(p)
    for number in range(1, settings.max_waves + 1):
        new = unit[wave_of == number]
        runs = run_points(out, p, new, R, inputs, workers, scheduler, on_done)
        mean, var = _moments(runs)
        history.unit = np.vstack([history.unit, new])
        history.wave_of = np.concatenate([history.wave_of, np.full(len(new), number)])
        history.mean = np.vstack([history.mean, mean])
        history.var = np.vstack([history.var, var])
        impl = implausibility(mean, var, R, obs)
        over = impl > settings.cutoff
        ruled = ranked(impl, obs.use, settings.rank) > settings.cutoff
        train = training_points(history, TRAINING_POINTS)
        emulators = Emulators(history.unit[train], history.mean[train], inputs_of, settings.seed, obs.use)
        pooled = np.nanmedian(history.var, axis=0)
        m, v = emulators.predict(prior_sample)
        kept_prior = ranked(implausibility(m, pooled, R, obs, v), obs.use, settings.rank) <= settings.cutoff
        wave = Wave(
            number,
            len(new),
            float(ruled.mean()),
            {n: float(over[:, k].mean()) for k, n in enumerate(obs.names)},
            float(kept_prior.mean()),
        )
        if probes is not None:
            m, v = emulators.predict(np.atleast_2d(probes))
            kept_probe = (
                ranked(implausibility(m, pooled, R, obs, v), obs.use, settings.rank) <= settings.cutoff
            )
            wave.probes_kept = [bool(k) for k in kept_probe]
        history.waves.append(wave)
        stop = number == settings.max_waves or (
            number > 1 and wave.kept_share_of_space > settings.stop_shrink * kept_before
        )
        if not stop:
            alive = history.unit[history.kept]
            if len(alive) == 0:
                alive = history.unit[np.argsort(ranked(history.implausibility, obs.use, settings.rank))[:10]]
            low = np.clip(alive.min(axis=0) - 0.05, 0, 1)
            high = np.clip(alive.max(axis=0) + 0.05, 0, 1)
            cand = low + rng.random((settings.candidates, d)) * (high - low)
            m, v = emulators.predict(cand)
            keep = ranked(implausibility(m, pooled, R, obs, v), obs.use, settings.rank) <= settings.cutoff
            wave.candidates_screened, wave.candidates_kept = len(cand), int(keep.sum())
            if keep.sum() < 2:
                stop = True
            else:
                nxt = maximin_subset(cand[keep], settings.wave_points, history.unit)
                unit = np.vstack([unit, nxt])
                wave_of = np.concatenate([wave_of, np.full(len(nxt), number + 1)])
        kept_before = wave.kept_share_of_space
        if on_wave is not None:
            on_wave(wave)
        if stop:
            break
    return history


# -- the worlds -----------------------------------------------------------------------------------------
def choose_worlds(history: History, n: int) -> list[int]:
    """Up to ``n`` of the points run that are not ruled out, spread over the space (maximin),
    in the order chosen; the last wave's points first (they fill what is left most evenly)."""
    kept = np.flatnonzero(history.kept)
    if len(kept) == 0:
        return []
    last = kept[history.wave_of[kept] == history.wave_of[kept].max()]
    pool = last if len(last) >= n else kept
    chosen = maximin_subset(history.unit[pool], min(n, len(pool)))
    index = {tuple(history.unit[i]): i for i in pool}
    return [index[tuple(row)] for row in chosen]


def worlds_toml(history: History, chosen: Sequence[int], digests: Mapping[str, str], command: str) -> str:
    """The worlds file: provenance, the waves' record, each parameter's range, and the worlds."""
    from sim.experiments.calibration import _toml_value

    s = history.settings
    lines = [
        "# Plausible worlds: parameter points of seeds/uncertain.toml that history matching against",
        "# seeds/targets.toml (as seeds/history_matching.toml says) could not rule out. GENERATED:",
        f"#   {command}",
        "# Do not edit by hand; tests/test_worlds.py checks `inputs_sha256` against the inputs.",
        "",
        'format = "bordersim-worlds/1"',
        f'version = "{__version__}"',
        f'inputs_sha256 = "{combined(digests)}"',
        f"cutoff = {s.cutoff!r}",
        f"rank = {s.rank}",
        f"replications = {s.replications}",
        f"points_run = {len(history.unit)}",
        f"points_kept = {int(history.kept.sum())}",
        "",
        "[inputs]",
        *[f"{_toml_value(k)} = {_toml_value(v)}" for k, v in digests.items()],
        "",
    ]
    for w in history.waves:
        lines += [
            "[[waves]]",
            f"wave = {w.number}",
            f"points = {w.points}",
            f"ruled_out = {round(w.ruled_out, 4)!r}",
            f"kept_share_of_space = {round(w.kept_share_of_space, 5)!r}",
            f"candidates_screened = {w.candidates_screened}",
            f"candidates_kept = {w.candidates_kept}",
            "ruled_out_by = { "
            + ", ".join(f"{k} = {round(v, 4)!r}" for k, v in w.ruled_out_by.items())
            + " }",
            "",
        ]
    kept = history.unit[history.kept] if history.kept.any() else history.unit[:0]
    for k, (name, q) in enumerate(history.space.parameters.items()):
        lo, hi = q.range
        rng_ = (
            [lo + (hi - lo) * float(kept[:, k].min()), lo + (hi - lo) * float(kept[:, k].max())]
            if len(kept)
            else []
        )
        lines += [
            f"[parameters.{name}]",
            f"prior = [{lo!r}, {hi!r}]",
            f"kept = [{', '.join(repr(round(x, 4)) for x in rng_)}]",
            "",
        ]
    impl = history.implausibility
    for j, i in enumerate(chosen):
        values = history.values(i)
        lines += [
            "[[worlds]]",
            f'id = "w{j + 1:02d}"',
            f"max_implausibility = {round(float(impl[i][history.obs.use].max()), 3)!r}",
            "values = { " + ", ".join(f"{k} = {round(v, 6)!r}" for k, v in values.items()) + " }",
            "",
        ]
    return "\n".join(lines)
