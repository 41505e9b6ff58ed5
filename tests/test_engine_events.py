"""The model's own events (``sim.engine.model.Pass``) keep SimPy's order (issue 13).

The per-truck path pushes minimal events onto SimPy's queue instead of creating
``Timeout`` objects; results stay those of the ``Timeout`` version only if a ``Pass``
takes exactly the place a ``Timeout`` created at the same moment would: same time, same
priority, and ties broken by creation order (SimPy's rule, the environment's event ids).
"""

from __future__ import annotations

import simpy
from simpy.events import Timeout

from sim.engine.model import after


def _mixed_run(use_pass: list[bool], delays: list[float]) -> list[int]:
    env = simpy.Environment()
    seen: list[int] = []

    def note(event) -> None:
        seen.append(event._value)

    def schedule_all(event) -> None:  # created at t = 1, as the model creates them mid-run
        for i, (p, d) in enumerate(zip(use_pass, delays, strict=True)):
            if p:
                after(env, d, i, (note,))
            else:
                Timeout(env, d, i).callbacks.append(note)

    Timeout(env, 1.0).callbacks.append(schedule_all)
    env.run()
    return seen


def test_a_pass_ties_with_timeouts_in_creation_order():
    delays = [2.0, 2.0, 0.0, 2.0, 0.5, 0.0, 2.0]
    expected = _mixed_run([False] * len(delays), delays)  # all Timeouts: SimPy's own order
    assert expected == [2, 5, 4, 0, 1, 3, 6]
    for pattern in ([True] * 7, [True, False] * 3 + [True], [False, True] * 3 + [False]):
        assert _mixed_run(pattern, delays) == expected, pattern


def test_a_pass_runs_after_urgent_events_at_its_instant():
    env = simpy.Environment()
    seen: list[str] = []
    after(env, 5.0, 0, (lambda e: seen.append("pass"),))
    urgent = simpy.Event(env)
    urgent._ok, urgent._value = True, None
    urgent.callbacks.append(lambda e: seen.append("urgent"))
    env.schedule(urgent, simpy.events.URGENT, 5.0)  # as the model's openings and closings
    env.run()
    assert seen == ["urgent", "pass"]


def test_a_negative_delay_is_refused_as_by_timeout():
    env = simpy.Environment()
    try:
        after(env, -1.0, 0, ())
    except ValueError as err:
        assert "Negative delay" in str(err)
    else:
        raise AssertionError("a negative delay was accepted")
