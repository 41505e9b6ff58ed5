"""Answers that cannot mislead: a comparison checks its question, and instability is said aloud.

A scenario of another period against the baseline is not the change a planner made: `compare`
and `table` say so first, with the dates, and `--strict` refuses. An unstable or censored run
says so in its first lines, and its censored time-in-system figures are marked as lower bounds.
"""

from __future__ import annotations

import json
import math

import pytest

from sim.cli import main
from sim.experiments.question import question_differences
from sim.experiments.stability import stability
from sim.scenario.files import load_scenario, parse_scenario

MAY = 'extends = "baseline"\nname = "may"\nstart_date = 2023-05-08\n'
# Ten days, seven measured: in a shorter run the hours trucks spend at the border (dwells) leave
# more than reporting.censored_share of the arrivals still there at the end, even in the baseline.
ARGS = ["--days", "10", "--replications", "2", "--workers", "1"]


@pytest.fixture()
def may(tmp_path):
    path = tmp_path / "may.toml"
    path.write_text(MAY, encoding="utf-8")
    return path


def test_the_question_check_names_period_horizon_warm_up_and_demand_with_dates():
    base = load_scenario("baseline")
    assert question_differences(base, load_scenario("office_hours")) == []  # hours only: same question
    other = parse_scenario(
        MAY + "horizon_days = 20\nwarmup_days = 2\n[demand.streams.export_general]\ntrucks_per_day = 150\n",
        name="other.toml",
    )
    found = {q.part: q for q in question_differences(base, other)}
    assert list(found) == ["period", "horizon", "warm-up", "demand"]
    assert (found["period"].a, found["period"].b) == ("2023-02-13 to 2023-03-12", "2023-05-08 to 2023-05-27")
    assert "A 28 days (2023-02-13 to 2023-03-12), B 20 days" in found["horizon"].text
    assert "measured 2023-02-16 to 2023-03-12" in found["warm-up"].text
    assert found["demand"].fields == ("demand.streams.export_general",)


def test_compare_says_first_that_another_period_is_another_question(may, capsys):
    assert main(["compare", "baseline", str(may), *ARGS]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == (
        "WARNING: Not the same question — different period: A runs 2023-02-13 to 2023-02-22, "
        "B 2023-05-08 to 2023-05-17; the differences mix B's change with another season's demand and hours."
    )
    assert main(["compare", "baseline", str(may), *ARGS, "--json", "-"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["same_question"] is False and data["question"][0]["part"] == "period"
    assert data["kpis"][0]["verdict"] in ("real", "small", "none", "identical")


def test_strict_refuses_another_question_before_running(may, capsys):
    assert main(["compare", "baseline", str(may), *ARGS, "--strict"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "--strict: may against baseline is not the same question: different period: A runs 2023-02-13 to "
        "2023-02-22, B 2023-05-08 to 2023-05-17; the differences mix B's change with another season's "
        "demand and hours"
    ]
    assert main(["table", str(may), "--baseline", "baseline", *ARGS, "--strict"]) == 2
    assert capsys.readouterr().err.startswith("--strict: may against baseline is not the same question")
    assert main(["compare", "baseline", "office_hours", *ARGS, "--strict"]) == 0  # the same question


def test_the_table_marks_and_notes_a_row_that_asks_another_question(may, capsys):
    assert main(["table", str(may), "--baseline", "baseline", *ARGS]) == 0
    out, err = capsys.readouterr()
    assert "| may | baseline (not the same period) |" in out
    assert "- may against baseline: different period: A runs 2023-02-13 to 2023-02-22" in out
    assert err.startswith("WARNING: may against baseline: Not the same question — different period")


def runs(**columns: list[float]) -> list[dict[str, float]]:
    n = len(next(iter(columns.values())))
    return [{k: v[i] for k, v in columns.items()} for i in range(n)]


def test_stability_counts_unstable_and_censored_replications():
    base = load_scenario("baseline")  # censored_share 0.1
    s = stability(
        runs(
            unstable=[1.0, 0.0, 1.0],
            in_system_share_end=[0.30, 0.05, 0.12],
            backlog_growth_per_day=[300.0, 2.0, 100.0],
            **{"time_in_system_h.lower_bound": [90.0, 4.0, 30.0]},
        ),
        base,
    )
    assert (s.replications, s.unstable, s.censored) == (3, 2, 2)
    assert math.isclose(s.in_system_share_end, 0.47 / 3)
    unstable, censored = s.lines("X")
    assert unstable.startswith(
        "X is unstable: its backlog grows steadily in 2 of 3 replications (+134 trucks"
    )
    assert censored.startswith("X is censored: in 2 of 3 replications more than 10% of the measured days'")
    steady = stability(runs(unstable=[0.0, 0.0], in_system_share_end=[0.01, 0.02]), base)
    assert steady.lines("X") == []


def test_an_unstable_run_says_so_first_and_marks_its_censored_means(capsys):
    """Office hours over 14 days: the backlog grows by hundreds a day (Vietnamese customs binds),
    and about 40% of the measured arrivals still wait at the end."""
    assert main(["run", "office_hours", "--days", "14", "--replications", "2", "--workers", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith("WARNING: office_hours is unstable: its backlog grows steadily in 2 of 2")
    assert lines[2].startswith("WARNING: office_hours is censored: in 2 of 2 replications")
    time = lines[next(i for i, x in enumerate(lines) if x.startswith("Time in system")) :]
    assert time[1].startswith("  mean") and "≥ " in time[1]  # a lower bound
    backlog = lines[next(i for i, x in enumerate(lines) if x.startswith("Backlog at midnight")) + 1]
    assert backlog.startswith("  mean") and "≥" not in backlog  # not censored: a count at midnight


def test_a_comparison_report_opens_with_its_warnings_and_dates(may, tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", "baseline", str(may), *ARGS, "--out", str(out)]) == 0
    assert main(["report", str(out)]) == 0
    md = (out / "report" / "report.md").read_text(encoding="utf-8")
    first = md.split("## ")[0]
    assert "> **Warning.** Not the same question — different period: A runs 2023-02-13 to 2023-02-22" in first
    assert (
        "| period | 2023-02-13 to 2023-02-22 (Asia/Ho_Chi_Minh) | "
        "2023-05-08 to 2023-05-17 (Asia/Ho_Chi_Minh) |"
        in md
    )
    assert "drawn by day of the run" in md  # two periods are not overlaid on one date axis
    html = (out / "report" / "report.html").read_text(encoding="utf-8")
    assert '<div class="warning" role="alert">' in html
