"""Reports: Markdown and self-contained HTML with the figures, for a run and for a comparison."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from sim.cli import main

PNG = b"\x89PNG\r\n\x1a\n"
# Eight days: the measured ones include a weekend (office hours clear nothing then; see
# tests/test_comparison.py).
ARGS = ["--days", "8", "--replications", "3", "--workers", "1"]


@pytest.fixture(scope="module")
def comparison(tmp_path_factory):
    out = tmp_path_factory.mktemp("cmp") / "base_vs_office"
    assert main(["compare", "baseline", "office_hours", *ARGS, "--records", "--out", str(out)]) == 0
    return out


def check_report(folder, figures):
    md = (folder / "report.md").read_text()
    page = (folder / "report.html").read_text()
    for name in figures:
        png = (folder / "figures" / name).read_bytes()
        assert png.startswith(PNG), name
        assert f"](figures/{name})" in md
    # Self-contained: every image is embedded, nothing is fetched.
    sources = re.findall(r'src="([^"]*)"', page)
    assert len(sources) == len(figures) and all(s.startswith("data:image/png;base64,") for s in sources)
    assert "href=" not in page and "<script" not in page
    return md, page


def test_run_report(comparison, capsys):
    run = comparison / "a"
    assert main(["report", str(run)]) == 0
    assert "report.html" in capsys.readouterr().out
    md, page = check_report(
        run / "report",
        ["throughput.png", "backlog.png", "dwelling_by_hour.png", "waiting_time_ecdf.png"]
        + ["capacity_over_time.png", "utilisation.png"],
    )
    for text in (
        "Provenance",
        "scenario hash",
        "Headline KPIs",
        "MSER-5",
        "replications for ± 2% of the mean",
        "held by dwells",
    ):
        assert text in md
    assert "cleared/day" in page and "bordersim run" in md


def test_comparison_report(comparison):
    assert main(["report", str(comparison), "--out", str(comparison / "rep")]) == 0
    md, _ = check_report(
        comparison / "rep",
        [
            "differences.png",
            "throughput.png",
            "backlog.png",
            "dwelling_by_hour.png",  # the baseline's dwells (papers, declarations)
            "waiting_time_ecdf.png",
            "capacity_over_time_a.png",
            "capacity_over_time_b.png",
            "utilisation_a.png",
            "utilisation_b.png",
        ],
    )
    assert "What B changes, and does it matter?" in md
    assert "cleared/day: office_hours is lower than baseline" in md
    assert "common random numbers" in md
    assert "| cleared/day |" in md


@pytest.mark.parametrize(
    "setup, message",
    [
        (lambda p: None, "{p}: no such folder"),
        (lambda p: p.mkdir(), "{p}: not a results folder (no manifest.json)"),
    ],
)
def test_report_of_something_else_is_one_line(tmp_path, setup, message):
    path = tmp_path / "x"
    setup(path)
    done = subprocess.run(
        [sys.executable, "-m", "sim", "report", str(path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [message.format(p=path)]


def test_a_folder_without_records_says_the_waiting_time_distribution_needs_them(tmp_path):
    out = tmp_path / "run"
    args = ["run", "baseline", "--days", "4", "--replications", "2", "--workers", "1"]
    assert main([*args, "--out", str(out)]) == 0
    assert not (out / "trucks").exists() and not (out / "stages").exists()
    assert main(["report", str(out)]) == 0
    md = (out / "report" / "report.md").read_text()
    assert "no per-truck records" in md and "--records" in md
    assert not (out / "report" / "figures" / "waiting_time_ecdf.png").exists()
