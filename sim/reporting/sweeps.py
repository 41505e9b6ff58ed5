"""Tables and figures of sweeps and sensitivity analyses, written into their folder."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from sim.experiments.atomic import write_atomic, write_atomic_bytes
from sim.experiments.comparison import decimals_for, headline_for
from sim.experiments.replications import Estimate
from sim.experiments.sensitivity import Effect, effects_csv, effects_markdown, interval_text, label_of
from sim.experiments.sweep import Plan, sweep_csv
from sim.reporting import plots


def _cell(e: Estimate, key: str) -> str:
    h = headline_for(key)
    if math.isnan(e.mean):
        return "–"
    digits = decimals_for(e.half_width * h.scale, h.digits)
    text = f"{e.mean * h.scale:,.{digits}f}"
    if not math.isnan(e.half_width):
        text += f" ± {e.half_width * h.scale:,.{digits}f}"
    return text


def sweep_markdown(p: Plan, est: Sequence[dict[str, Estimate]], keys: Sequence[str]) -> str:
    """One row per point: its values and each KPI's mean ± 95% CI half-width."""
    dims = [d.name for d in p.dims]
    lines = [
        "| point | " + " | ".join(dims + [headline_for(k).label for k in keys]) + " |",
        "|---|" + "---:|" * (len(dims) + len(keys)),
    ]
    for i, (pt, e) in enumerate(zip(p.points, est, strict=True)):
        values = [f"{v:.4g}" if isinstance(v, float) else str(v) for v in (pt[d] for d in dims)]
        lines.append(f"| p{i:04d} | " + " | ".join(values + [_cell(e[k], k) for k in keys]) + " |")
    return "\n".join(lines)


def write_sweep(
    out: Path, p: Plan, est: Sequence[dict[str, Estimate]], keys: Sequence[str], kpi: str
) -> Path:
    """``sweep.csv``, ``sweep.md`` and the figure of ``kpi`` over the design (``sweep.png``)."""
    write_atomic(out / "sweep.csv", sweep_csv(p, est, keys))
    write_atomic(out / "sweep.md", sweep_markdown(p, est, keys) + "\n")
    h = headline_for(kpi)
    label = h.label
    values = [(e[kpi].mean * h.scale, e[kpi].half_width * h.scale) for e in est]
    if p.design.get("method") == "grid":
        first = p.dims[0].name
        second = p.dims[1].name if len(p.dims) > 1 else None
        groups: dict[str, list[int]] = {}
        for i, pt in enumerate(p.points):
            key = f"{second} = {pt[second]}" if second else ""
            groups.setdefault(key, []).append(i)
        series = [
            (g, [p.points[i][first] for i in idx], [values[i][0] for i in idx], [values[i][1] for i in idx])
            for g, idx in groups.items()
        ]
        png = plots.sweep_figure(first, series, label)
    else:
        panels = [
            (d.name, [pt[d.name] for pt in p.points], [v[0] for v in values], [v[1] for v in values])
            for d in p.dims
        ]
        png = plots.scatter_figure(panels, label)
    target = out / "sweep.png"
    write_atomic_bytes(target, png)
    return target


def write_sensitivity(out: Path, effects: Sequence[Effect], intro: str) -> Path:
    """``sensitivity.csv``, ``sensitivity.md`` (table and figure) and ``sensitivity.png``."""
    write_atomic(out / "sensitivity.csv", effects_csv(effects))
    kpis = list(dict.fromkeys(e.kpi for e in effects))
    panels = [
        (headline_for(k).label, [(label_of(e.factor), e.mu_star * headline_for(k).scale,
                                  e.low * headline_for(k).scale, e.high * headline_for(k).scale)
                                 for e in effects if e.kpi == k])
        for k in kpis
    ]  # fmt: skip
    write_atomic_bytes(out / "sensitivity.png", plots.sensitivity_figure(panels))
    text = (
        "# Sensitivity of the headline KPIs to the assumed parameters (Morris screening)\n\n"
        f"{intro}\n\n{effects_markdown(effects)}\n\n![Morris mu* by KPI](sensitivity.png)\n"
    )
    write_atomic(out / "sensitivity.md", text)
    return out / "sensitivity.md"


SENSITIVITY_BLOCK = "sensitivity"


def sensitivity_table(effects: Sequence[Effect], intro: str) -> str:
    """Factors (rows, by their largest rank) against KPIs (columns): μ* per whole range with its
    95% interval cut at zero, in each KPI's printed unit; the block ``--table FILE`` replaces."""
    kpis = list(dict.fromkeys(e.kpi for e in effects))
    factors = sorted(
        dict.fromkeys(e.factor for e in effects),
        key=lambda f: min(e.rank for e in effects if e.factor == f and e.kpi == kpis[0]),
    )
    cell = {(e.factor, e.kpi): interval_text(e, headline_for(e.kpi).scale) for e in effects}
    lines = [
        "| factor | " + " | ".join(headline_for(k).label for k in kpis) + " |",
        "|---|" + "---:|" * len(kpis),
    ]
    for f in factors:
        lines.append(f"| {label_of(f)} | " + " | ".join(cell.get((f, k), "–") for k in kpis) + " |")
    return f"{intro}\n\n" + "\n".join(lines) + "\n"
