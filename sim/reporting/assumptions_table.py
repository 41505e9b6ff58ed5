"""The honest-remainder table: each remaining assumption and the change of the headline KPIs
when it moves by ±20% (paired differences with 95% intervals, common random numbers)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from sim.experiments.analysis import Difference
from sim.experiments.assumptions import KPIS, Sensitivity

_LABELS = {"cleared_per_day": "cleared/day", "time_in_system_h.mean": "time in system, h"}


def _cell(d: Difference) -> str:
    if math.isnan(d.mean):
        return "–"
    digits = 1 if abs(d.mean) >= 1 or abs(d.half_width) >= 1 else 2
    text = f"{d.mean:+.{digits}f} ± {d.half_width:.{digits}f}"
    return f"**{text}**" if abs(d.mean) > d.half_width else text


def assumptions_markdown(rows: Sequence[Sensitivity], replications: int, step: float) -> str:
    head = " | ".join(f"{_LABELS.get(k, k)} at −{step:.0%} | at +{step:.0%}" for k in KPIS)
    lines = [f"| assumption | parameters | {head} |", "|---|---|" + "---:|" * (2 * len(KPIS))]
    for r in rows:
        cells = " | ".join(f"{_cell(r.down[k])} | {_cell(r.up[k])}" for k in KPIS)
        lines.append(f"| {r.label} | `{r.pattern}` | {cells} |")
    lines += [
        "",
        f"Paired change from the scenario as calibrated, mean ± 95% CI over {replications} replications "
        "with common random numbers; **bold**: the interval excludes zero.",
    ]
    return "\n".join(lines) + "\n"
