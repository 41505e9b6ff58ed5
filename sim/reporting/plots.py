"""Figures of experiments (matplotlib, Agg, no global state): each function returns PNG bytes.

The figures take arrays already read from a results folder (:mod:`sim.report`
does the reading), one *series* per scenario: a single run has one, a
comparison two (A and B), drawn in the same axes.

* :func:`throughput_figure` — daily vehicles cleared by crossing, mean and 95% CI band;
* :func:`backlog_figure` — trucks in the system, on the road and in stage queues over time;
* :func:`wait_ecdf_figure` — empirical distribution of waiting time;
* :func:`utilisation_heatmap` — utilisation of each stage by hour of day;
* :func:`differences_figure` — paired differences of the headline KPIs with their CIs.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure
from scipy import stats

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
        half = stats.t.ppf(0.5 + confidence / 2, n - 1) * sd / math.sqrt(n)
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


def differences_figure(labels: Sequence[str], rows: Sequence[tuple[float, float, bool]], title: str) -> bytes:
    """Forest plot: each KPI's difference with its CI, as % of A's mean; significant ones filled."""
    fig = Figure(figsize=(7, 0.42 * len(labels) + 1.2))
    ax = fig.subplots()
    y = np.arange(len(labels))[::-1]
    for yi, (mean, half, significant) in zip(y, rows, strict=True):
        colour = COLOURS[1] if significant else "0.45"
        if not math.isnan(half):
            ax.plot([mean - half, mean + half], [yi, yi], color=colour, lw=2)
        ax.plot([mean], [yi], "o", color=colour, mfc=colour if significant else "white")
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set_yticks(y, labels=list(labels), fontsize=8)
    ax.set_xlabel("B − A as % of A's mean (paired 95% CI)", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(title, fontsize=10)
    return _png(fig)
