"""Figures of experiments (matplotlib, Agg, no global state): each function returns PNG bytes.

The figures take arrays already read from a results folder (:mod:`sim.report`
does the reading), one *series* per scenario: a single run has one, a
comparison two (A and B), drawn in the same axes.

* :func:`throughput_figure` — daily vehicles cleared by crossing, mean and 95% CI band;
* :func:`backlog_figure` — trucks in the system, on the road and in stage queues over time;
* :func:`wait_ecdf_figure` — empirical distribution of waiting time;
* :func:`utilisation_heatmap` — utilisation of each stage by hour of day;
* :func:`differences_figure` — paired differences of the headline KPIs with their CIs;
* :func:`capacity_timeline_figure` — each stage's capacity (trucks/hour) over time;
* :func:`capacity_figure` — ``bordersim capacity``: trucks/day per crossing and direction
  with their CIs and binding stages.
* :func:`comparison_panels` — per KPI, in its own unit: A and B with their CIs, and B − A with its
  paired CI (KPIs where A is 0 included);
* :func:`sweep_figure`, :func:`scatter_figure`, :func:`sensitivity_figure` — sweeps and Morris screening.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

# Student's t quantile from scipy.special (stdtrit, the same bits as scipy.stats.t.ppf): importing
# scipy.stats took ~1 s of every sweep, report and capacity figure (issue 23).
from sim.experiments.replications import _t_quantile

COLOURS = ("#1f5fa8", "#d0582a", "#2b8a3e", "#7b3fa0")
DPI = 110


@dataclass(frozen=True)
class Band:
    """A quantity over time for one scenario: mean and 95% CI half-width over replications."""

    label: str
    x: np.ndarray
    mean: np.ndarray
    half_width: np.ndarray


def band(label: str, x: np.ndarray, values: np.ndarray, confidence: float = 0.95) -> Band:
    """Mean and Student-t half-width at each x of ``values`` shaped ``(replications, len(x))``."""
    v = np.asarray(values, float)
    n = v.shape[0]
    mean = np.nanmean(v, axis=0) if n else np.full(len(x), np.nan)
    if n > 1:
        with np.errstate(invalid="ignore"):
            sd = np.nanstd(v, axis=0, ddof=1)
        half = _t_quantile(0.5 + confidence / 2, n - 1) * sd / math.sqrt(n)
    else:
        half = np.zeros(len(x))
    return Band(label, np.asarray(x, float), mean, np.nan_to_num(half))


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    return buf.getvalue()


def _draw(ax, b: Band, colour: str, step: bool = False) -> None:
    ax.plot(b.x, b.mean, color=colour, lw=1.4, label=b.label, drawstyle="steps-post" if step else "default")
    ax.fill_between(
        b.x, b.mean - b.half_width, b.mean + b.half_width, color=colour, alpha=0.22, lw=0,
        step="post" if step else None,
    )  # fmt: skip


def _warmup(ax, end: float, right: float) -> None:
    """Shade the warm-up ``[0, end)`` and show the whole run ``[0, right]``."""
    if end > 0:
        ax.axvspan(0, end, color="0.85", alpha=0.5, lw=0, label="warm-up")
    ax.set_xlim(0, right)


def throughput_figure(panels: Sequence[tuple[str, Sequence[Band]]], warmup_days: float) -> bytes:
    """Small multiples, one per crossing (and all crossings): vehicles cleared per day."""
    n = len(panels)
    cols = min(4, n)
    rows = math.ceil(n / cols)
    fig = Figure(figsize=(3.2 * cols, 2.4 * rows + 0.4))
    axes = fig.subplots(rows, cols, squeeze=False, sharex=True)
    for i, (title, bands) in enumerate(panels):
        ax = axes.flat[i]
        for j, b in enumerate(bands):
            _draw(ax, Band(b.label, b.x + 0.5, b.mean, b.half_width), COLOURS[j % len(COLOURS)])
        _warmup(ax, warmup_days, max(float(b.x.max()) + 1 for b in bands) if bands else 1.0)
        ax.set_title(title, fontsize=9)
        ax.set_ylim(bottom=0)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("day", fontsize=8)
    axes.flat[0].set_ylabel("vehicles cleared / day", fontsize=8)
    axes.flat[0].legend(fontsize=7, loc="lower right")
    fig.suptitle("Daily throughput by crossing (mean and 95% CI over replications)", fontsize=10)
    return _png(fig)


def backlog_figure(panels: Sequence[tuple[str, Sequence[Band]]], warmup_h: float) -> bytes:
    """Stacked panels over time (hours): backlog, road queue, stage queues."""
    fig = Figure(figsize=(10, 2.3 * len(panels) + 0.4))
    axes = fig.subplots(len(panels), 1, squeeze=False, sharex=True)[:, 0]
    for ax, (title, bands) in zip(axes, panels, strict=True):
        for j, b in enumerate(bands):
            _draw(ax, Band(b.label, b.x / 24.0, b.mean, b.half_width), COLOURS[j % len(COLOURS)], step=True)
        _warmup(ax, warmup_h / 24.0, max(float(b.x.max()) / 24.0 for b in bands) if bands else 1.0)
        ax.set_ylabel(title, fontsize=8)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=7)
    axes[0].legend(fontsize=7, loc="upper right")
    axes[-1].set_xlabel("day", fontsize=8)
    fig.suptitle("Backlog and queues over time, all crossings (mean and 95% CI)", fontsize=10)
    return _png(fig)


def wait_ecdf_figure(curves: Sequence[tuple[str, np.ndarray]]) -> bytes:
    """Empirical CDF of waiting times in hours, one curve per label."""
    fig = Figure(figsize=(7, 3.6))
    ax = fig.subplots()
    upper = 0.0
    for j, (label, hours) in enumerate(curves):
        x = np.sort(np.asarray(hours, float))
        if x.size == 0:
            continue
        y = np.arange(1, x.size + 1) / x.size
        ax.step(
            x, y, where="post", color=COLOURS[j % len(COLOURS)], lw=1.4, label=f"{label} (n = {x.size:,})"
        )
        upper = max(upper, float(np.quantile(x, 0.995)))
    ax.set_xlim(0, upper if upper > 0 else 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("waiting time, hours (road, yard and stage queues)", fontsize=8)
    ax.set_ylabel("share of cleared trucks", fontsize=8)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")
    ax.set_title("Waiting time distribution (ECDF), cleared trucks arrived after the warm-up", fontsize=10)
    return _png(fig)


def utilisation_heatmap(stages: Sequence[str], utilisation: np.ndarray, title: str) -> bytes:
    """Stages (rows) by hour of day (columns); closed hours blank."""
    u = np.asarray(utilisation, float)
    fig = Figure(figsize=(9, 0.22 * len(stages) + 1.4))
    ax = fig.subplots()
    image = ax.imshow(np.ma.masked_invalid(u * 100), aspect="auto", cmap="viridis", vmin=0, vmax=100)
    ax.set_yticks(range(len(stages)), labels=list(stages), fontsize=6)
    ax.set_xticks(range(0, 24, 2), labels=[f"{h:02d}" for h in range(0, 24, 2)], fontsize=7)
    ax.set_xlabel("hour of day (model time zone); blank: closed", fontsize=8)
    fig.colorbar(image, ax=ax, label="utilisation of open lane-time, %", shrink=0.8)
    ax.set_title(title, fontsize=10)
    return _png(fig)


def sweep_figure(
    x_label: str, series: Sequence[tuple[str, Sequence[float], Sequence[float], Sequence[float]]], kpi: str
) -> bytes:
    """A KPI over a grid: one line per value of the second dimension, mean with its 95% CI as bars."""
    fig = Figure(figsize=(6.5, 4))
    ax = fig.subplots()
    for j, (label, x, mean, half) in enumerate(series):
        err = np.nan_to_num(np.asarray(half, float))
        ax.errorbar(x, mean, yerr=err, marker="o", capsize=3, color=COLOURS[j % len(COLOURS)], label=label)
    if any(label for label, *_ in series):
        ax.legend(fontsize=8)
    ax.set_xlabel(x_label, fontsize=8)
    ax.set_ylabel(kpi, fontsize=8)
    ax.grid(alpha=0.3)
    ax.set_title(f"{kpi} over the sweep (mean and 95% CI, common random numbers)", fontsize=9)
    return _png(fig)


def scatter_figure(
    panels: Sequence[tuple[str, Sequence[float], Sequence[float], Sequence[float]]], kpi: str
) -> bytes:
    """A KPI against each sampled dimension of a Latin hypercube (one panel each), with 95% CIs."""
    fig = Figure(figsize=(3.2 * max(len(panels), 1), 3.4))
    axes = np.atleast_1d(fig.subplots(1, max(len(panels), 1), sharey=True))
    for ax, (name, x, mean, half) in zip(axes, panels, strict=False):
        ax.errorbar(x, mean, yerr=np.nan_to_num(np.asarray(half, float)), fmt="o", ms=4, capsize=2,
                    color=COLOURS[0])  # fmt: skip
        ax.set_xlabel(name, fontsize=7)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(kpi, fontsize=8)
    fig.suptitle(f"{kpi} at the sampled points (mean and 95% CI)", fontsize=9)
    return _png(fig)


def sensitivity_figure(panels: Sequence[tuple[str, Sequence[tuple[str, float, float]]]]) -> bytes:
    """Morris screening: per KPI, each factor's mu* with its 95% bootstrap CI, largest on top."""
    n = max(len(panels), 1)
    rows = max((len(p[1]) for p in panels), default=1)
    fig = Figure(figsize=(7, (0.3 * rows + 0.9) * n))
    axes = np.atleast_1d(fig.subplots(n, 1))
    for ax, (kpi, bars) in zip(axes, panels, strict=False):
        ordered = sorted(bars, key=lambda b: b[1])
        y = np.arange(len(ordered))
        ax.barh(y, [b[1] for b in ordered], xerr=[b[2] for b in ordered], color=COLOURS[0], alpha=0.8,
                capsize=3)  # fmt: skip
        ax.set_yticks(y, labels=[b[0] for b in ordered], fontsize=7)
        ax.set_title(f"{kpi}: μ* (mean |elementary effect|, KPI units) ± 95% CI", fontsize=8)
        ax.grid(axis="x", alpha=0.3)
        ax.tick_params(axis="x", labelsize=7)
    fig.tight_layout()
    return _png(fig)


@dataclass(frozen=True)
class KpiPanel:
    """One KPI of a comparison in its own unit: A, B (mean, CI half-width) and B − A (paired)."""

    label: str
    a: tuple[float, float]
    b: tuple[float, float]
    difference: tuple[float, float]
    significant: bool


def comparison_panels(panels: Sequence[KpiPanel], name_a: str, name_b: str) -> bytes:
    """One small row per KPI: left, A and B with their 95% CIs; right, B − A with its paired 95% CI.

    Everything in the KPI's unit, so a large relative change of a small quantity does not
    flatten the others, and a KPI whose A value is 0 is shown like any other.
    """
    n = max(len(panels), 1)
    fig = Figure(figsize=(7.5, 0.95 * n + 0.6))
    axes = np.asarray(fig.subplots(n, 2, squeeze=False, gridspec_kw={"width_ratios": [1.3, 1]}))
    for (left, right), p in zip(axes, panels, strict=False):
        for y, (mean, half), colour in ((1, p.a, COLOURS[0]), (0, p.b, COLOURS[1])):
            err = None if math.isnan(half) else [[half], [half]]
            left.errorbar([mean], [y], xerr=err, fmt="o", color=colour, capsize=3, ms=4)
        left.set_yticks([1, 0], labels=[f"A: {name_a}", f"B: {name_b}"], fontsize=7)
        left.set_ylim(-0.6, 1.6)
        left.set_title(p.label, fontsize=8, loc="left")
        mean, half = p.difference
        colour = COLOURS[1] if p.significant else "0.45"
        err = None if math.isnan(half) else [[half], [half]]
        right.errorbar([mean], [0], xerr=err, fmt="o", color=colour, capsize=3, ms=4,
                       mfc=colour if p.significant else "white")  # fmt: skip
        right.axvline(0, color="0.3", lw=0.8)
        right.set_yticks([0], labels=["B − A"], fontsize=7)
        right.set_ylim(-0.6, 0.6)
        span = abs(mean) + (0 if math.isnan(half) else half)
        span = span if span > 0 else 1.0  # identical in both: a unit-wide axis around zero
        right.set_xlim(-1.15 * span, 1.15 * span)
        for ax in (left, right):
            ax.tick_params(axis="x", labelsize=7)
            ax.grid(axis="x", alpha=0.3)
    fig.suptitle("A, B and the paired difference B − A, each KPI in its own unit (95% CIs)", fontsize=9)
    fig.tight_layout()
    return _png(fig)


def capacity_timeline_figure(lines: Sequence[tuple[str, np.ndarray, np.ndarray]], title: str) -> bytes:
    """Step lines of capacity over time: ``(label, days, trucks per hour)`` per stage."""
    fig = Figure(figsize=(9, 3.6))
    ax = fig.subplots()
    for i, (label, x, y) in enumerate(lines):
        colour = COLOURS[i] if i < len(COLOURS) else None
        ax.plot(x, y, drawstyle="steps-post", lw=1.1, label=label, color=colour)
    ax.set_xlabel("day of the run (model time zone)", fontsize=8)
    ax.set_ylabel("capacity, trucks/hour", fontsize=8)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=6, ncol=2, loc="upper right")
    ax.set_title(title, fontsize=10)
    return _png(fig)


def capacity_figure(rows: Sequence[tuple[str, float, float, str]], title: str) -> bytes:
    """Horizontal bars: ``(label, trucks/day, 95% half-width, binding stage)`` per route."""
    fig = Figure(figsize=(8, 0.36 * len(rows) + 1.3))
    ax = fig.subplots()
    y = np.arange(len(rows))[::-1]
    means = [r[1] for r in rows]
    halves = [0.0 if math.isnan(r[2]) else r[2] for r in rows]
    ax.barh(y, means, xerr=halves, color=COLOURS[0], alpha=0.8, ecolor="0.2", capsize=2)
    for yi, (_, mean, _, binding) in zip(y, rows, strict=True):
        ax.text(mean, yi, f"  {binding}", va="center", fontsize=6)
    ax.set_yticks(y, labels=[r[0] for r in rows], fontsize=7)
    ax.set_xlabel("sustainable throughput, trucks/day (95% CI); label: binding stage", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(title, fontsize=10)
    return _png(fig)
