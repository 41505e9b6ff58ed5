"""Is a run's answer a steady state? Instability and censoring, counted over replications.

Two conditions make a run's means mislead if nobody says them aloud:

* **unstable** — the midnight backlog keeps growing (the ``unstable`` KPI of each replication,
  ``reporting.unstable_growth_share``): there is no steady state, and every mean depends on
  how long the run lasted;
* **censored** — many trucks are still waiting when the run ends, so the time-in-system
  figures, computed over the trucks that cleared, leave out the longest waits. A replication
  is censored when more than ``reporting.censored_share`` of the measured days' arrivals are
  still in the system at the end (``in_system_share_end``); its time-in-system figures are
  then lower bounds, and are printed as such (``≥``). (Counting the waiting trucks until the
  end, ``time_in_system_h.lower_bound``, is no test of it: in a growing backlog the trucks
  still waiting arrived late and have waited little yet.)

:func:`stability` counts both over a run's replications; the CLI, the reports and the
workbench render the result, they do not recompute it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.scenario.schema import Scenario

CENSORED_EXCEPT = ("time_in_system_h.trucks", "time_in_system_h.lower_bound")


def is_censorable(key: str) -> bool:
    """KPIs computed over cleared trucks only, which censoring biases low (time in system)."""
    return key.startswith("time_in_system_h.") and key not in CENSORED_EXCEPT


@dataclass(frozen=True)
class Stability:
    """Instability and censoring of one scenario's replications.

    Attributes
    ----------
    replications
        Replications counted.
    unstable, censored
        How many of them were unstable, and censored.
    growth_per_day
        Mean slope of the midnight backlog, trucks a day.
    in_system_share_end
        Mean share of the measured days' loaded arrivals still in the system at the end.
    lower_bound_h
        Mean of ``time_in_system_h.lower_bound``: the mean time in system counting the trucks
        still waiting until the end.
    censored_share
        The scenario's ``reporting.censored_share``.
    """

    replications: int
    unstable: int
    censored: int
    growth_per_day: float
    in_system_share_end: float
    lower_bound_h: float
    censored_share: float

    @property
    def is_unstable(self) -> bool:
        return self.unstable > 0

    @property
    def is_censored(self) -> bool:
        return self.censored > 0

    def lines(self, name: str) -> list[str]:
        """One plain sentence per condition (none when the run is steady and uncensored)."""
        out = []
        n = self.replications
        if self.is_unstable:
            out.append(
                f"{name} is unstable: its backlog grows steadily in {self.unstable} of {n} replications "
                f"({_signed(self.growth_per_day)} trucks a day); there is no steady state, so its means "
                "depend on how long the run lasts."
            )
        if self.is_censored:
            out.append(
                f"{name} is censored: in {self.censored} of {n} replications more than "
                f"{self.censored_share:.0%} of the measured days' arrivals were still waiting at the end "
                f"({self.in_system_share_end:.0%} on average); its time-in-system figures leave out the "
                "longest waits and are lower bounds (≥)."
            )
        return out

    def as_dict(self) -> dict[str, object]:
        return {
            "replications": self.replications,
            "unstable": self.unstable,
            "censored": self.censored,
            "growth_per_day": self.growth_per_day,
            "in_system_share_end": self.in_system_share_end,
            "time_in_system_lower_bound_h": self.lower_bound_h,
            "censored_share": self.censored_share,
        }


def stability(runs: Sequence[dict[str, float]], scenario: Scenario) -> Stability:
    """Count the unstable and the censored replications of ``runs`` (KPIs of ``scenario``)."""
    share = scenario.reporting.censored_share

    def values(key: str) -> np.ndarray:
        return np.array([r.get(key, math.nan) for r in runs], float)

    end = values("in_system_share_end")
    with np.errstate(invalid="ignore"):
        censored = int((end > share).sum())
    return Stability(
        replications=len(runs),
        unstable=int(np.nan_to_num(values("unstable")).astype(bool).sum()),  # NaN: too short to tell
        censored=censored,
        growth_per_day=_mean(values("backlog_growth_per_day")),
        in_system_share_end=_mean(end),
        lower_bound_h=_mean(values("time_in_system_h.lower_bound")),
        censored_share=share,
    )


def _mean(x: np.ndarray) -> float:
    finite = x[~np.isnan(x)]
    return float(finite.mean()) if finite.size else math.nan


def _signed(x: float) -> str:
    return "–" if math.isnan(x) else f"{x:+,.0f}" if abs(x) >= 10 else f"{x:+,.1f}"
