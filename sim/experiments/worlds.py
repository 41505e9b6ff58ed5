"""Answers across the plausible worlds: every question asked in each world the data allow.

A worlds file (``seeds/worlds.toml``, written by ``bordersim history-match``) holds parameter
points of ``seeds/uncertain.toml`` that no observation rules out. A scenario *in a world* is the
scenario with that world's factors applied (:func:`sim.scenario.uncertain.world_scenario`, the
era of the file deciding which apply). Within a world every scenario runs replications
``0..R-1`` with one ``rng_seed`` (common random numbers, as without worlds), so a comparison in a
world is paired as usual; across worlds the answer is a spread:

- the **median** over worlds of the world's answer (its mean over replications),
- a **90% range**: the 5th to the 95th percentile of the worlds' answers,
- the **share of worlds** in which a conclusion holds ("the backlog grows": the paired
  difference, or the KPI, is significantly above zero at 95% in that world).

The share of worlds is not a probability of the future: the worlds are the parameter points the
data could not tell apart, spread over what is left of the space, not drawn with weights; a
conclusion that holds in 38% of them holds in some of the worlds the sources allow and not in
others — it rests on what the sources do not pin down.

Runs go out as one job per (world, replication) covering every scenario asked, so the work is
spread over worker processes or a Dask cluster with results that do not depend on how many.
"""

from __future__ import annotations

import hashlib
import math
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.experiments.replications import run_replications
from sim.scenario.files import ScenarioError, read_chain
from sim.scenario.schema import Scenario
from sim.scenario.uncertain import Space, default_space_path, era_of, load_space, world_scenario

LOW_Q, HIGH_Q = 5.0, 95.0  # the 90% range across worlds


@dataclass(frozen=True)
class Worlds:
    """The plausible worlds: each a factor per parameter of ``space``."""

    file: Path
    space: Space
    ids: list[str]
    values: list[dict[str, float]]
    sha256: str  # of the worlds file's bytes
    inputs_sha256: str  # what history matching ran on (the file records it)

    def __len__(self) -> int:
        return len(self.values)

    def first(self, n: int | None) -> Worlds:
        """The first ``n`` worlds (the file lists them spread out first, by maximin order)."""
        if n is None or n >= len(self.values):
            return self
        return Worlds(self.file, self.space, self.ids[:n], self.values[:n], self.sha256, self.inputs_sha256)


def default_worlds_path() -> Path:
    return default_space_path().with_name("worlds.toml")


def load_worlds(path: str | Path | None = None, space_file: str | Path | None = None) -> Worlds:
    """Read a worlds file and the space it belongs to.

    Raises
    ------
    ScenarioError
        One line naming the file and what is wrong (unknown parameter, value outside its range...).
    """
    path = Path(path) if path is not None else default_worlds_path()
    try:
        data = path.read_bytes()
        raw = tomllib.loads(data.decode("utf-8"))
    except OSError as err:
        raise ScenarioError([f"--worlds {path}: cannot be read: {err.strerror or err}"]) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ScenarioError([f"--worlds {path}: not valid TOML: {err}"]) from None
    if raw.get("format") != "bordersim-worlds/1":
        raise ScenarioError(
            [f"--worlds {path}: format = {raw.get('format')!r}: expected 'bordersim-worlds/1'"]
        )
    space = load_space(space_file)
    entries = raw.get("worlds", [])
    if not entries:
        raise ScenarioError([f"--worlds {path}: no [[worlds]]: history matching kept no point"])
    ids, values, problems = [], [], []
    for k, w in enumerate(entries):
        v = w.get("values", {})
        for name, x in v.items():
            q = space.parameters.get(name)
            if q is None:
                problems.append(f"--worlds {path}: worlds[{k}].values.{name}: no such parameter in the space")
            elif not isinstance(x, int | float) or not q.range[0] <= x <= q.range[1]:
                problems.append(
                    f"--worlds {path}: worlds[{k}].values.{name} = {x!r}: expected in {list(q.range)}"
                )
        ids.append(str(w.get("id", f"w{k + 1:02d}")))
        values.append({n: float(v.get(n, 1.0)) for n in space.parameters})
    if problems:
        raise ScenarioError(problems)
    return Worlds(
        path, space, ids, values, hashlib.sha256(data).hexdigest(), str(raw.get("inputs_sha256", ""))
    )


# -- running in every world ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Bundle:
    """What a (world, replication) job needs: the scenarios as written, their eras, the worlds."""

    scenarios: tuple[Scenario, ...]
    eras: tuple[str | None, ...]
    space: Space
    worlds: tuple[dict[str, float], ...]
    work: Callable[[Scenario, int], Any]


def _job(bundle: Bundle, job: int, replications: int) -> list[Any]:
    w, r = divmod(job, replications)
    return [
        bundle.work(world_scenario(s, era, bundle.space, bundle.worlds[w]), r)
        for s, era in zip(bundle.scenarios, bundle.eras, strict=True)
    ]


def eras_of(sources: Sequence[str | Path], space: Space) -> tuple[str | None, ...]:
    return tuple(era_of(src, space) for src in sources)


def run_in_worlds(
    work: Callable[[Scenario, int], Any],
    scenarios: Sequence[Scenario],
    eras: Sequence[str | None],
    worlds: Worlds,
    replications: int,
    workers: int = 1,
    scheduler: str | None = None,
    on_done: Callable[[], object] | None = None,
) -> list[list[list[Any]]]:
    """``work(scenario in world w, r)`` for every world, scenario and replication:
    ``out[w][i][r]``. One job per (world, replication), covering every scenario."""
    bundle = Bundle(tuple(scenarios), tuple(eras), worlds.space, tuple(worlds.values), work)
    n = len(worlds.values)
    out: list[list[list[Any]]] = [[[None] * replications for _ in scenarios] for _ in range(n)]
    for job, results in run_replications(
        _job, bundle, range(n * replications), workers, scheduler, extra=(replications,)
    ):
        w, r = divmod(job, replications)
        for i, value in enumerate(results):
            out[w][i][r] = value
        if on_done is not None:
            on_done()
    return out


# -- across worlds ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Spread:
    """A quantity across worlds: median and 90% range (5th-95th percentile)."""

    median: float
    low: float
    high: float
    n: int

    def as_dict(self) -> dict[str, float]:
        return {"median": self.median, "low": self.low, "high": self.high, "worlds": self.n}


def spread(values: Sequence[float]) -> Spread:
    x = np.asarray([v for v in values if v is not None and not math.isnan(v)], float)
    if x.size == 0:
        return Spread(math.nan, math.nan, math.nan, 0)
    low, med, high = np.percentile(x, [LOW_Q, 50.0, HIGH_Q])
    return Spread(float(med), float(low), float(high), int(x.size))


def share(flags: Sequence[bool]) -> float:
    """The share of worlds in which a conclusion holds."""
    return float(np.mean(flags)) if len(flags) else math.nan


@dataclass(frozen=True)
class WorldsKpi:
    """One KPI of one scenario across worlds (and, against another scenario, the difference)."""

    key: str
    value: Spread  # the scenario's mean in each world
    difference: Spread | None  # the paired difference from the scenario compared with
    higher: float  # share of worlds where the difference (or the KPI) is significantly above 0
    lower: float  # ... significantly below 0
    per_world: list[float]  # the world's mean (for figures)
    per_world_difference: list[float] | None


def across(comparisons_by_world: Sequence[Any], reference: bool) -> list[WorldsKpi]:
    """Aggregate one row's :class:`~sim.experiments.comparison.KpiComparison` lists (one per world)."""
    out = []
    for k, c0 in enumerate(comparisons_by_world[0]):
        cs = [world[k] for world in comparisons_by_world]
        values = [c.b.mean for c in cs]
        if reference:
            up = [c.b.low > 0 for c in cs]
            down = [c.b.high < 0 for c in cs]
            out.append(WorldsKpi(c0.key, spread(values), None, share(up), share(down), values, None))
            continue
        diffs = [c.paired.mean for c in cs]
        up = [bool(c.paired.significant) and c.paired.mean > 0 for c in cs]
        down = [bool(c.paired.significant) and c.paired.mean < 0 for c in cs]
        out.append(WorldsKpi(c0.key, spread(values), spread(diffs), share(up), share(down), values, diffs))
    return out


def worlds_inputs(worlds: Worlds, sources: Sequence[str | Path]) -> dict[str, str]:
    """SHA-256 of what an answer across worlds depends on: the worlds file, the space, every
    scenario file in the sources' chains and the model's sources (a generated table records it,
    so a test can tell it is stale without rerunning it)."""
    from sim.experiments.history_matching import model_sources
    from sim.experiments.history_matching import repository_name as name

    out = {name(worlds.file): worlds.sha256}
    space = default_space_path()
    out[name(space)] = hashlib.sha256(space.read_bytes()).hexdigest()
    for src in sources:
        for f, _ in read_chain(src):
            out.setdefault(name(f), hashlib.sha256(f.read_bytes()).hexdigest())
    for f in sorted(model_sources()):
        out.setdefault(name(f), hashlib.sha256(f.read_bytes()).hexdigest())
    return dict(sorted(out.items()))


def inputs_sha256(worlds: Worlds, sources: Sequence[str | Path]) -> str:
    import json

    return hashlib.sha256(json.dumps(worlds_inputs(worlds, sources)).encode()).hexdigest()


def as_jsonable(items: Mapping[str, WorldsKpi] | Sequence[WorldsKpi]) -> list[dict[str, Any]]:
    seq = items.values() if isinstance(items, Mapping) else items
    return [
        {
            "kpi": x.key,
            "value": x.value.as_dict(),
            "difference": None if x.difference is None else x.difference.as_dict(),
            "share_higher": x.higher,
            "share_lower": x.lower,
            "per_world": x.per_world,
            "per_world_difference": x.per_world_difference,
        }
        for x in seq
    ]


# -- the scenario table across worlds ----------------------------------------------------------------------
@dataclass(frozen=True)
class WorldsTable:
    """A scenario table answered in every world: per row, per KPI, a :class:`WorldsKpi`."""

    names: list[str]
    compared_with: list[int | None]
    rows: list[list[WorldsKpi]]
    columns: list[Any]  # the Headline columns
    replications: int
    worlds: Worlds
    rng_seed: int
    days: int | None
    inputs_sha256: str


def table_in_worlds(
    paths: Sequence[str | Path],
    worlds: Worlds,
    baseline: str | Path | None = None,
    replications: int = 3,
    days: int | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    on_done: Callable[[], object] | None = None,
    columns: Sequence[Any] | None = None,
    settings: Sequence[Any] = (),
) -> WorldsTable:
    """:func:`sim.experiments.comparison.table_results` in every world (CRN within each world)."""
    from sim.experiments.comparison import TableResults, headline_kpis_of, load_common, table_rows
    from sim.readouts.headline import HEADLINE

    columns = list(columns or HEADLINE)
    files, parents = table_rows(paths, baseline)
    ref = parents.index(None)
    seed = load_common([files[ref]], days=days, settings=settings)[0].rng_seed
    scenarios = load_common(files, days=days, rng_seed=seed, settings=settings)
    eras = eras_of(files, worlds.space)
    runs = run_in_worlds(headline_kpis_of, scenarios, eras, worlds, replications, workers, scheduler, on_done)
    keys = [h.key for h in columns]
    unknown = [k for k in keys if k not in runs[0][ref][0]]
    if unknown:
        raise ScenarioError([f"--kpi {k}: expected a KPI of {scenarios[ref].name}" for k in unknown])
    by_world = [
        TableResults(scenarios, runs[w], columns, replications, days, list(settings), parents).comparisons()
        for w in range(len(worlds))
    ]
    rows = [
        across([by_world[w][i] for w in range(len(worlds))], parents[i] is None) for i in range(len(files))
    ]
    return WorldsTable(
        [s.name for s in scenarios],
        parents,
        rows,
        columns,
        replications,
        worlds,
        seed,
        days,
        inputs_sha256(worlds, files),
    )


def compare_in_worlds(
    a: str | Path,
    b: str | Path,
    worlds: Worlds,
    replications: int = 5,
    days: int | None = None,
    rng_seed: int | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    on_done: Callable[[], object] | None = None,
    settings: Sequence[Any] = (),
    keys: Sequence[str] | None = None,
) -> tuple[list[WorldsKpi], list[Scenario]]:
    """B against A in every world, paired replication by replication within each world."""
    from sim.experiments.comparison import compare_runs, headline_kpis_of, load_common
    from sim.readouts.headline import HEADLINE

    scenarios = load_common([a, b], days=days, rng_seed=rng_seed, settings=settings)
    eras = eras_of([a, b], worlds.space)
    runs = run_in_worlds(headline_kpis_of, scenarios, eras, worlds, replications, workers, scheduler, on_done)
    keys = list(keys or [h.key for h in HEADLINE])
    by_world = [compare_runs(runs[w][0], runs[w][1], keys) for w in range(len(worlds))]
    return across(by_world, reference=False), scenarios


def run_scenario_in_worlds(
    source: str | Path,
    worlds: Worlds,
    replications: int = 3,
    overrides: Mapping[str, Any] | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    on_done: Callable[[], object] | None = None,
    settings: Sequence[Any] = (),
    keys: Sequence[str] | None = None,
) -> list[WorldsKpi]:
    """One scenario's KPIs in every world: per KPI the spread of the worlds' means, and the share
    of worlds where it is significantly above (or below) zero (e.g. the backlog's growth)."""
    from sim.experiments.comparison import compare_runs, headline_kpis_of
    from sim.scenario.files import load_with_settings

    scenario = load_with_settings(str(source), settings, overrides)
    runs = run_in_worlds(
        headline_kpis_of,
        [scenario],
        eras_of([source], worlds.space),
        worlds,
        replications,
        workers,
        scheduler,
        on_done,
    )
    keys = list(keys or list(runs[0][0][0]))
    by_world = [compare_runs(runs[w][0], runs[w][0], keys) for w in range(len(worlds))]
    return across(by_world, reference=True)
