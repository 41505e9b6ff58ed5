"""Figures a planner reads at a glance: names not ids, dates on time axes, legends off the data,
readable tick labels, A and B from zero, and B − A around the difference that matters.

The figure functions return PNG bytes; here the matplotlib figure is caught before it is saved
and its drawn layout (window extents) is checked.
"""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib import dates as mdates
from matplotlib.backends.backend_agg import FigureCanvasAgg

from sim.reporting import plots
from sim.reporting.names import stage_label
from sim.scenario.files import load_scenario

START = plots.as_start("2023-02-13")


@pytest.fixture()
def drawn(monkeypatch):
    """The figures made by the calls in a test, drawn (layout done), instead of their PNG bytes."""
    figures = []

    def keep(fig):
        FigureCanvasAgg(fig).draw()
        figures.append(fig)
        return b""

    monkeypatch.setattr(plots, "_png", keep)
    return figures


def _bands(days: int, level: float) -> list[plots.Band]:
    x = np.arange(days, dtype=float)
    values = np.vstack([level + np.sin(x + k) * level / 10 for k in range(3)])
    return [plots.band(label, x, values * f) for label, f in (("A: baseline", 1.0), ("B: office_hours", 0.6))]


def _overlaps(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def _legends_off_the_data(fig) -> None:
    renderer = fig.canvas.get_renderer()
    legends = list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    assert legends, "a figure with several series has a legend"
    for legend in legends:
        box = legend.get_window_extent(renderer)
        for ax in fig.axes:
            if ax.get_visible():
                assert not _overlaps(box, ax.get_window_extent(renderer)), "a legend covers a panel"


def _labels_apart(ax) -> None:
    renderer = ax.figure.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in ax.get_xticklabels() if t.get_visible() and t.get_text()]
    for a, b in zip(boxes, boxes[1:], strict=False):
        assert a.x1 <= b.x0, f"tick labels overlap: {[t.get_text() for t in ax.get_xticklabels()]}"


def test_throughput_and_backlog_have_dates_and_their_legends_below_the_panels(drawn):
    plots.throughput_figure([("Hữu Nghị", _bands(14, 100.0)), ("Chi Ma", _bands(14, 50.0))], 3.0, START)
    plots.backlog_figure([("trucks in the system", _bands(14 * 24, 500.0))], 72.0, START)
    for fig in drawn:
        _legends_off_the_data(fig)
        for ax in fig.axes:
            assert isinstance(ax.xaxis.get_major_formatter(), mdates.ConciseDateFormatter)
            low, high = ax.get_xlim()
            assert mdates.num2date(low).date().isoformat() == "2023-02-13"
            _labels_apart(ax)
    assert [ax.get_title() for ax in drawn[0].axes[:2]] == ["Hữu Nghị", "Chi Ma"]


def test_capacity_over_time_has_a_panel_per_place_and_legends_beside_them(drawn):
    x = np.linspace(0, 7, 200)
    lines = [(f"export: CN inspection ({k})", x, (x % 1 > 0.3) * (10.0 + k)) for k in range(4)]
    plots.capacity_timeline_figure(
        [("Youyiguan (Hữu Nghị Quan)", lines), ("Pò Chài (Puzhai)", lines)], "t", START
    )
    (fig,) = drawn
    _legends_off_the_data(fig)
    assert [ax.get_title(loc="left") for ax in fig.axes] == ["Youyiguan (Hữu Nghị Quan)", "Pò Chài (Puzhai)"]


def test_a_and_b_start_at_zero_and_b_minus_a_reaches_past_the_difference_that_matters(drawn):
    """A 3-minute difference (0.05 h) of a 4-hour time in system: drawn from zero it looks small,
    and inside the grey band of the 0.5 h that matters, where it belongs."""
    small = plots.KpiPanel("time in system, mean h", (3.84, 0.05), (3.89, 0.05), (0.05, 0.01), False,
                           0.5, "detectable but small", True)  # fmt: skip
    large = plots.KpiPanel("backlog at midnight", (198.0, 15.0), (2464.0, 194.0), (2266.0, 191.0), True,
                           50.0, "a real difference", True)  # fmt: skip
    plots.comparison_panels([small, large], "baseline", "office_hours")
    (fig,) = drawn
    left, right = fig.axes[0], fig.axes[1]
    assert left.get_xlim()[0] == 0
    low, high = right.get_xlim()
    assert low == -high and high >= 1.5 * 0.5
    for ax in fig.axes:
        _labels_apart(ax)
    assert right.get_title(loc="right") == "detectable but small"


def test_stages_are_named_by_place_and_words():
    s = load_scenario("baseline")
    assert (
        stage_label(s, "youyiguan/export/cn_inspection") == "Youyiguan (Hữu Nghị Quan), export: CN inspection"
    )
    assert stage_label(s, "huu_nghi/import/vn_customs") == "Hữu Nghị, import: VN customs"
