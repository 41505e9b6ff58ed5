"""The per-truck records of a run as a standard event log, in the format vidigi reads.

:func:`event_log` turns the labelled ``trucks`` and ``stages`` tables of
:mod:`sim.readouts.replication` (one replication or several, told apart by their
``replication`` column) into one row per event, ordered by replication, time and
truck. Its columns are those of vidigi's event logs (``entity_id``, ``event_type``,
``event``, ``time``, ``resource_id``, ``pathway``, ``run_number``, ``timestamp``) and
a few of bordersim's beside them:

============  ======================================================================
run_number    the replication
entity_id     the truck (row of the replication's truck table)
event_type    ``arrival_departure``, ``queue``, ``resource_use`` or ``resource_use_end``
event         ``arrival``; ``<crossing>/<direction>/origin_wait_begins`` (a metered
              route: waiting at its origin for a slot); ``<crossing>/<direction>/
              road_wait_begins`` (the yard is full: the truck waits on the road, from its
              slot on a metered route); ``<stage>_wait_begins`` (queueing at
              a stage, in the yard); ``<stage>_begins`` and ``<stage>_ends`` (served in
              a lane); ``gave_up``; ``depart`` (crossed the border, or left after
              giving up)
time          model minutes from ``start_date`` 00:00 in the scenario's time zone
timestamp     the same instant as a local date-time in the scenario's time zone
resource_id   the lane (1, 2, ...) of ``resource_use`` and ``resource_use_end``
              events, NaN otherwise
pathway       ``<crossing>/<direction>``, e.g. ``huu_nghi/export``
crossing      crossing id
flow          ``export`` or ``import`` (not ``direction``: vidigi reads a column of
              that name as the side its queues build towards)
cargo         cargo class
stage         the stage (``<crossing>/<direction>/<name>``) of stage events, "" otherwise
============  ======================================================================

``<stage>`` is the stage's full name, so event names are unique across crossings.
The engine pools a stage's lanes and does not record which lane served a truck;
lanes are numbered here as a bank of lanes would be used: each service takes the
lowest-numbered lane free when it starts (a lane freed at the same instant counts as
free). At most ``lanes`` services overlap at an ordinary stage, so the numbers stay
within ``1..lanes``; a train's loads are numbered by wagon the same way.

Events at the same instant keep a truck's order (a stage ends before the next one's
queue begins), which is what vidigi needs to place each truck at its latest event.
"""

from __future__ import annotations

import heapq
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from sim.engine.calendar import model_epoch
from sim.engine.records import PLACES
from sim.scenario.schema import Scenario

Table = dict[str, np.ndarray]

EVENT_TYPES = ("arrival_departure", "queue", "resource_use", "resource_use_end")
COLUMNS = (
    "run_number", "entity_id", "event_type", "event", "time", "timestamp", "resource_id",
    "pathway", "crossing", "flow", "cargo", "stage",
)  # fmt: skip


def event_log(trucks: Table, stages: Table, scenario: Scenario) -> Table:
    """The event log of the records of one or more replications (see the module docstring)."""
    t_rep = _replication(trucks)
    s_rep = _replication(stages)
    n = t_rep.size
    # Locate each stage row's truck: trucks are keyed by (replication, truck).
    key_t = _key(t_rep, trucks["truck"])
    order = np.argsort(key_t, kind="stable")
    pos = np.searchsorted(key_t[order], _key(s_rep, stages["truck"]))
    srow = order[np.minimum(pos, max(n - 1, 0))]

    crossing = np.asarray(trucks["crossing"], dtype=object)
    direction = np.asarray(trucks["direction"], dtype=object)
    cargo = np.asarray(trucks["cargo"], dtype=object)
    pathway = np.array([f"{c}/{d}" for c, d in zip(crossing, direction, strict=True)], dtype=object)
    t_arrive = np.asarray(trucks["t_arrive"], float)
    t_yard = np.asarray(trucks["t_yard"], float)
    t_out = np.asarray(trucks["t_out"], float)
    outcome = np.asarray(trucks["outcome"])

    parts: list[dict[str, np.ndarray]] = []

    def add(rows, time, event_type, event, seq, stage=None, lane=None) -> None:
        rows = np.asarray(rows, np.int64)
        k = rows.size
        parts.append(
            {
                "row": rows,
                "time": np.asarray(time, float),
                "event_type": np.full(k, event_type, dtype=object),
                "event": np.asarray(event, dtype=object)
                if not isinstance(event, str)
                else np.full(k, event, dtype=object),
                "seq": np.asarray(seq, float) if np.ndim(seq) else np.full(k, float(seq)),
                "stage": np.full(k, "", dtype=object) if stage is None else np.asarray(stage, dtype=object),
                "resource_id": np.full(k, np.nan) if lane is None else np.asarray(lane, float),
            }
        )

    everyone = np.arange(n)
    add(everyone, t_arrive, "arrival_departure", "arrival", 0)
    # On the road: the yard was full when the truck arrived (it entered later, or never).
    # With slots, the road begins at the slot; with staging, it ends on entering the area.
    start, leave = t_arrive, t_yard
    at_origin = np.zeros(n, bool)  # still waiting at its origin for a slot (not at the border)
    if "t_slot" in trucks:
        slot = np.asarray(trucks["t_slot"], float)
        start = np.where(np.isnan(slot), t_arrive, slot)
        if "place" in trucks:
            place = np.asarray(trucks["place"])
            origin = place == ("origin" if place.dtype.kind in "OUS" else PLACES.index("origin"))
            at_origin = origin & np.isnan(slot)
        waited = at_origin | (slot > t_arrive)
        some = np.flatnonzero(waited)
        add(some, t_arrive[some], "queue", pathway[some] + "/origin_wait_begins", 0.5)
    if "t_staged" in trucks:
        staged = np.asarray(trucks["t_staged"], float)
        leave = np.where(np.isnan(staged), t_yard, staged)
    on_road = (np.isnan(leave) | (leave > start)) & ~at_origin
    road = everyone[on_road]
    add(road, start[road], "queue", pathway[road] + "/road_wait_begins", 1)
    # Staging areas: entered (waiting to be called), then called forward to the gate.
    steps = (("t_staged", "staging_wait_begins", 1.25), ("t_called", "called_forward", 1.5))
    for column, event, seq in steps:
        if column in trucks:
            when = np.asarray(trucks[column], float)
            some = np.flatnonzero(~np.isnan(when))
            add(some, when[some], "queue", pathway[some] + "/" + event, seq)

    # Stage rows, in each truck's order (the table is ordered by truck, then time).
    stage = np.asarray(stages["stage"], dtype=object)
    t_queue = np.asarray(stages["t_queue"], float)
    t_start = np.asarray(stages["t_start"], float)
    t_end = np.asarray(stages["t_end"], float)
    step = _rank_within(srow, t_queue)  # 0, 1, ... along each truck's route
    base = 2 + 3 * step
    add(srow, t_queue, "queue", stage + "_wait_begins", base, stage)
    started = ~np.isnan(t_start)
    lanes = assign_lanes(s_rep, stage, t_start, t_end)
    add(srow[started], t_start[started], "resource_use", stage[started] + "_begins", base[started] + 1,
        stage[started], lanes[started])  # fmt: skip
    ended = ~np.isnan(t_end)
    add(srow[ended], t_end[ended], "resource_use_end", stage[ended] + "_ends", base[ended] + 2,
        stage[ended], lanes[ended])  # fmt: skip

    last = 10.0**9  # after any stage
    gave_up = np.flatnonzero(outcome == 2)
    add(gave_up, t_out[gave_up], "queue", "gave_up", last)
    left = np.flatnonzero(~np.isnan(t_out))
    add(left, t_out[left], "arrival_departure", "depart", last + 1)

    cols = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]} if parts else {}
    if not cols or cols["row"].size == 0:
        return empty_event_log()
    rows = cols["row"]
    rep = t_rep[rows]
    truck = np.asarray(trucks["truck"], np.int64)[rows]
    ordering = np.lexsort((cols["seq"], truck, cols["time"], rep))
    rows = rows[ordering]
    time = cols["time"][ordering]
    return {
        "run_number": rep[ordering],
        "entity_id": truck[ordering],
        "event_type": cols["event_type"][ordering],
        "event": cols["event"][ordering],
        "time": time,
        "timestamp": local_times(time, scenario),
        "resource_id": cols["resource_id"][ordering],
        "pathway": pathway[rows],
        "crossing": crossing[rows],
        "flow": direction[rows],
        "cargo": cargo[rows],
        "stage": cols["stage"][ordering],
    }


def assign_lanes(
    replication: np.ndarray, stage: np.ndarray, t_start: np.ndarray, t_end: np.ndarray
) -> np.ndarray:
    """The lane (1, 2, ...) of each started service: the lowest-numbered free one; NaN if not started.

    A service still going at the end of the horizon (``t_end`` NaN) keeps its lane.
    """
    out = np.full(t_start.size, np.nan)
    started = np.flatnonzero(~np.isnan(t_start))
    if started.size == 0:
        return out
    groups: dict[tuple, list[int]] = {}
    for i in started.tolist():
        groups.setdefault((int(replication[i]), stage[i]), []).append(i)
    ends = np.where(np.isnan(t_end), np.inf, t_end)
    for rows in groups.values():
        rows.sort(key=lambda i: (t_start[i], ends[i], i))
        busy: list[tuple[float, int]] = []  # (end, lane)
        free: list[int] = []
        top = 0
        for i in rows:
            start = t_start[i]
            while busy and busy[0][0] <= start:
                heapq.heappush(free, heapq.heappop(busy)[1])
            if free:
                lane = heapq.heappop(free)
            else:
                top += 1
                lane = top
            heapq.heappush(busy, (ends[i], lane))
            out[i] = lane
    return out


def local_times(minutes: np.ndarray, scenario: Scenario) -> np.ndarray:
    """Model minutes as local date-times (``datetime64[s]``, no zone) in the scenario's time zone."""
    minutes = np.asarray(minutes, float)
    epoch = model_epoch(scenario.start_date, scenario.timezone)
    tz = ZoneInfo(scenario.timezone)
    seconds = np.round(minutes * 60.0).astype(np.int64)
    # The zone's offset by hour of the run (offsets change on whole hours).
    hours, which = np.unique(seconds // 3600, return_inverse=True)
    offsets = [(epoch + timedelta(hours=h)).astimezone(tz).utcoffset() for h in hours.tolist()]
    per_hour = np.array([int(o.total_seconds()) for o in offsets], dtype=np.int64)
    offset = per_hour[which.reshape(-1)] if seconds.size else np.zeros(0, np.int64)
    utc0 = np.datetime64(epoch.astimezone(UTC).replace(tzinfo=None), "s")
    return utc0 + (seconds + offset).astype("timedelta64[s]")


def local_datetime(minutes: float, scenario: Scenario) -> datetime:
    """One instant of the model clock as a local (naive) date-time in the scenario's time zone."""
    epoch = model_epoch(scenario.start_date, scenario.timezone)
    return (
        (epoch + timedelta(minutes=float(minutes)))
        .astimezone(ZoneInfo(scenario.timezone))
        .replace(tzinfo=None)
    )


def model_minutes(local: datetime, scenario: Scenario) -> float:
    """A local (naive) date-time in the scenario's time zone on the model clock."""
    epoch = model_epoch(scenario.start_date, scenario.timezone)
    aware = local.replace(tzinfo=ZoneInfo(scenario.timezone))
    return (aware.astimezone(UTC) - epoch).total_seconds() / 60.0


def _replication(table: Table) -> np.ndarray:
    if "replication" in table:
        return np.asarray(table["replication"], np.int64)
    return np.zeros(len(table["truck"]), np.int64)


def _key(rep: np.ndarray, truck: np.ndarray) -> np.ndarray:
    return rep.astype(np.int64) * (1 << 40) + np.asarray(truck, np.int64)


def _rank_within(group: np.ndarray, time: np.ndarray) -> np.ndarray:
    """0, 1, ... for the rows of each group in time order."""
    order = np.lexsort((time, group))
    g = group[order]
    first = np.r_[True, g[1:] != g[:-1]] if g.size else np.zeros(0, bool)
    idx = np.arange(g.size)
    start = np.maximum.accumulate(np.where(first, idx, 0)) if g.size else idx
    rank = np.empty(g.size, np.int64)
    rank[order] = idx - start
    return rank


def empty_event_log() -> Table:
    obj = np.zeros(0, dtype=object)
    return {
        "run_number": np.zeros(0, np.int64), "entity_id": np.zeros(0, np.int64), "event_type": obj,
        "event": obj, "time": np.zeros(0), "timestamp": np.zeros(0, "datetime64[s]"),
        "resource_id": np.zeros(0), "pathway": obj, "crossing": obj, "flow": obj, "cargo": obj,
        "stage": obj,
    }  # fmt: skip
