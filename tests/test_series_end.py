"""The queue series' last sample, taken at the end of the run, still counts the trucks waiting then.

A truck still on the road when the run ends was counted out at the horizon, so the last sample
of ``road_queue`` fell to 0 while thousands of trucks waited (issue 24: 5,438 -> 0 with 11,249
in the system). The counts here are made by hand from the truck records, not from road_span.
"""

from __future__ import annotations

import numpy as np

from sim.engine.records import PLACES
from sim.engine.run import run_once
from sim.readouts.daily import ALL
from sim.readouts.hourly import queue_series
from sim.scenario.files import load_scenario


def test_last_sample_counts_the_trucks_still_waiting_at_the_end():
    # Office hours: the Vietnamese side binds, the backlog grows and spills onto the road.
    result = run_once(load_scenario("office_hours", overrides={"horizon_days": 6}))
    t = result.trucks
    series = queue_series(result)
    last = (series["crossing"] == ALL) & (series["t_h"] == result.horizon_min / 60.0)
    assert last.sum() == 1
    still_in = np.isnan(t["t_out"])
    outside = (t["place"] == PLACES.index("origin")) & np.isnan(t["t_slot"])
    on_road = still_in & np.isnan(t["t_yard"]) & np.isnan(t["t_staged"]) & ~outside
    assert on_road.sum() > 100  # the case that was dropped: many trucks on the road at the end
    assert series["road_queue"][last][0] == on_road.sum()
    assert series["in_system"][last][0] == still_in.sum()
    # ... and the sample before it is not far off (no cliff at the end).
    before = (series["crossing"] == ALL) & (series["t_h"] == result.horizon_min / 60.0 - 1)
    assert abs(int(series["road_queue"][before][0]) - int(on_road.sum())) < 0.2 * on_road.sum()
