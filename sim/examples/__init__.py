"""Known answers, beside the layers: small scenarios whose behaviour theory predicts.

Holds small scenarios built and validated as a planner's file would be (``scenarios``:
one crossing with a single stage, the M/M/c queue) and the closed forms they are checked
against (``theory``: Erlang C, Little's law). Used by the tests, the course notebooks and
``bordersim capacity``-style checks.

May import: ``sim.scenario`` (the schema its scenarios are validated through).
"""

from sim.examples.scenarios import (
    ALWAYS_OPEN,
    CARGO,
    CROSSING,
    DIRECTION,
    START_DATE,
    mmc_dict,
    mmc_scenario,
    single_stage_dict,
    validated,
)

__all__ = [
    "ALWAYS_OPEN",
    "CARGO",
    "CROSSING",
    "DIRECTION",
    "START_DATE",
    "mmc_dict",
    "mmc_scenario",
    "single_stage_dict",
    "validated",
]
