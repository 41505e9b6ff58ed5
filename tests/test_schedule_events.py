"""Exact event logs at the edges of opening hours.

A tiny crossing (one stage, one lane, 60-minute deterministic service, no
arrivals) starts with a backlog of trucks; the stage rows then give the exact
start and end of every service, which we compare with the log worked out by
hand from the calendar.
"""

from __future__ import annotations

import pytest

from sim import kpis, parse_scenario, run_once

# 2023-02-13 is a Monday; the model clock is Asia/Ho_Chi_Minh (UTC+7).
TEMPLATE = """
name = "edges"
start_date = 2023-02-13
horizon_days = {days}
rng_seed = 1

[hours.cal]
timezone = "{tz}"
windows = [{windows}]
closures = [{closures}]

[cargo.general]

[crossings.gate]
name = "Gate"
kind = "auxiliary_gate"
accepts = ["general"]

[[crossings.gate.routes.export.stages]]
name = "check"
hours = "cal"
lanes = {lanes}
service.default = {{ kind = "deterministic", value_min = {service} }}

[demand.streams.none]
direction = "export"
cargo = "general"
trucks_per_day = 0
routing = {{ policy = "shares", shares = {{ gate = 1.0 }} }}

[[initial_backlog]]
crossing = "gate"
direction = "export"
cargo = "general"
trucks = {trucks}
"""


def service_log(
    windows: str,
    trucks: int,
    tz: str = "Asia/Ho_Chi_Minh",
    closures: str = "",
    days: int = 1,
    lanes: int = 1,
    service: float = 60,
) -> list[tuple[str, str]]:
    text = TEMPLATE.format(
        windows=windows, trucks=trucks, tz=tz, closures=closures, days=days, lanes=lanes, service=service
    )
    result = run_once(parse_scenario(text, "edges.toml"))
    rows = result.stages
    done = ~(rows["t_end"] != rows["t_end"])  # rows with an end
    starts, ends = rows["t_start"][done], rows["t_end"][done]
    order = starts.argsort(kind="stable")
    return [(_clock(s), _clock(e)) for s, e in zip(starts[order], ends[order], strict=True)]


def _clock(minutes: float) -> str:
    day, rest = divmod(int(round(minutes)), 1440)
    return f"d{day} {rest // 60:02d}:{rest % 60:02d}"


def test_opening_and_lunch_break_service_in_progress_finishes():
    log = service_log('{ open = "07:00", close = "11:30" }, { open = "13:00", close = "17:00" }', trucks=10)
    assert log == [
        ("d0 07:00", "d0 08:00"),
        ("d0 08:00", "d0 09:00"),
        ("d0 09:00", "d0 10:00"),
        ("d0 10:00", "d0 11:00"),
        # starts before the 11:30 lunch closing, so it finishes during the break
        ("d0 11:00", "d0 12:00"),
        # nothing starts during lunch; the queue waits for 13:00
        ("d0 13:00", "d0 14:00"),
        ("d0 14:00", "d0 15:00"),
        ("d0 15:00", "d0 16:00"),
        # ends exactly at closing: no service starts at the closing instant
        ("d0 16:00", "d0 17:00"),
    ]


def test_queue_persists_overnight():
    log = service_log('{ open = "07:00", close = "09:00" }', trucks=3, days=2)
    assert log == [
        ("d0 07:00", "d0 08:00"),
        ("d0 08:00", "d0 09:00"),
        ("d1 07:00", "d1 08:00"),
    ]


def test_chinese_calendar_is_one_hour_ahead():
    # 08:00–10:00 Beijing time is 07:00–09:00 on the model clock (Hanoi).
    log = service_log('{ open = "08:00", close = "10:00" }', trucks=5, tz="Asia/Shanghai")
    assert log == [("d0 07:00", "d0 08:00"), ("d0 08:00", "d0 09:00")]


def test_dated_closure_skips_the_day():
    log = service_log(
        '{ open = "07:00", close = "08:00" }',
        trucks=3,
        closures='{ start = 2023-02-14, end = 2023-02-14, reason = "storm" }',
        days=3,
    )
    assert log == [("d0 07:00", "d0 08:00"), ("d2 07:00", "d2 08:00")]


def test_partial_closure_by_datetime():
    log = service_log(
        '{ open = "07:00", close = "11:00" }',
        trucks=4,
        closures="{ start = 2023-02-13T08:00:00, end = 2023-02-13T10:00:00 }",
    )
    assert log == [("d0 07:00", "d0 08:00"), ("d0 10:00", "d0 11:00")]


def test_weekday_rule():
    # Monday 13 Feb: "sat-sun" windows first open on Saturday 18 Feb (day 5).
    log = service_log('{ days = "sat-sun", open = "07:00", close = "08:00" }', trucks=2, days=7)
    assert log == [("d5 07:00", "d5 08:00"), ("d6 07:00", "d6 08:00")]


def test_window_past_midnight():
    log = service_log('{ open = "22:00", close = "01:00" }', trucks=4, days=2)
    assert log == [
        # Sunday's window runs into Monday (day 0) until 01:00
        ("d0 00:00", "d0 01:00"),
        ("d0 22:00", "d0 23:00"),
        ("d0 23:00", "d1 00:00"),
        ("d1 00:00", "d1 01:00"),
    ]


@pytest.mark.parametrize("lanes", [1, 2, 3])
def test_lanes_serve_in_parallel(lanes):
    log = service_log('{ open = "07:00", close = "09:00" }', trucks=10, lanes=lanes)
    assert len(log) == 2 * lanes
    assert log[:lanes] == [("d0 07:00", "d0 08:00")] * lanes


def _utilisation(windows: str, trucks: int, service: float) -> float:
    text = TEMPLATE.format(
        windows=windows, trucks=trucks, tz="Asia/Ho_Chi_Minh", closures="", days=1, lanes=1, service=service
    )
    return kpis(run_once(parse_scenario(text, "edges.toml")))["utilisation.gate/export/check"]


def test_utilisation_counts_busy_time_while_open():
    # Three 60-min services from 07:00 in 8.5 open hours (lunch 11:30–13:00 excluded).
    windows = '{ open = "07:00", close = "11:30" }, { open = "13:00", close = "17:00" }'
    assert _utilisation(windows, trucks=3, service=60) == pytest.approx(3 / 8.5)


def test_utilisation_ignores_service_past_closing():
    # Open 30 min; the one service runs 60 min: busy the whole open time, not twice it.
    assert _utilisation('{ open = "07:00", close = "07:30" }', trucks=1, service=60) == pytest.approx(1.0)
