"""Plain-text tables of KPIs for the terminal."""

from __future__ import annotations

import math

from sim.experiments.comparison import decimals_for
from sim.experiments.replications import Estimate
from sim.experiments.stability import Stability, is_censorable
from sim.scenario.schema import Scenario


def _fmt(e: Estimate, digits: int = 1) -> str:
    """``mean ± half-width`` to the digits the half-width supports (``digits`` without one)."""
    if math.isnan(e.mean):
        return "-"
    digits = decimals_for(e.half_width, digits)
    text = f"{e.mean:,.{digits}f}"
    if not math.isnan(e.half_width):
        text += f" ± {e.half_width:,.{digits}f}"
    return text


def kpi_table(
    scenario: Scenario, summary: dict[str, Estimate], header: str, stable: Stability | None = None
) -> str:
    """The headline KPIs of a run (one replication or the mean ± 95% CI of several).

    With ``stable`` (:func:`sim.experiments.stability.stability` of the runs), an unstable or
    censored run says so in the lines after ``header``, and its censored time-in-system figures
    are marked ``≥`` (lower bounds).
    """
    rows: list[tuple[str, str]] = []  # (label, value); a heading has no value
    censored = stable is not None and stable.is_censored

    def heading(label: str) -> None:
        rows.append((label, ""))

    def row(label: str, key: str, digits: int = 1, scale: float = 1.0, indent: int = 0) -> None:
        e = summary.get(key)
        if e is None:
            return
        e = Estimate(e.mean * scale, e.half_width * scale, e.n)
        mark = "≥ " if censored and is_censorable(key) else ""
        rows.append((" " * indent + label, mark + _fmt(e, digits)))

    heading("Vehicles cleared per day (loaded trucks, the Vietnamese count)")
    row("all crossings", "cleared_per_day", indent=2)
    row("export (VN to CN)", "cleared_per_day.export", indent=2)
    row("import (CN to VN)", "cleared_per_day.import", indent=2)
    for cid, crossing in scenario.crossings.items():
        row(crossing.name, f"cleared_per_day.{cid}", indent=2)
    if "empty_cleared_per_day" in summary:
        heading("Empty returns crossed per day (not in the figure above)")
        row("all crossings", "empty_cleared_per_day", indent=2)
        for cid, crossing in scenario.crossings.items():
            if summary[f"empty_cleared_per_day.{cid}"].mean > 0:
                row(crossing.name, f"empty_cleared_per_day.{cid}", indent=2)
    row("Arrivals per day", "arrived_per_day")
    row("Gave up per day", "gave_up_per_day")
    for key in summary:
        if key.startswith("gave_up_per_day.") and summary[key].mean > 0:
            row(key.removeprefix("gave_up_per_day."), key, indent=2)
    heading("Backlog at midnight (trucks in the system)")
    row("mean", "backlog_midnight.mean", indent=2)
    row("max", "backlog_midnight.max", indent=2)
    row("growth per day", "backlog_growth_per_day", indent=2)
    row("unstable (share of replications growing steadily)", "unstable", digits=2, indent=2)
    row("days to recover (replications that recovered)", "days_to_recover", indent=2)
    row("replications that did not recover, share", "days_to_recover.not_recovered", digits=2, indent=2)
    row("Still in the system at the end, % of arrivals", "in_system_share_end", scale=100)
    heading("Time in system, hours (cleared trucks that arrived in the measured days)")
    for stat in ("mean", "p50", "p95", "max"):
        row(stat, f"time_in_system_h.{stat}", digits=2, indent=2)
    row("trucks these are over", "time_in_system_h.trucks", digits=0, indent=2)
    row("mean counting those still waiting (lower bound)", "time_in_system_h.lower_bound", digits=2, indent=2)
    row("mean of exports", "time_in_system_h.mean.export", digits=2, indent=2)
    row("mean of imports", "time_in_system_h.mean.import", digits=2, indent=2)
    if "dwell_h.mean" in summary:
        row("of the mean: held by dwells (papers, declarations; no lane)", "dwell_h.mean", digits=2, indent=2)
        row("of the mean: queueing (road, yard, stage queues)", "queue_h.mean", digits=2, indent=2)
        row("of the mean: in service", "service_h.mean", digits=2, indent=2)
    row("Share cleared the same day, %", "same_day_share", scale=100)
    row(
        f"Perishables over {scenario.reporting.perishable_delay_h:g} h or turned back, %",
        "perishable_delayed_share",
        scale=100,
    )
    row("Value of those perishable loads, VND bn per day", "value_at_risk_vnd_per_day", scale=1e-9)
    row("Queueing cost, VND bn per day", "queue_cost_vnd_per_day", digits=2, scale=1e-9)
    heading("Peak road queue (trucks / km)")
    for cid, crossing in scenario.crossings.items():
        trucks, km = summary.get(f"road_queue_peak.{cid}"), summary.get(f"road_queue_peak_km.{cid}")
        if trucks is not None and km is not None:
            rows.append((f"  {crossing.name}", f"{_fmt(trucks, 0)} / {_fmt(km, 2)}"))
    peaks = [(k, e) for k, e in summary.items() if k.startswith(("staging_peak.", "unregistered_peak."))]
    if peaks:
        heading("Peak staging area and waiting at the origin for a slot (trucks)")
        for key, _e in peaks:
            row(key, key, digits=0, indent=2)
    heading("Utilisation of open lane-time, %")
    for key in summary:
        if key.startswith("utilisation."):
            row(key.removeprefix("utilisation."), key, scale=100, indent=2)
    label_w = max(len(label) for label, _ in rows) + 2
    value_w = max(len(value) for _, value in rows)
    body = [f"{label:<{label_w}}{value:>{value_w}}" if value else label for label, value in rows]
    warnings = [f"WARNING: {line}" for line in stable.lines(scenario.name)] if stable is not None else []
    return "\n".join([header, *warnings, "", *body])
