"""bordersim: a discrete-event simulation of freight trucks at the Lạng Sơn border.

The public API::

    from sim import load_scenario, run_once, kpis, replicate, summarise

    scenario = load_scenario("baseline")            # or a path to a .toml file
    result = run_once(scenario, replication=0)      # records of one replication
    print(kpis(result)["cleared_per_day"])
"""

__version__ = "0.1.0"

from sim.experiment import Estimate, estimate, replicate, summarise  # noqa: E402
from sim.kpis import conservation, kpis  # noqa: E402
from sim.run import RunResult, run_once  # noqa: E402
from sim.scenario import Scenario  # noqa: E402
from sim.scenario_files import ScenarioError, load_scenario, parse_scenario  # noqa: E402

__all__ = [
    "Estimate",
    "RunResult",
    "Scenario",
    "ScenarioError",
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
