"""The calibration table: each target, its source and band, the model's mean with its 95%
interval, and whether the mean falls inside the band (Markdown)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from sim.experiments.calibration import TargetResult


def _number(x: float) -> str:
    if math.isnan(x):
        return "–"
    if abs(x) < 10:
        return f"{x:.3g}" if abs(x) >= 1 else f"{x:.3f}"
    return f"{x:,.0f}"


def _observed(value: float | tuple[float, float]) -> str:
    return f"{_number(value[0])}–{_number(value[1])}" if isinstance(value, tuple) else _number(value)


def calibration_markdown(results: Sequence[TargetResult], replications: int) -> str:
    """One row per target; ``inside`` is the verdict, the CI says how sure it is."""
    lines = [
        "| target | quantity | period | observed | band | model mean ± 95% CI | inside | source |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        t = r.target
        quantity = " + ".join(t.keys) + (f" / {' + '.join(t.divisors)}" if t.divisors else "")
        model = _number(r.model.mean)
        if not math.isnan(r.model.half_width):
            model += f" ± {_number(r.model.half_width)}"
        lines.append(
            f"| {r.name} | `{quantity}` ({t.unit}) | {t.period} | {_observed(t.observed)} | "
            f"{_observed(t.band)} | {model} | {'yes' if r.inside else '**no**'} | {', '.join(t.sources)} |"
        )
    inside = sum(r.inside for r in results)
    lines.append("")
    lines.append(f"{inside} of {len(results)} targets inside their band ({replications} replications).")
    return "\n".join(lines) + "\n"
