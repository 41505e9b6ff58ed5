"""Figures of experiments (matplotlib, Agg, no global state): each function returns PNG bytes.

The figures take arrays already read from a results folder (:mod:`sim.report`
does the reading), one *series* per scenario: a single run has one, a
comparison two (A and B), drawn in the same axes. Time axes show dates when
given the run's first day; legends sit outside the data.

* :func:`throughput_figure` — daily vehicles cleared by crossing, mean and 95% CI band;
* :func:`backlog_figure` — trucks in the system, on the road and in stage queues over time;
* :func:`wait_ecdf_figure` — empirical distribution of waiting time;
* :func:`utilisation_heatmap` — utilisation of each stage by hour of day;
* :func:`capacity_timeline_figure` — each stage's capacity (trucks/hour) over time, a panel per place;
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
from matplotlib import dates as mdates
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

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


def _when(days: np.ndarray | float, start: np.datetime64 | None):
    """Days from the start of the run as dates (``start``: the first day), or as they are."""
    if start is None:
        return days
    return start + np.round(np.asarray(days, float) * 86400.0).astype("timedelta64[s]")


def as_start(day: object | None) -> np.datetime64 | None:
    """A scenario's ``start_date`` (a date or ISO text) as the origin of a date axis."""
    return None if day is None else np.datetime64(str(day), "s")


def _time_axis(ax, start: np.datetime64 | None, label: bool) -> None:
    """Dates on the x axis (short labels, a few ticks), or "day of the run" without a start."""
    if start is not None:
        locator = mdates.AutoDateLocator(minticks=3, maxticks=6)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=label))
    elif label:
        ax.set_xlabel("day of the run", fontsize=8)


def _warmup(ax, end: float, right: float, start: np.datetime64 | None = None) -> None:
    """Shade the warm-up ``[0, end)`` and show the whole run ``[0, right]`` (days)."""
    if end > 0:
        ax.axvspan(_when(0.0, start), _when(end, start), color="0.85", alpha=0.5, lw=0, label="warm-up")
    ax.set_xlim(_when(0.0, start), _when(right, start))


def _legend_below(fig: Figure, axes) -> None:
    """One legend for the figure, below the panels and off the data."""
    handles, labels = {}, []
    for ax in np.ravel(axes):
        for h, label in zip(*ax.get_legend_handles_labels(), strict=True):
            if label not in handles:
                handles[label] = h
                labels.append(label)
    if labels:
        fig.legend([handles[x] for x in labels], labels, loc="outside lower center", ncol=len(labels),
                   fontsize=8, frameon=False)  # fmt: skip


def throughput_figure(
    panels: Sequence[tuple[str, Sequence[Band]]], warmup_days: float, start: np.datetime64 | None = None
) -> bytes:
    """Small multiples, one per crossing (and all crossings): vehicles cleared per day.

    ``start``: the first day of the run, for dates on the x axis (None: days of the run).
    """
    n = len(panels)
    cols = min(4, n)
    rows = math.ceil(n / cols)
    fig = Figure(figsize=(3.2 * cols, 2.4 * rows + 0.9), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False, sharex=True)
    for i, (title, bands) in enumerate(panels):
        ax = axes.flat[i]
        for j, b in enumerate(bands):
            _draw(ax, Band(b.label, _when(b.x + 0.5, start), b.mean, b.half_width), COLOURS[j % len(COLOURS)])
        _warmup(ax, warmup_days, max(float(b.x.max()) + 1 for b in bands) if bands else 1.0, start)
        ax.set_title(title, fontsize=9)
        ax.set_ylim(bottom=0)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
        _time_axis(ax, start, label=i >= n - cols)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    axes.flat[0].set_ylabel("vehicles cleared / day", fontsize=8)
    fig.suptitle("Daily throughput by crossing (mean and 95% CI over replications)", fontsize=10)
    _legend_below(fig, axes)
    return _png(fig)


def backlog_figure(
    panels: Sequence[tuple[str, Sequence[Band]]], warmup_h: float, start: np.datetime64 | None = None
) -> bytes:
    """Stacked panels over time (band x in hours): backlog, road queue, stage queues."""
    fig = Figure(figsize=(10, 2.3 * len(panels) + 0.8), layout="constrained")
    axes = fig.subplots(len(panels), 1, squeeze=False, sharex=True)[:, 0]
    for i, (ax, (title, bands)) in enumerate(zip(axes, panels, strict=True)):
        for j, b in enumerate(bands):
            x = _when(b.x / 24.0, start)
            _draw(ax, Band(b.label, x, b.mean, b.half_width), COLOURS[j % len(COLOURS)], step=True)
        _warmup(ax, warmup_h / 24.0, max(float(b.x.max()) / 24.0 for b in bands) if bands else 1.0, start)
        ax.set_ylabel(title, fontsize=8)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=7)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        _time_axis(ax, start, label=i == len(panels) - 1)
    fig.suptitle("Backlog and queues over time, all crossings (mean and 95% CI)", fontsize=10)
    _legend_below(fig, axes)
    return _png(fig)


def by_hour_figure(runs: Sequence[tuple[str, np.ndarray, np.ndarray]]) -> bytes:
    """Trucks held by dwells and queueing by hour of day, one pair of curves per run."""
    fig = Figure(figsize=(7, 3.6))
    ax = fig.subplots()
    hours = np.arange(24)
    for j, (label, dwelling, queueing) in enumerate(runs):
        colour = COLOURS[j % len(COLOURS)]
        ax.plot(hours, dwelling, color=colour, lw=1.6, label=f"{label}: held by dwells")
        ax.plot(hours, queueing, color=colour, lw=1.2, ls="--", label=f"{label}: queueing")
    ax.set_xlabel("hour of day (model time zone)", fontsize=8)
    ax.set_ylabel("trucks", fontsize=8)
    ax.set_xticks(range(0, 24, 3))
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=7)
    fig.suptitle("Trucks dwelling and queueing by hour of day (mean)", fontsize=10)
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
    """Stages (rows, by their display names) by hour of day (columns); closed hours blank."""
    u = np.asarray(utilisation, float)
    fig = Figure(figsize=(9, 0.22 * len(stages) + 1.4))
    ax = fig.subplots()
    image = ax.imshow(np.ma.masked_invalid(u * 100), aspect="auto", cmap="viridis", vmin=0, vmax=100)
    ax.set_yticks(range(len(stages)), labels=list(stages), fontsize=6)
    ax.set_xticks(range(0, 24, 2), labels=[f"{h:02d}" for h in range(0, 24, 2)], fontsize=7)
    ax.set_xlabel("hour of day (the scenario's time zone); blank: closed", fontsize=8)
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


def sensitivity_figure(panels: Sequence[tuple[str, Sequence[tuple[str, float, float, float]]]]) -> bytes:
    """Morris screening: per KPI, each factor's μ* with its 95% bootstrap interval ``(label, mu_star,
    low, high)``, largest on top; the interval is cut at zero (μ* cannot be negative)."""
    n = max(len(panels), 1)
    rows = max((len(p[1]) for p in panels), default=1)
    fig = Figure(figsize=(7, (0.3 * rows + 0.9) * n))
    axes = np.atleast_1d(fig.subplots(n, 1))
    for ax, (kpi, bars) in zip(axes, panels, strict=False):
        ordered = sorted(bars, key=lambda b: b[1])
        y = np.arange(len(ordered))
        mu = np.array([b[1] for b in ordered])
        err = np.array([[m - b[2] for m, b in zip(mu, ordered, strict=True)],
                        [b[3] - m for m, b in zip(mu, ordered, strict=True)]])  # fmt: skip
        ax.barh(y, mu, xerr=err, color=COLOURS[0], alpha=0.8, capsize=3)
        ax.set_yticks(y, labels=[b[0] for b in ordered], fontsize=7)
        ax.set_xlim(left=0)
        ax.set_title(f"{kpi}: μ* per whole range (KPI units), 95% CI cut at zero", fontsize=8)
        ax.grid(axis="x", alpha=0.3)
        ax.tick_params(axis="x", labelsize=7)
    fig.tight_layout()
    return _png(fig)


@dataclass(frozen=True)
class KpiPanel:
    """One KPI of a comparison in its own unit: A, B (mean, CI half-width), B − A (paired), the
    smallest difference that matters (NaN: none set) and the verdict's words."""

    label: str
    a: tuple[float, float]
    b: tuple[float, float]
    difference: tuple[float, float]
    real: bool
    smallest: float = math.nan
    verdict: str = ""
    detectable: bool = False


def _ticks(ax) -> None:
    """Few, readable ticks with thousands separators (no overlapping labels)."""
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.10g}" if abs(v) < 1000 else f"{v:,.0f}"))
    ax.tick_params(axis="x", labelsize=7)


def comparison_panels(panels: Sequence[KpiPanel], name_a: str, name_b: str) -> bytes:
    """One small row per KPI: left, A and B with their 95% CIs; right, B − A with its paired 95% CI.

    Everything in the KPI's unit, so a large relative change of a small quantity does not
    flatten the others, and a KPI whose A value is 0 is shown like any other. The left axis
    starts at zero for quantities that cannot be negative, so a small gap between A and B looks
    small; the right axis is centred on zero and reaches at least 1.5 times the smallest
    difference that matters, shaded: a difference inside the band does not matter.
    """
    n = max(len(panels), 1)
    fig = Figure(figsize=(8, 1.05 * n + 0.8), layout="constrained")
    axes = np.asarray(fig.subplots(n, 2, squeeze=False, gridspec_kw={"width_ratios": [1.3, 1]}))
    for (left, right), p in zip(axes, panels, strict=False):
        for y, (mean, half), colour in ((1, p.a, COLOURS[0]), (0, p.b, COLOURS[1])):
            err = None if math.isnan(half) else [[half], [half]]
            left.errorbar([mean], [y], xerr=err, fmt="o", color=colour, capsize=3, ms=4)
        left.set_yticks([1, 0], labels=[f"A: {name_a}", f"B: {name_b}"], fontsize=7)
        left.set_ylim(-0.6, 1.6)
        left.set_title(p.label, fontsize=8, loc="left")
        lows = [m - (0 if math.isnan(h) else h) for m, h in (p.a, p.b)]
        highs = [m + (0 if math.isnan(h) else h) for m, h in (p.a, p.b)]
        if min(lows) >= 0:  # a count, a share, a time: from zero, so gaps keep their proportion
            left.set_xlim(0, max(max(highs) * 1.08, 1e-9) if max(highs) > 0 else 1.0)
        mean, half = p.difference
        colour = COLOURS[1] if p.detectable else "0.45"
        err = None if math.isnan(half) else [[half], [half]]
        right.errorbar([mean], [0], xerr=err, fmt="o", color=colour, capsize=3, ms=5,
                       mfc=colour if p.real else "white")  # fmt: skip
        right.axvline(0, color="0.3", lw=0.8)
        right.set_yticks([0], labels=["B − A"], fontsize=7)
        right.set_ylim(-0.6, 0.6)
        span = abs(mean) + (0 if math.isnan(half) else half)
        if not math.isnan(p.smallest) and p.smallest > 0:
            right.axvspan(-p.smallest, p.smallest, color="0.88", lw=0, zorder=0)
            span = max(span, 1.5 * p.smallest)
        span = span if span > 0 else 1.0  # identical in both: a unit-wide axis around zero
        right.set_xlim(-1.15 * span, 1.15 * span)
        right.set_title(p.verdict, fontsize=7, loc="right", color=COLOURS[1] if p.real else "0.35")
        for ax in (left, right):
            _ticks(ax)
            ax.grid(axis="x", alpha=0.3)
    fig.suptitle(
        "A, B and the paired difference B − A, each KPI in its own unit (95% CIs); grey band: smaller "
        "than the difference that matters",
        fontsize=9,
    )
    return _png(fig)


def capacity_timeline_figure(
    groups: Sequence[tuple[str, Sequence[tuple[str, np.ndarray, np.ndarray]]]],
    title: str,
    start: np.datetime64 | None = None,
) -> bytes:
    """Step lines of capacity over time, one small panel per place (a Chinese port...):
    ``(place, [(label, days, trucks per hour), ...])``; each panel's legend beside it, off the data."""
    n = max(len(groups), 1)
    fig = Figure(figsize=(10, 1.7 * n + 0.7), layout="constrained")
    axes = fig.subplots(n, 1, squeeze=False, sharex=True)[:, 0]
    for i, (ax, (place, lines)) in enumerate(zip(axes, groups, strict=False)):
        for j, (label, x, y) in enumerate(lines):
            ax.plot(_when(x, start), y, drawstyle="steps-post", lw=1.1, label=label,
                    color=COLOURS[j % len(COLOURS)], alpha=0.9)  # fmt: skip
        ax.set_title(place, fontsize=8, loc="left")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=7)
        ax.legend(fontsize=6.5, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
        _time_axis(ax, start, label=i == n - 1)
    axes[n // 2].set_ylabel("capacity, trucks/hour", fontsize=8)
    fig.suptitle(title, fontsize=10)
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
