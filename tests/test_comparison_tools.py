"""Comparisons as an analyst reads them: real units, honest pairing, relative paths, JSON."""

from __future__ import annotations

import json
import math

import pytest

from sim.cli import main
from sim.experiments.comparison import compare_runs
from sim.reporting import plots, report

ARGS = ["--days", "5", "--workers", "1"]


@pytest.fixture(scope="module")
def unequal(tmp_path_factory):
    root = tmp_path_factory.mktemp("unequal")
    assert main(["run", "baseline", *ARGS, "--replications", "2", "--out", str(root / "a")]) == 0
    assert main(["run", "office_hours", *ARGS, "--replications", "3", "--out", str(root / "b")]) == 0
    return root


def test_unequal_replications_pair_only_the_common_ones_and_say_so(unequal, capsys):
    capsys.readouterr()
    assert main(["compare", str(unequal / "a"), str(unequal / "b"), "--out", str(unequal / "cmp")]) == 0
    out, err = capsys.readouterr()
    assert "A has 2 replications and B 3: pairing replications 0 to 1 of each only" in err
    assert "2 paired replications" in out
    manifest = json.loads((unequal / "cmp" / "manifest.json").read_text())
    assert (manifest["replications"], manifest["replications_a"], manifest["replications_b"]) == (2, 2, 3)
    assert main(["report", str(unequal / "cmp")]) == 0
    md = (unequal / "cmp" / "report" / "report.md").read_text()
    assert "only replications 0 to 1 of each are paired" in md
    assert "| results folder | `../a` | `../b` |" in md


def test_reports_carry_no_absolute_paths(unequal):
    assert main(["report", str(unequal / "a")]) == 0
    for folder in (unequal / "a" / "report", unequal / "cmp" / "report"):
        for name in ("report.md", "report.html"):
            text = (folder / name).read_text()
            assert str(unequal) not in text, f"{folder / name} names {unequal}"


def test_comparison_figure_shows_every_kpi_in_its_unit_including_a_zero_in_a(monkeypatch):
    runs_a = [{"cleared_per_day": 1000.0 + i, "perishable_delayed_share": 0.0} for i in range(3)]
    runs_b = [{"cleared_per_day": 500.0 + i, "perishable_delayed_share": 0.9 + i / 100} for i in range(3)]
    seen = []
    monkeypatch.setattr(plots, "comparison_panels", lambda panels, a, b: seen.extend(panels) or b"")
    report._differences_png(compare_runs(runs_a, runs_b), "A", "B")
    by = {p.label: p for p in seen}
    assert by["cleared/day"].difference == (-500.0, 0.0)
    delayed = by["perishables delayed %"]  # A is 0: shown, in percent, not as a ratio to A
    assert delayed.a == (0.0, 0.0)
    assert math.isclose(delayed.difference[0], 91.0)
    assert delayed.detectable and delayed.real and delayed.verdict == "a real difference"
    assert delayed.smallest == 1.0  # the default smallest difference that matters, in points


def test_compare_and_table_json(capsys, tmp_path):
    assert main(["compare", "baseline", "office_hours", *ARGS, "--replications", "2", "--json", "-"]) == 0
    data = json.loads(capsys.readouterr().out)  # JSON only: nothing else on standard output
    first = data["kpis"][0]
    assert (data["a"], data["b"], data["paired_replications"], first["kpi"]) == (
        "baseline", "office_hours", 2, "cleared_per_day"
    )  # fmt: skip
    assert first["difference"]["low"] <= first["difference"]["mean"] <= first["difference"]["high"]
    target = tmp_path / "t.json"
    assert main(["table", "office_hours", *ARGS, "--replications", "2", "--json", str(target)]) == 0
    assert "| office_hours (censored) |" in capsys.readouterr().out  # two measured days of office hours
    table = json.loads(target.read_text())
    assert [s["name"] for s in table["scenarios"]] == ["baseline", "office_hours"]
    assert table["scenarios"][0]["reference"] and not table["scenarios"][1]["reference"]
