"""Run one replication of a scenario: the layer every experiment is built on.

``run_once`` knows nothing of replications, warm-up analysis, files or
reports; it builds a :class:`~sim.model.Model`, runs it and packages the
records with what is needed to read them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from sim.engine.calendar import MINUTES_PER_DAY
from sim.engine.model import Model
from sim.engine.progress import current_hook, midnights
from sim.scenario.schema import DIRECTIONS, Scenario


@dataclass(frozen=True)
class RunResult:
    """The records of one replication and the labels to read them.

    ``trucks`` and ``stages`` are the two tables documented in :mod:`sim.records`.
    """

    scenario: Scenario
    replication: int
    rng_seed: int
    trucks: dict[str, np.ndarray]
    stages: dict[str, np.ndarray]
    crossings: list[str]
    cargo: list[str]
    streams: list[str]
    stage_names: list[str]
    stage_lanes: list[int]
    stage_crossing: list[int]
    stage_direction: list[int]
    stage_intervals: list[list[tuple[float, float]]]
    stage_departures: list[list[float] | None]  # departure times of timetabled (train) stages
    stage_timelines: list[list[tuple[float, int, float, int]]]  # capacity segments, sim.capacity
    stage_versions: list[list]  # each stage's settings by dated change, sim.capacity.Version
    wall_s: float
    directions: tuple[str, ...] = field(default=DIRECTIONS)
    # Per stage: "lanes", "train" (a timetable) or "hold" (a dwell: no lanes, sim.engine.dwell).
    stage_kinds: list[str] = field(default_factory=list)

    def kind(self, sid: int) -> str:
        """The kind of stage ``sid`` ("lanes" when the result does not say)."""
        return self.stage_kinds[sid] if self.stage_kinds else "lanes"

    @property
    def horizon_min(self) -> float:
        return self.scenario.horizon_days * MINUTES_PER_DAY

    @property
    def warmup_min(self) -> float:
        return self.scenario.warmup_days * MINUTES_PER_DAY

    def queue_lengths(
        self, step_min: float | None = None, *, by_stage: tuple[np.ndarray, np.ndarray] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Trucks waiting at each stage over time.

        ``by_stage``, if given, is ``(order, bounds)``: the indices of the stage rows grouped by
        stage, in table order within a stage (stage ``sid``'s are ``order[bounds[sid]:bounds[sid
        + 1]]``), as ``sim.readouts.grouping`` computes them once for all the readouts; without
        it they are computed here.

        Returns
        -------
        times : array of sample times in minutes
        waiting : array ``(n_stages, n_times)``, trucks in each stage's queue at each time
        """
        step = step_min or self.scenario.reporting.queue_sample_min
        times = np.arange(0.0, self.horizon_min + step / 2, step)
        rows = self.stages
        n = len(self.stage_names)
        if by_stage is None:  # one stable (radix) sort rather than a pass over the rows per stage
            order = np.argsort(rows["stage"], kind="stable")
            bounds = np.concatenate([[0], np.cumsum(np.bincount(rows["stage"], minlength=n))])
        else:
            order, bounds = by_stage
        joined_all = rows["t_queue"][order]
        # A row waits from t_queue until its service starts; one whose service never started
        # waits until its truck gave up, or for ever.
        left_all = rows["t_start"][order]
        never = np.flatnonzero(np.isnan(left_all))
        truck = rows["truck"][order[never]]
        gave_up = self.trucks["outcome"][truck] == 2
        left_all[never] = np.where(gave_up, self.trucks["t_out"][truck], np.inf)
        waiting = np.zeros((n, times.size), dtype=np.int64)
        for sid in range(n):
            a, b = bounds[sid], bounds[sid + 1]
            joined = np.sort(joined_all[a:b])
            left = np.sort(left_all[a:b])
            waiting[sid] = np.searchsorted(joined, times, "right") - np.searchsorted(left, times, "right")
        return times, waiting


def run_once(scenario: Scenario, replication: int = 0, rng_seed: int | None = None) -> RunResult:
    """Simulate one replication; same scenario, seed and replication give the same result."""
    start = time.perf_counter()
    model = Model(scenario, replication=replication, rng_seed=rng_seed)
    hook = current_hook()  # a face following this replication (sim.engine.progress); usually none
    if hook is not None:
        model.env.process(midnights(model.env, scenario.horizon_days * MINUTES_PER_DAY, hook))
    records = model.run()
    return RunResult(
        scenario=scenario,
        replication=replication,
        rng_seed=model.rng_seed,
        trucks=records.trucks,
        stages=records.stage_table(),
        crossings=model.crossing_names,
        cargo=model.class_names,
        streams=model.stream_names,
        stage_names=model.stage_names,
        stage_lanes=model.stage_lanes,
        stage_crossing=model.stage_crossing,
        stage_direction=model.stage_direction,
        stage_intervals=model.stage_intervals,
        stage_departures=model.stage_departures,
        stage_timelines=model.stage_timelines,
        stage_versions=model.stage_versions,
        wall_s=time.perf_counter() - start,
        stage_kinds=model.stage_kinds,
    )
