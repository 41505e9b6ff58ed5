"""The event log (sim.readouts.event_log): every truck's path as events, in vidigi's format."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta

import numpy as np
import pyarrow.parquet as pq
import pytest

from sim.cli import main
from sim.examples.scenarios import single_stage_dict, validated
from sim.readouts.event_log import assign_lanes, event_log
from sim.readouts.replication import replication_output


def _busy_gate(days: int = 3):
    """An overloaded gate with office hours, a small yard and impatient trucks: every kind of event."""
    data = single_stage_dict(
        trucks_per_day=160,
        service={"kind": "exponential", "mean_min": 12},
        lanes=2,
        days=days,
        warmup_days=0,
        windows=[{"days": "daily", "open": "08:00", "close": "17:00"}],
        yard_capacity=15,
        rng_seed=7,
    )
    data["cargo"]["general"]["patience"] = {"kind": "exponential", "mean_min": 600}
    return validated(data)


@pytest.fixture(scope="module")
def run():
    scenario = _busy_gate()
    out = replication_output(scenario, 0)
    return scenario, out, event_log(out.trucks, out.stages, scenario)


def test_every_kind_of_event_occurs(run):
    _, _, log = run
    events = set(log["event"])
    assert {"arrival", "depart", "gave_up", "gate/export/road_wait_begins"} <= events
    assert {
        "gate/export/service_wait_begins",
        "gate/export/service_begins",
        "gate/export/service_ends",
    } <= events
    assert set(log["event_type"]) == {"arrival_departure", "queue", "resource_use", "resource_use_end"}


def test_counts_match_the_records(run):
    _, out, log = run
    t, s = out.trucks, out.stages
    ev = log["event"]
    assert (ev == "arrival").sum() == t["truck"].size
    assert (ev == "depart").sum() == (~np.isnan(t["t_out"])).sum()
    assert (ev == "gave_up").sum() == (t["outcome"] == 2).sum()
    assert (log["event_type"] == "resource_use").sum() == (~np.isnan(s["t_start"])).sum()
    assert (log["event_type"] == "resource_use_end").sum() == (~np.isnan(s["t_end"])).sum()
    on_road = np.isnan(t["t_yard"]) | (t["t_yard"] > t["t_arrive"])
    assert (ev == "gate/export/road_wait_begins").sum() == on_road.sum()


def test_each_truck_starts_with_arrival_and_ends_with_depart_in_time_order(run):
    _, _, log = run
    order = np.lexsort((np.arange(log["time"].size), log["entity_id"]))  # stable: the log's own order
    ent, time, ev = log["entity_id"][order], log["time"][order], log["event"][order]
    first = np.r_[True, ent[1:] != ent[:-1]]
    last = np.r_[ent[1:] != ent[:-1], True]
    assert (ev[first] == "arrival").all()
    assert np.all(np.diff(time)[~last[:-1]] >= 0)
    departed = ev[last] == "depart"
    assert departed.sum() == (ev == "depart").sum()  # depart is always a truck's last event
    # a truck gave up just before it departs
    gave = np.flatnonzero(ev == "gave_up")
    assert (ev[gave + 1] == "depart").all()


def test_lanes_are_within_the_stage_and_never_shared(run):
    _, _, log = run
    use = log["event_type"] == "resource_use"
    end = log["event_type"] == "resource_use_end"
    lanes = log["resource_id"][use]
    assert set(lanes.tolist()) == {1.0, 2.0}
    assert np.isnan(log["resource_id"][~(use | end)]).all()
    # per lane, services do not overlap: each start comes after the previous end on that lane
    starts = dict(zip(log["entity_id"][use].tolist(), log["time"][use].tolist(), strict=True))
    ends = dict(zip(log["entity_id"][end].tolist(), log["time"][end].tolist(), strict=True))
    lane_of = dict(zip(log["entity_id"][use].tolist(), lanes.tolist(), strict=True))
    for lane in (1.0, 2.0):
        spans = sorted((starts[e], ends.get(e, np.inf)) for e, k in lane_of.items() if k == lane)
        assert all(b[0] >= a[1] for a, b in zip(spans, spans[1:], strict=False))


def test_lane_assignment_takes_the_lowest_free_lane() -> None:
    rep = np.zeros(4, np.int64)
    stage = np.array(["s"] * 4, dtype=object)
    start = np.array([0.0, 1.0, 5.0, 6.0])
    end = np.array([5.0, 10.0, 7.0, np.nan])  # lane 1 is freed at 5 exactly when the third starts
    assert assign_lanes(rep, stage, start, end).tolist() == [1.0, 2.0, 1.0, 3.0]


def test_timestamps_are_local_time_beside_model_minutes(run):
    scenario, _, log = run
    local = datetime.combine(scenario.start_date, datetime.min.time())  # Asia/Ho_Chi_Minh has no DST
    for i in (0, log["time"].size // 2, log["time"].size - 1):
        expected = local + timedelta(seconds=round(float(log["time"][i]) * 60))
        assert log["timestamp"][i].astype(datetime) == expected


def test_event_log_of_several_replications_keeps_them_apart() -> None:
    scenario = _busy_gate(days=1)
    outs = [replication_output(scenario, r) for r in (0, 1)]
    trucks = {k: np.concatenate([o.trucks[k] for o in outs]) for k in outs[0].trucks}
    stages = {k: np.concatenate([o.stages[k] for o in outs]) for k in outs[0].stages}
    both = event_log(trucks, stages, scenario)
    for r, o in enumerate(outs):
        alone = event_log(o.trucks, o.stages, scenario)
        mine = both["run_number"] == r
        for k in ("entity_id", "event", "time", "resource_id"):
            np.testing.assert_array_equal(both[k][mine], alone[k])


def test_cli_writes_csv_and_parquet_with_the_same_events(tmp_path, capsys) -> None:
    for name in ("log.csv", "log.parquet", "again.csv"):
        assert main(["run", "baseline", "--days", "4", "--event-log", str(tmp_path / name)]) == 0
    assert "Event log:" in capsys.readouterr().out
    assert (tmp_path / "log.csv").read_bytes() == (
        tmp_path / "again.csv"
    ).read_bytes()  # same seed, same bytes
    with open(tmp_path / "log.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    table = pq.read_table(tmp_path / "log.parquet").to_pylist()
    assert len(rows) == len(table) > 0
    assert list(rows[0]) == list(table[0])
    assert [r["event"] for r in rows] == [r["event"] for r in table]
    use = next(r for r in rows if r["event_type"] == "resource_use")
    assert int(use["resource_id"]) >= 1
    assert next(r for r in rows if r["event_type"] == "queue")["resource_id"] == ""
    assert rows[0]["timestamp"].startswith("2023-02-13 ")


def test_cli_event_log_from_a_results_folder_matches_one_from_memory(tmp_path) -> None:
    assert main(["run", "baseline", "--days", "4", "--replications", "2", "--out", str(tmp_path / "res"),
                 "--event-log", str(tmp_path / "a.parquet")]) == 0  # fmt: skip
    assert main(["run", "baseline", "--days", "4", "--replications", "2",
                 "--event-log", str(tmp_path / "b.parquet")]) == 0  # fmt: skip
    a, b = pq.read_table(tmp_path / "a.parquet"), pq.read_table(tmp_path / "b.parquet")
    assert a.equals(b)
    assert set(a.column("run_number").to_pylist()) == {0, 1}


def test_cli_rejects_an_unknown_extension_before_running(tmp_path, capsys) -> None:
    assert main(["run", "--days", "4", "--event-log", str(tmp_path / "log.txt")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"--event-log {tmp_path / 'log.txt'}: expected a file name ending in .csv or .parquet"]
    assert not (tmp_path / "log.txt").exists()


def test_vidigi_reads_the_event_log(run):
    """vidigi's own preparation places every truck at a known position (its event names, lanes)."""
    pd = pytest.importorskip("pandas")
    prep = pytest.importorskip("vidigi.prep")
    _, _, log = run
    df = pd.DataFrame({k: v for k, v in log.items()})
    df = df[df["run_number"] == 0]
    df["resource_id"] = df["resource_id"].astype("Int64")
    positions = pd.DataFrame(
        [
            {"event": "gate/export/road_wait_begins", "x": 100, "y": 100, "label": "road"},
            {"event": "gate/export/service_wait_begins", "x": 300, "y": 100, "label": "yard"},
            {
                "event": "gate/export/service_begins",
                "x": 500,
                "y": 100,
                "label": "lanes",
                "resource": "lanes",
            },
            {"event": "depart", "x": 700, "y": 100, "label": "crossed"},
        ]
    )
    snapshots = prep.reshape_for_animations(df, every_x_time_units=30, limit_duration=1440)
    placed = prep.generate_animation_df(snapshots, positions)
    trucks = placed[placed["entity_id"].notna()]
    assert len(trucks) > 0
    shown = set(trucks["event"])
    assert {"gate/export/service_wait_begins", "gate/export/service_begins"} <= shown
    assert trucks["x_final"].notna().all() and trucks["y_final"].notna().all()
