"""The headline KPIs: the few numbers a planner reads first, in tables, comparisons and reports.

Each is a key of :func:`sim.kpis.kpis` or one derived here from them:

==========================  =================================================
road_queue_peak_km.max      the longest peak road queue of any crossing, km
==========================  =================================================
"""

from __future__ import annotations

import math
from dataclasses import dataclass

ROAD_QUEUE_KM_PREFIX = "road_queue_peak_km."
ROAD_QUEUE_KM_MAX = "road_queue_peak_km.max"


@dataclass(frozen=True)
class Headline:
    """A KPI as tables show it: label, unit scale and digits."""

    key: str
    label: str
    digits: int = 1
    scale: float = 1.0


HEADLINE: tuple[Headline, ...] = (
    Headline("cleared_per_day", "cleared/day"),
    Headline("backlog_midnight.mean", "backlog at midnight"),
    Headline("time_in_system_h.mean", "time in system, mean h", digits=2),
    Headline("time_in_system_h.p95", "time in system, p95 h", digits=2),
    Headline("same_day_share", "same-day %", scale=100.0),
    Headline("perishable_delayed_share", "perishables delayed %", scale=100.0),
    Headline(ROAD_QUEUE_KM_MAX, "peak road queue km", digits=2),
    Headline("gave_up_per_day", "gave up/day"),
)


def with_derived(kpis: dict[str, float]) -> dict[str, float]:
    """The KPIs of one replication with the derived headline KPIs added."""
    out = dict(kpis)
    km = [v for k, v in kpis.items() if k.startswith(ROAD_QUEUE_KM_PREFIX) and k != ROAD_QUEUE_KM_MAX]
    finite = [v for v in km if not math.isnan(v)]
    out[ROAD_QUEUE_KM_MAX] = max(finite) if finite else math.nan
    return out
