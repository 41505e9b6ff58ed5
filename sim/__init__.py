"""bordersim: a discrete-event simulation of freight trucks at the Lạng Sơn border.

The public API::

    from sim import load_scenario, run_once, kpis, replicate, summarise

    scenario = load_scenario("baseline")            # or a path to a .toml file
    result = run_once(scenario, replication=0)      # records of one replication
    print(kpis(result)["cleared_per_day"])
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from sim.version import __version__

# Re-exported lazily (PEP 562): ``import sim`` (and so every ``sim.*`` import, the command line's
# included) stays light; NumPy, SciPy and SimPy load when one of these is first used.
_EXPORTS = {
    "RunResult": "sim.engine.run",
    "run_once": "sim.engine.run",
    "Estimate": "sim.experiments.replications",
    "estimate": "sim.experiments.replications",
    "replicate": "sim.experiments.replications",
    "summarise": "sim.experiments.replications",
    "conservation": "sim.readouts.kpis",
    "kpis": "sim.readouts.kpis",
    "animate": "sim.reporting.animation",
    "ScenarioError": "sim.scenario.files",
    "load_scenario": "sim.scenario.files",
    "parse_scenario": "sim.scenario.files",
    "Scenario": "sim.scenario.schema",
}

if TYPE_CHECKING:
    from sim.engine.run import RunResult, run_once
    from sim.experiments.replications import Estimate, estimate, replicate, summarise
    from sim.readouts.kpis import conservation, kpis
    from sim.reporting.animation import animate
    from sim.scenario.files import ScenarioError, load_scenario, parse_scenario
    from sim.scenario.schema import Scenario


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


__all__ = [
    "Estimate",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "animate",
    "conservation",
    "estimate",
    "kpis",
    "load_scenario",
    "parse_scenario",
    "replicate",
    "run_once",
    "summarise",
    "__version__",
]
