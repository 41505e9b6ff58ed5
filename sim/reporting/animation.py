"""An animation of one crossing: trucks on the road, in the yard and in each stage's lanes.

:func:`animation_html` draws, from a replication's records turned into an event log
(:mod:`sim.readouts.event_log`), a self-contained HTML page (plotly, its JavaScript
embedded: it opens offline) with one frame every few minutes of a window: for each
direction of the crossing, the road queue (the yard is full), the queue at each stage
(in the yard) and the stage's lanes, each truck coloured by cargo class; the clock in
local time on both sides (Hanoi, Beijing) and whether each side's stages are open.

Made with plotly directly rather than vidigi: vidigi draws trucks as emoji (blank boxes
where no colour-emoji font is installed, as on CI's headless Chromium), has no place for
the sides' opening hours, and brings pandas; its event-log format is kept
(``bordersim run --event-log``), so vidigi can animate the same runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from sim.engine.calendar import MINUTES_PER_DAY, closed_intervals, model_epoch, open_intervals
from sim.engine.run import RunResult
from sim.experiments.atomic import write_atomic
from sim.readouts.event_log import event_log, local_datetime
from sim.readouts.replication import stage_table, truck_table
from sim.scenario.schema import DIRECTIONS, Scenario

Table = dict[str, np.ndarray]

INSTALL_HINT = "bordersim animate needs plotly: pip install 'bordersim[animation]'"
SHOWN_PER_QUEUE = 40  # trucks drawn in a queue; the rest are counted
QUEUE_COLUMNS = 5
PALETTE = ("#2ca02c", "#1f77b4", "#ff7f0e", "#9467bd", "#7f7f7f", "#8c564b", "#e377c2", "#17becf")
OPEN_COLOUR, CLOSED_COLOUR = "#c7e9c0", "#fcbba1"
SIDE_NAMES = {"VN": "Việt Nam", "CN": "China"}
SIDE_ZONES = {"VN": "Asia/Ho_Chi_Minh", "CN": "Asia/Shanghai"}


@dataclass(frozen=True)
class _Stage:
    full: str  # crossing/direction/name
    name: str
    side: str
    lanes: int
    intervals: list[tuple[float, float]]
    x_queue: float
    x_lanes: float


@dataclass(frozen=True)
class _Route:
    direction: str
    y: float  # top of the band
    x_road: float
    stages: list[_Stage]
    yard_capacity: float | None


def animate(
    result: RunResult,
    crossing: str,
    start: datetime | str,
    hours: float = 12,
    out: str | Path | None = None,
    step_min: int | None = None,
) -> Path | str:
    """The animated page of ``crossing`` in a run, from ``start`` (local date-time) for ``hours``.

    Writes it to ``out`` (atomically) and returns that path, or returns the HTML without ``out``.
    ``bordersim animate`` does the same from a results folder or a scenario. Needs plotly.
    """
    scenario = result.scenario
    if crossing not in result.crossings:
        raise ValueError(f"crossing {crossing!r}: expected one of {', '.join(result.crossings)}")
    when = datetime.fromisoformat(start) if isinstance(start, str) else start
    t0, _ = window_bounds(scenario, when, hours)
    page = animation_html(scenario, truck_table(result), stage_table(result), crossing, t0, hours, step_min)
    if out is None:
        return page
    write_atomic(out, page)
    return Path(out)


def default_step(hours: float) -> int:
    """Minutes between frames: 5, or more for long windows (at most about 300 frames)."""
    return max(5, math.ceil(hours * 60 / 300))


def animation_html(
    scenario: Scenario,
    trucks: Table,
    stages: Table,
    crossing: str,
    start_min: float,
    hours: float,
    step_min: int | None = None,
) -> str:
    """The animated HTML page of ``crossing`` from ``start_min`` (model minutes) for ``hours``."""
    import plotly.graph_objects as go

    step = step_min or default_step(hours)
    end_min = start_min + hours * 60
    routes = _layout(scenario, crossing)
    log = _window_log(scenario, trucks, stages, crossing, start_min, end_min)
    classes = list(scenario.cargo)
    colour = {c: PALETTE[i % len(PALETTE)] for i, c in enumerate(classes)}
    times = np.arange(start_min, end_min + step / 2, step)

    frames = [_frame(scenario, crossing, routes, log, classes, t) for t in times]
    x_max = max(s.x_lanes for r in routes for s in r.stages) + 1.0

    def traces(f):
        out = [
            go.Scatter(
                x=f["slot_x"], y=f["slot_y"], mode="markers", hoverinfo="text", hovertext=f["slot_text"],
                marker={"symbol": "square", "size": 22, "color": f["slot_colour"],
                        "line": {"color": "#555", "width": 1}},
                showlegend=False, name="lanes",
            )
        ]  # fmt: skip
        for c in classes:
            x, y, text = f["trucks"][c]
            out.append(
                go.Scatter(
                    x=x, y=y, mode="markers", name=c, hoverinfo="text", hovertext=text,
                    marker={"size": 11, "color": colour[c], "line": {"color": "white", "width": 1}},
                )
            )  # fmt: skip
        out.append(
            go.Scatter(
                x=f["label_x"], y=f["label_y"], mode="text", text=f["label_text"],
                textposition="middle center", hoverinfo="skip", showlegend=False,
                textfont={"size": 12, "color": "#333"},
            )
        )  # fmt: skip
        return out

    fig = go.Figure(
        data=traces(frames[0]),
        frames=[
            go.Frame(data=traces(f), name=str(i), layout={"title": {"text": f["title"]}})
            for i, f in enumerate(frames)
        ],
    )
    shapes, annotations = _static(routes, scenario)
    slider_steps = [
        {
            "method": "animate",
            "label": f["clock"],
            "args": [[str(i)], {"mode": "immediate", "frame": {"duration": 0, "redraw": True},
                                "transition": {"duration": 0}}],
        }
        for i, f in enumerate(frames)
    ]  # fmt: skip
    fig.update_layout(
        title={"text": frames[0]["title"], "x": 0.01, "font": {"size": 15}},
        width=1300,
        height=760,
        margin={"l": 20, "r": 20, "t": 90, "b": 20},
        plot_bgcolor="white",
        xaxis={"range": [-0.6, x_max], "visible": False, "fixedrange": True},
        yaxis={"range": [-0.1, 2.45], "visible": False, "fixedrange": True},
        shapes=shapes,
        annotations=annotations,
        legend={"orientation": "h", "x": 0.6, "y": 1.08, "title": {"text": "cargo "}},
        updatemenus=[
            {
                "type": "buttons", "direction": "left", "x": 0.0, "y": -0.02,
                "xanchor": "left", "yanchor": "top",
                "buttons": [
                    {"label": "▶ play", "method": "animate",
                     "args": [None, {"frame": {"duration": 350, "redraw": True}, "fromcurrent": True,
                                     "transition": {"duration": 0}}]},
                    {"label": "❚❚ pause", "method": "animate",
                     "args": [[None], {"mode": "immediate", "frame": {"duration": 0, "redraw": False}}]},
                ],
            }
        ],
        sliders=[{"active": 0, "x": 0.12, "len": 0.88, "y": -0.02, "yanchor": "top",
                  "currentvalue": {"prefix": "local time (Hanoi) "}, "steps": slider_steps}],
    )  # fmt: skip
    return fig.to_html(
        include_plotlyjs=True,
        full_html=True,
        auto_play=False,
        div_id="bordersim-animation",
        config={"displaylogo": False, "responsive": False},
    )


# -- the picture -------------------------------------------------------------------------------------
def _layout(scenario: Scenario, crossing: str) -> list[_Route]:
    """Where each route's road, queues and lanes are drawn (x in columns, a band per direction)."""
    epoch = model_epoch(scenario.start_date, scenario.timezone)
    horizon = scenario.horizon_days * MINUTES_PER_DAY
    spec = scenario.crossings[crossing]
    closed = closed_intervals(spec.closures, scenario.timezone, epoch)
    routes = []
    bands = {"export": 1.25, "import": 0.0}
    for direction in DIRECTIONS:
        route = spec.routes.get(direction)
        if route is None:
            continue
        x = 1.2
        stages = []
        own = [(f"{crossing}/{direction}/{st.name}", st, closed) for st in route.stages]
        shared = []
        if route.facility is not None:  # the shared Chinese facility: after exports' stages, before imports'
            facility = scenario.facilities[route.facility]
            for st in facility.routes[direction].stages:
                shut = closed_intervals(facility.closures, scenario.hours[st.hours].timezone, epoch)
                shared.append((f"{route.facility}/{direction}/{st.name}", st, shut))
        for name, st, shut in own + shared if direction == "export" else shared + own:
            lanes = st.wagons_per_train or max([st.lanes, *(w.lanes for w in st.staffing)])
            intervals = open_intervals(scenario.hours[st.hours], epoch, horizon, shut)
            stages.append(_Stage(name, st.name, st.side, lanes, intervals, x, x + 1.15))
            x += 2.3
        routes.append(_Route(direction, bands[direction] + 0.9, 0.0, stages, route.yard_capacity))
    return routes


def _static(routes: list[_Route], scenario: Scenario) -> tuple[list[dict], list[dict]]:
    shapes, notes = [], []
    for r in routes:
        top = r.y
        arrow = "Việt Nam → China" if r.direction == "export" else "China → Việt Nam"
        notes.append(
            {"x": -0.55, "y": top + 0.2, "xanchor": "left", "showarrow": False,
             "text": f"<b>{r.direction}</b> ({arrow})", "font": {"size": 14}}
        )  # fmt: skip
        notes.append(
            {"x": r.x_road, "y": top + 0.08, "showarrow": False, "text": "road", "font": {"size": 12}}
        )
        if r.stages:
            left, right = r.stages[0].x_queue - 0.55, r.stages[-1].x_lanes + 0.55
            shapes.append(
                {"type": "rect", "x0": left, "x1": right, "y0": top - 0.86, "y1": top + 0.14,
                 "line": {"color": "#999", "dash": "dot"}, "fillcolor": "rgba(0,0,0,0)", "layer": "below"}
            )  # fmt: skip
        for s in r.stages:
            notes.append(
                {"x": (s.x_queue + s.x_lanes) / 2, "y": top + 0.08, "showarrow": False,
                 "text": f"<b>{s.name}</b> ({SIDE_NAMES[s.side]}, {s.lanes} lane{'s' * (s.lanes > 1)})",
                 "font": {"size": 11}}
            )  # fmt: skip
            notes.append(
                {"x": s.x_queue, "y": top - 0.8, "showarrow": False, "text": "queue", "font": {"size": 10,
                 "color": "#666"}}
            )  # fmt: skip
            notes.append(
                {"x": s.x_lanes, "y": top - 0.8, "showarrow": False, "text": "lanes", "font": {"size": 10,
                 "color": "#666"}}
            )  # fmt: skip
    notes.append(
        {"x": 1.0, "y": 1.12, "xref": "paper", "yref": "paper", "xanchor": "right", "showarrow": False,
         "text": f"scenario {scenario.name}", "font": {"size": 12, "color": "#666"}}
    )  # fmt: skip
    return shapes, notes


def _is_open(intervals: list[tuple[float, float]], t: float) -> bool:
    return any(a <= t < b for a, b in intervals)


def _frame(scenario, crossing, routes, log, classes, t) -> dict:
    """Where every truck is at minute ``t``, the lanes' state and the labels."""
    f: dict = {"trucks": {c: ([], [], []) for c in classes}}
    slot_x, slot_y, slot_c, slot_t = [], [], [], []
    lx, ly, lt = [], [], []
    # each truck's latest event at or before t
    upto = np.flatnonzero(log["time"] <= t)
    ent = log["entity_id"][upto]
    _, last_rev = np.unique(ent[::-1], return_index=True)
    latest = upto[::-1][last_rev]
    where: dict[str, list[int]] = {}
    for i in latest.tolist():
        where.setdefault(log["event"][i], []).append(i)

    def place(c, x, y, text):
        xs, ys, ts = f["trucks"][c]
        xs.append(round(x, 3))
        ys.append(round(y, 3))
        ts.append(text)

    def since(i):
        return local_datetime(log["time"][i], scenario).strftime("%H:%M")

    def queue(rows, x_centre, top, what):
        rows = sorted(rows, key=lambda i: (log["time"][i], log["entity_id"][i]))
        for k, i in enumerate(rows[:SHOWN_PER_QUEUE]):
            col, row = k % QUEUE_COLUMNS, k // QUEUE_COLUMNS
            x = x_centre + 0.36 - col * 0.18  # the head of the queue nearest the lanes
            place(log["cargo"][i], x, top - 0.2 - row * 0.075,
                  f"truck {log['entity_id'][i]} ({log['cargo'][i]}): {what} since {since(i)}")  # fmt: skip
        lx.append(x_centre)
        ly.append(top - 0.1)
        extra = f" (+{len(rows) - SHOWN_PER_QUEUE} not drawn)" if len(rows) > SHOWN_PER_QUEUE else ""
        lt.append(f"{len(rows)} waiting{extra}")

    sides_open: dict[str, bool] = {}
    for r in routes:
        queue(where.get(f"{crossing}/{r.direction}/road_wait_begins", []), r.x_road, r.y, "on the road")
        in_yard = 0
        for s in r.stages:
            is_open = _is_open(s.intervals, t)
            sides_open[s.side] = sides_open.get(s.side, False) or is_open
            queue(where.get(f"{s.full}_wait_begins", []), s.x_queue, r.y, f"waiting for {s.name}")
            per_col = 8
            for lane in range(1, s.lanes + 1):
                col, row = (lane - 1) // per_col, (lane - 1) % per_col
                slot_x.append(s.x_lanes + 0.3 * col - 0.15 * ((s.lanes - 1) // per_col))
                slot_y.append(r.y - 0.2 - row * 0.075)
                slot_c.append(OPEN_COLOUR if is_open else CLOSED_COLOUR)
                slot_t.append(f"{s.name} lane {lane}: {'open' if is_open else 'closed'}")
            for i in where.get(f"{s.full}_begins", []):
                lane = int(log["resource_id"][i])
                if lane > s.lanes:  # a train's loads beyond its wagons (not expected): stack on the last
                    lane = s.lanes
                col, row = (lane - 1) // per_col, (lane - 1) % per_col
                text = f"truck {log['entity_id'][i]} ({log['cargo'][i]}): at {s.name}, lane {lane}"
                x = s.x_lanes + 0.3 * col - 0.15 * ((s.lanes - 1) // per_col)
                place(log["cargo"][i], x, r.y - 0.2 - row * 0.075, f"{text}, since {since(i)}")
            busy = len(where.get(f"{s.full}_begins", []))
            in_yard += busy + len(where.get(f"{s.full}_wait_begins", []))
            lx.append(s.x_lanes)
            ly.append(r.y - 0.1)
            lt.append(f"open, {busy} busy" if is_open else f"<b>closed</b>{f', {busy} busy' if busy else ''}")
        if r.stages:
            cap = "unlimited" if r.yard_capacity is None else f"{r.yard_capacity:g}"
            lx.append((r.stages[0].x_queue + r.stages[-1].x_lanes) / 2)
            ly.append(r.y + 0.22)
            lt.append(f"yard: {in_yard} trucks (capacity {cap})")
    crossed = int(
        ((log["event"] == "depart") & (log["time"] <= t) & (log["time"] > log["window_start"])).sum()
    )
    gave_up = int(
        ((log["event"] == "gave_up") & (log["time"] <= t) & (log["time"] > log["window_start"])).sum()
    )
    local = local_datetime(t, scenario)
    utc = model_epoch(scenario.start_date, scenario.timezone) + timedelta(minutes=float(t))
    clocks = []
    for side in ("VN", "CN"):
        here = utc.astimezone(ZoneInfo(SIDE_ZONES[side]))
        state = "open" if sides_open.get(side) else "closed"
        colour = "#2ca02c" if sides_open.get(side) else "#d62728"
        if side in sides_open:
            clocks.append(
                f"{SIDE_NAMES[side]} {here:%H:%M} <span style='color:{colour}'><b>{state}</b></span>"
            )
    f["clock"] = f"{local:%a %d %b %H:%M}"
    f["title"] = (
        f"<b>{scenario.crossings[crossing].name or crossing}</b> · {local:%A %d %B %Y} · "
        + " · ".join(clocks)
        + f"<br><span style='font-size:12px'>since {log['window_label']}: "
        + f"{crossed} crossed, {gave_up} gave up</span>"
    )
    f.update(slot_x=slot_x, slot_y=slot_y, slot_colour=slot_c, slot_text=slot_t, label_x=lx, label_y=ly,
             label_text=lt)  # fmt: skip
    return f


def _window_log(scenario, trucks, stages, crossing, start_min, end_min) -> dict:
    """The event log of the crossing's trucks present at some time in the window."""
    t_out = np.asarray(trucks["t_out"], float)
    mine = (np.asarray(trucks["crossing"], dtype=object) == crossing) & (
        np.asarray(trucks["t_arrive"], float) <= end_min
    )
    mine &= np.isnan(t_out) | (t_out >= start_min)
    keep_trucks = {k: np.asarray(v)[mine] for k, v in trucks.items()}
    rows = np.isin(np.asarray(stages["truck"]), np.asarray(trucks["truck"])[mine])
    keep_stages = {k: np.asarray(v)[rows] for k, v in stages.items()}
    log = event_log(keep_trucks, keep_stages, scenario)
    log = dict(log)
    log["window_start"] = start_min
    log["window_label"] = local_datetime(start_min, scenario).strftime("%H:%M")
    return log


def window_bounds(scenario: Scenario, start: datetime, hours: float) -> tuple[float, float]:
    """The window on the model clock; ValueError (one line) when it is not within the run."""
    from sim.readouts.event_log import model_minutes

    horizon = scenario.horizon_days * MINUTES_PER_DAY
    t0 = model_minutes(start, scenario)
    t1 = t0 + hours * 60
    if t0 < 0 or t1 > horizon + 1e-9:
        first = local_datetime(0, scenario)
        last = local_datetime(horizon, scenario)
        raise ValueError(
            f"{start:%Y-%m-%d %H:%M} + {hours:g} h: expected a window within the run, "
            f"{first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M} local time"
        )
    return t0, t1
