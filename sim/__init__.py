"""bordersim: a discrete-event simulation of freight trucks at the Lạng Sơn border.

The public API::

    from sim import load_scenario, run_once, kpis, replicate, summarise

    scenario = load_scenario("baseline")            # or a path to a .toml file
    result = run_once(scenario, replication=0)      # records of one replication
    print(kpis(result)["cleared_per_day"])
"""

from sim.engine.run import RunResult, run_once  # noqa: E402
from sim.experiments.replications import Estimate, estimate, replicate, summarise  # noqa: E402
from sim.readouts.kpis import conservation, kpis  # noqa: E402
from sim.reporting.animation import animate  # noqa: E402
from sim.scenario.files import ScenarioError, load_scenario, parse_scenario  # noqa: E402
from sim.scenario.schema import Scenario  # noqa: E402
from sim.version import __version__  # noqa: E402

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
