"""Plain-text tables of KPIs for the terminal."""

from __future__ import annotations

import math

from sim.experiments.replications import Estimate
from sim.scenario.schema import Scenario


def _fmt(e: Estimate, digits: int = 1) -> str:
    if math.isnan(e.mean):
        return "-"
    text = f"{e.mean:,.{digits}f}"
    if not math.isnan(e.half_width):
        text += f" ± {e.half_width:,.{digits}f}"
    return text


def kpi_table(scenario: Scenario, summary: dict[str, Estimate], header: str) -> str:
    """The headline KPIs of a run (one replication or the mean ± 95% CI of several)."""
    rows: list[tuple[str, str]] = []  # (label, value); a heading has no value

    def heading(label: str) -> None:
        rows.append((label, ""))

    def row(label: str, key: str, digits: int = 1, scale: float = 1.0, indent: int = 0) -> None:
        e = summary.get(key)
        if e is None:
            return
        e = Estimate(e.mean * scale, e.half_width * scale, e.n)
        rows.append((" " * indent + label, _fmt(e, digits)))

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
    heading("Backlog at midnight (trucks in the system)")
    row("mean", "backlog_midnight.mean", indent=2)
    row("max", "backlog_midnight.max", indent=2)
    row("growth per day", "backlog_growth_per_day", indent=2)
    heading("Time in system, hours (cleared trucks)")
    for stat in ("mean", "p50", "p95", "max"):
        row(stat, f"time_in_system_h.{stat}", digits=2, indent=2)
    row("Share cleared the same day, %", "same_day_share", scale=100)
    row(
        f"Perishables over {scenario.reporting.perishable_delay_h:g} h, %",
        "perishable_delayed_share",
        scale=100,
    )
    heading("Peak road queue (trucks / km)")
    for cid, crossing in scenario.crossings.items():
        trucks, km = summary.get(f"road_queue_peak.{cid}"), summary.get(f"road_queue_peak_km.{cid}")
        if trucks is not None and km is not None:
            rows.append((f"  {crossing.name}", f"{_fmt(trucks, 0)} / {_fmt(km, 2)}"))
    heading("Utilisation of open lane-time, %")
    for key in summary:
        if key.startswith("utilisation."):
            row(key.removeprefix("utilisation."), key, scale=100, indent=2)
    label_w = max(len(label) for label, _ in rows) + 2
    value_w = max(len(value) for _, value in rows)
    body = [f"{label:<{label_w}}{value:>{value_w}}" if value else label for label, value in rows]
    return "\n".join([header, "", *body])
