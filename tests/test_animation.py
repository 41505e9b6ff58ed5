"""bordersim animate: a self-contained animated page of one crossing, drawn from the records."""

from __future__ import annotations

import json
import re
import shutil
import sys

import numpy as np
import pytest

from sim.cli import main
from sim.examples.scenarios import single_stage_dict, validated
from sim.readouts.replication import replication_output

pytest.importorskip("plotly")

from sim.reporting.animation import _frame, _layout, _window_log, animation_html  # noqa: E402


def _gate():
    data = single_stage_dict(
        trucks_per_day=160,
        service={"kind": "exponential", "mean_min": 12},
        lanes=2,
        days=2,
        warmup_days=0,
        windows=[{"days": "daily", "open": "08:00", "close": "17:00"}],
        yard_capacity=15,
        rng_seed=7,
    )
    data["cargo"]["general"]["patience"] = {"kind": "exponential", "mean_min": 600}
    return validated(data)


def _frames(html: str) -> list[dict]:
    """The frames plotly was given (the JSON passed to Plotly.addFrames)."""
    match = re.search(
        r"\.then\(function\(\)\{\s*Plotly\.addFrames\('bordersim-animation', (\[.*?\])\);", html, re.S
    )
    assert match, "no frames in the page"
    return json.loads(match.group(1))


def test_trucks_drawn_match_the_records_at_every_frame() -> None:
    """At each frame: the road, the queue and the lanes hold the trucks the records put there."""
    scenario = _gate()
    out = replication_output(scenario, 0)
    t, s = out.trucks, out.stages
    start, end = 6 * 60.0, 20 * 60.0  # across the 08:00 opening and the 17:00 closing
    routes = _layout(scenario, "gate")
    log = _window_log(scenario, t, s, "gate", start, end)
    seen_closed = seen_busy = 0
    for minute in np.arange(start, end + 1, 30):
        f = _frame(scenario, "gate", routes, log, list(scenario.cargo), minute)
        labels = f["label_text"]
        row = {k: t[k][s["truck"]] for k in ("t_arrive", "t_out", "outcome")}
        gone = ~np.isnan(row["t_out"]) & (row["t_out"] <= minute)
        waiting = (s["t_queue"] <= minute) & ~(s["t_start"] <= minute) & ~gone
        in_lane = (s["t_start"] <= minute) & ~(s["t_end"] <= minute)
        on_road = (t["t_arrive"] <= minute) & ~(t["t_yard"] <= minute) & ~(t["t_out"] <= minute)
        assert labels[0] == f"{on_road.sum()} waiting" or labels[0].startswith(f"{on_road.sum()} waiting (+")
        assert labels[1] == f"{waiting.sum()} waiting" or labels[1].startswith(f"{waiting.sum()} waiting (+")
        assert labels[2].endswith(f"{in_lane.sum()} busy") or in_lane.sum() == 0
        drawn = sum(len(x) for x, _, _ in f["trucks"].values())
        assert drawn == min(on_road.sum(), 40) + min(waiting.sum(), 40) + in_lane.sum()
        is_open = 8 * 60 <= minute % 1440 < 17 * 60
        assert set(f["slot_colour"]) == {"#c7e9c0" if is_open else "#fcbba1"}
        assert ("Việt Nam" in f["title"]) and ((">open<" in f["title"]) == is_open)
        seen_closed += not is_open
        seen_busy += int(in_lane.sum())
    assert seen_closed and seen_busy


def test_the_page_is_self_contained_and_the_same_for_the_same_run(tmp_path) -> None:
    args = ["animate", "baseline", "--days", "4", "--crossing", "huu_nghi", "--from", "2023-02-15T07:00",
            "--hours", "3"]  # fmt: skip
    assert main([*args, "--out", str(tmp_path / "a.html")]) == 0
    assert main([*args, "--out", str(tmp_path / "b.html")]) == 0
    html = (tmp_path / "a.html").read_text(encoding="utf-8")
    assert html == (tmp_path / "b.html").read_text(encoding="utf-8")
    assert re.findall(r"<script[^>]*>", html) == ["<script>"] * 3  # plotly.js is inside the page: no src=
    assert "Plotly.newPlot" in html and len(html) > 3_000_000
    frames = _frames(html)
    assert len(frames) == 3 * 60 // 5 + 1
    assert "Wednesday 15 February 2023" in frames[0]["layout"]["title"]["text"]
    assert "Việt Nam 07:00" in frames[0]["layout"]["title"]["text"]
    assert "China 08:00" in frames[0]["layout"]["title"]["text"]


def test_a_results_folder_gives_the_page_of_its_scenario(tmp_path, capsys) -> None:
    args = ["run", "baseline", "--days", "4", "--replications", "2", "--records"]
    assert main([*args, "--out", str(tmp_path / "res")]) == 0
    common = ["--crossing", "chi_ma", "--from", "2023-02-14T20:00", "--hours", "4", "--replication", "1"]
    assert main(["animate", str(tmp_path / "res"), *common, "--out", str(tmp_path / "f.html")]) == 0
    assert main(["animate", "baseline", "--days", "4", *common, "--out", str(tmp_path / "s.html")]) == 0
    assert (tmp_path / "f.html").read_bytes() == (tmp_path / "s.html").read_bytes()
    assert "Animation:" in capsys.readouterr().out


@pytest.mark.parametrize(
    "extra, expected",
    [
        (["--crossing", "nowhere"], "--crossing nowhere: expected one of the scenario's crossings: "),
        (["--from", "2024-01-01"], "--from 2024-01-01 00:00 + 12 h: expected a window within the run, "),
        (["--out", "page.png"], "--out page.png: expected a file name ending in .html"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, monkeypatch, extra, expected) -> None:
    monkeypatch.chdir(tmp_path)
    args = {"--crossing": "huu_nghi", "--from": "2023-02-14", "--out": "page.html"}
    args.update(dict(zip(extra[::2], extra[1::2], strict=True)))
    assert main(["animate", "baseline", "--days", "4", *[x for kv in args.items() for x in kv]]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(expected), err
    assert not (tmp_path / "page.html").exists()


def test_a_results_folder_without_records_says_so(tmp_path, capsys) -> None:
    assert main(["run", "baseline", "--days", "4", "--out", str(tmp_path / "res")]) == 0
    code = main(["animate", str(tmp_path / "res"), "--crossing", "chi_ma", "--from", "2023-02-14",
                 "--out", str(tmp_path / "a.html")])  # fmt: skip
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert "has no per-truck records" in err[0] and "--records" in err[0], err


def test_a_results_folder_missing_its_records_says_so(tmp_path, capsys) -> None:
    assert main(["run", "baseline", "--days", "4", "--records", "--out", str(tmp_path / "res")]) == 0
    shutil.rmtree(tmp_path / "res" / "stages")
    code = main(["animate", str(tmp_path / "res"), "--crossing", "chi_ma", "--from", "2023-02-14",
                 "--out", str(tmp_path / "a.html")])  # fmt: skip
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert "stages/r00000.parquet: missing" in err[0] and "give the scenario instead" in err[0]


def test_without_plotly_the_command_says_how_to_install_it(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "plotly", None)  # import plotly raises ImportError
    code = main(["animate", "baseline", "--crossing", "chi_ma", "--from", "2023-02-14",
                 "--out", str(tmp_path / "a.html")])  # fmt: skip
    assert code == 2
    assert capsys.readouterr().err.strip() == (
        "bordersim animate needs plotly: pip install 'bordersim[animation]'"
    )


def test_animation_html_of_a_window_with_no_trucks_still_draws_the_crossing() -> None:
    scenario = _gate()
    out = replication_output(scenario, 0)
    empty = {k: v[:0] for k, v in out.trucks.items()}
    stages = {k: v[:0] for k, v in out.stages.items()}
    html = animation_html(scenario, empty, stages, "gate", 60.0, 1)
    frames = _frames(html)
    assert len(frames) == 13
    assert all(sum(len(d.get("x", [])) for d in f["data"][1:-1]) == 0 for f in frames)


def test_the_public_animate_draws_a_run_result_as_the_command_does(tmp_path) -> None:
    from sim import animate, load_scenario, run_once

    scenario = load_scenario("baseline", overrides={"horizon_days": 4})
    result = run_once(scenario, replication=0)
    page = animate(result, crossing="huu_nghi", start="2023-02-15T07:00", hours=3, out=tmp_path / "p.html")
    assert page == tmp_path / "p.html"
    args = ["animate", "baseline", "--days", "4", "--crossing", "huu_nghi", "--from", "2023-02-15T07:00",
            "--hours", "3", "--out", str(tmp_path / "cli.html")]  # fmt: skip
    assert main(args) == 0
    assert page.read_bytes() == (tmp_path / "cli.html").read_bytes()
    with pytest.raises(ValueError, match="crossing 'nowhere': expected one of road_1119_1120, "):
        animate(result, crossing="nowhere", start="2023-02-15", hours=3)
