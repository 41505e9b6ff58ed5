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
    """A KPI as tables show it: label, unit scale and digits, and which field of the scenario's
    ``reporting.smallest_difference`` holds the smallest difference that matters (in the unit
    printed, after ``scale``; None: none is set)."""

    key: str
    label: str
    digits: int = 1
    scale: float = 1.0
    smallest: str | None = None


HEADLINE: tuple[Headline, ...] = (
    Headline("cleared_per_day", "cleared/day", smallest="cleared_per_day"),
    Headline("backlog_midnight.mean", "backlog at midnight", smallest="backlog_midnight"),
    Headline("time_in_system_h.mean", "time in system, mean h", digits=2, smallest="time_in_system_h"),
    Headline("time_in_system_h.p95", "time in system, p95 h", digits=2, smallest="time_in_system_h"),
    Headline("same_day_share", "same-day %", scale=100.0, smallest="same_day_pct"),
    Headline(
        "perishable_delayed_share", "perishables delayed %", scale=100.0, smallest="perishable_delayed_pct"
    ),
    Headline(ROAD_QUEUE_KM_MAX, "peak road queue km", digits=2, smallest="road_queue_km"),
    Headline("gave_up_per_day", "gave up/day", smallest="gave_up_per_day"),
)

# KPIs beyond the headline in a headline KPI's unit share its smallest difference (by crossing,
# direction, cargo class, place); time_in_system_h.trucks is a count and has none.
_SMALLEST_BY_PREFIX = (
    ("cleared_per_day.", "cleared_per_day"),
    ("backlog_midnight.", "backlog_midnight"),
    ("time_in_system_h.", "time_in_system_h"),
    (ROAD_QUEUE_KM_PREFIX, "road_queue_km"),
    ("gave_up_per_day.", "gave_up_per_day"),
)


def smallest_field(key: str) -> str | None:
    """The ``reporting.smallest_difference`` field of a KPI (None: no smallest difference is set)."""
    for h in HEADLINE:
        if h.key == key:
            return h.smallest
    if key == "time_in_system_h.trucks":
        return None
    return next((field for prefix, field in _SMALLEST_BY_PREFIX if key.startswith(prefix)), None)


def with_derived(kpis: dict[str, float]) -> dict[str, float]:
    """The KPIs of one replication with the derived headline KPIs added."""
    out = dict(kpis)
    km = [v for k, v in kpis.items() if k.startswith(ROAD_QUEUE_KM_PREFIX) and k != ROAD_QUEUE_KM_MAX]
    finite = [v for v in km if not math.isnan(v)]
    out[ROAD_QUEUE_KM_MAX] = max(finite) if finite else math.nan
    return out
