"""Records grouped once per run and shared by the readouts: stage rows by stage, trucks by crossing.

The readouts compute most figures stage by stage or crossing by crossing. Selecting each
group with a boolean mask (``rows["stage"] == sid``) costs a pass over every record per
group: 1.7 million stage rows x 40 stages, 0.5 million trucks x 8 crossing groups in a
baseline year. A :class:`Groups` orders the records by group with one stable sort (a radix
sort for small integer codes), so that each group is a contiguous slice in which the records
keep their order in the table: exactly what a boolean mask selects, in the same order, so
sums over a group add up the same numbers in the same order as before.

The groupings of the last run read are kept until the next run is read or the run is
dropped (by weak reference): ``kpis``, ``daily_table``, ``queue_series`` and
``utilisation_by_hour`` of one replication share them. They assume, as every reader does,
that a run's records are not modified once read.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np

from sim.engine.run import RunResult


@dataclass(frozen=True)
class Groups:
    """Records ordered by group: group ``g`` is ``order[bounds[g]:bounds[g + 1]]``, in table order."""

    order: np.ndarray
    bounds: np.ndarray

    @classmethod
    def of(cls, codes: np.ndarray, n: int, rows: np.ndarray | None = None) -> Groups:
        """Groups ``0..n-1`` of the records by their ``codes`` (records with a code outside are
        left out); ``rows``: the records' indices (default ``0..len(codes)-1``)."""
        codes = np.asarray(codes)
        inside = (codes >= 0) & (codes < n)
        if not inside.all():
            rows = (np.arange(codes.size) if rows is None else rows)[inside]
            codes = codes[inside]
        small = codes.astype(np.int16 if n <= np.iinfo(np.int16).max else np.int64, copy=False)
        order = np.argsort(small, kind="stable")
        bounds = np.concatenate([[0], np.cumsum(np.bincount(small, minlength=n))])
        return cls(order if rows is None else rows[order], bounds)

    def split(self, column: np.ndarray) -> list[np.ndarray]:
        """``column``'s values group by group (slices of one gathered copy)."""
        c = column[self.order]
        return [c[a:b] for a, b in zip(self.bounds[:-1], self.bounds[1:], strict=True)]


class Served:
    """Service intervals of the rows whose service started, stage by stage.

    ``of(sid)`` gives stage ``sid``'s, in their order in ``RunResult.stages``, with ``end`` the
    horizon for service not ended by then; each stage's are computed once, when first asked for.
    """

    def __init__(self, start: np.ndarray, end: np.ndarray, bounds: np.ndarray, horizon: float) -> None:
        self._start, self._end, self._bounds, self._horizon = start, end, bounds, horizon
        self._of: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def of(self, sid: int) -> tuple[np.ndarray, np.ndarray]:
        """``(start, end)`` of stage ``sid``'s served rows (read-only)."""
        if sid not in self._of:
            a, b = self._bounds[sid], self._bounds[sid + 1]
            start, end = self._start[a:b], self._end[a:b]
            started = ~np.isnan(start)
            if not started.all():
                start, end = start[started], end[started]
            end = np.where(np.isnan(end), self._horizon, end)
            start.flags.writeable = end.flags.writeable = False
            self._of[sid] = (start, end)
        return self._of[sid]


_last: tuple[weakref.ref, dict] | None = None


def _memo(result: RunResult) -> dict:
    """What has been computed for ``result``: the last result's only, dropped with it."""
    global _last
    last = _last  # read once: another thread may replace it meanwhile
    if last is not None and last[0]() is result:
        return last[1]
    memo: dict = {}
    _last = (weakref.ref(result, _forget), memo)
    return memo


def _forget(ref: weakref.ref) -> None:
    """The result is gone: free what was computed for it (tens of MB for a year)."""
    global _last
    if _last is not None and _last[0] is ref:
        _last = None


def rows_by_stage(result: RunResult) -> Groups:
    """The stage rows of ``result`` grouped by stage."""
    memo = _memo(result)
    if "by_stage" not in memo:
        memo["by_stage"] = Groups.of(result.stages["stage"], len(result.stage_names))
    return memo["by_stage"]


def served_by_stage(result: RunResult) -> Served:
    """The rows of ``result`` whose service started, grouped by stage."""
    memo = _memo(result)
    if "served" not in memo:
        rows = result.stages
        by_stage = rows_by_stage(result)
        start, end = rows["t_start"][by_stage.order], rows["t_end"][by_stage.order]
        memo["served"] = Served(start, end, by_stage.bounds, result.horizon_min)
    return memo["served"]


def trucks_by_crossing(result: RunResult) -> Groups:
    """The trucks of ``result`` grouped by crossing: group 0 holds the trucks never routed to
    one (crossing -1), group ``xi + 1`` those of crossing ``xi``. Counts over all trucks are
    the sums of the groups' counts."""
    memo = _memo(result)
    if "by_crossing" not in memo:
        codes = result.trucks["crossing"].astype(np.int16) + 1
        memo["by_crossing"] = Groups.of(codes, len(result.crossings) + 1)
    return memo["by_crossing"]


def split_by_crossing(result: RunResult, name: str, column: np.ndarray | None = None) -> list[np.ndarray]:
    """``column`` (default: the truck column ``name``) group by group of :func:`trucks_by_crossing`,
    kept under ``name`` for the other readouts of the same run (read-only)."""
    return cached(
        result,
        ("split", name),
        lambda r: _read_only(trucks_by_crossing(r).split(r.trucks[name] if column is None else column)),
    )


def cached(result: RunResult, key, compute):
    """``compute(result)``, computed once per run and shared by the readouts: do not modify it."""
    memo = _memo(result)
    if key not in memo:
        memo[key] = compute(result)
    return memo[key]


def _read_only(arrays):
    for a in arrays:
        a.flags.writeable = False
    return arrays
