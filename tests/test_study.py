"""The study API (sim.study): progress through a callback, a cancel token that stops the workers and
leaves a resumable folder, safe in a background thread, and the same results as the command line."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

import sim.study as study
from sim.cli import main
from sim.experiments.results_folder import ResultsFolder

DAYS = 5  # warm-up 3: two measured days, enough for every KPI


def _kpis_csv(folder: Path) -> str:
    return (folder / "kpis.csv").read_text()


def test_progress_is_reported_for_every_replication_then_the_summaries(tmp_path):
    seen = []
    done = study.run("baseline", replications=3, days=DAYS, out=tmp_path / "r",
                     execution=study.Execution(workers=1, progress=seen.append))  # fmt: skip
    counts = [p.done for p in seen]
    assert counts == sorted(counts), "progress never goes back"
    assert {p.done for p in seen} == {0, 1, 2, 3}, counts
    assert all(p.total == 3 for p in seen)
    assert seen[-1].stage == "summaries" and seen[-1].fraction == 1.0
    assert done.replications == 3 and len(done.runs) == 3


def test_the_api_gives_the_command_lines_results(tmp_path):
    study.run(
        "baseline", replications=2, days=DAYS, out=tmp_path / "api", execution=study.Execution(workers=1)
    )
    assert main(["run", "baseline", "--replications", "2", "--days", str(DAYS), "--workers", "2",
                 "--out", str(tmp_path / "cli")]) == 0  # fmt: skip
    assert _kpis_csv(tmp_path / "api") == _kpis_csv(tmp_path / "cli")


@pytest.mark.parametrize("workers", [1, 2])
def test_cancel_stops_the_study_and_leaves_a_resumable_folder(tmp_path, workers):
    """The token is set once the first replication is in: the study stops (in worker processes or in
    this one), says what it kept, and resume ends with the files of an uninterrupted run."""
    cancel = study.cancel_token()

    def progress(p):
        if p.done >= 1:
            cancel.set()

    out = tmp_path / "cancelled"
    with pytest.raises(study.Stopped) as stopped:
        study.run("baseline", replications=6, days=DAYS, out=out,
                  execution=study.Execution(workers=workers, progress=progress, cancel=cancel))  # fmt: skip
    assert stopped.value.cancelled and stopped.value.folder == out
    assert 1 <= stopped.value.saved < 6
    folder = ResultsFolder(out)
    assert folder.manifest(check=True)["status"] == "running"  # sealed and readable, not complete
    assert len(folder.done()) == stopped.value.saved  # what the study says it kept is on disk
    resumed = study.resume(out, execution=study.Execution(workers=workers))
    assert resumed.replications == 6
    study.run(
        "baseline", replications=6, days=DAYS, out=tmp_path / "whole", execution=study.Execution(workers=1)
    )
    assert _kpis_csv(out) == _kpis_csv(tmp_path / "whole")


def test_a_token_set_before_the_start_runs_nothing(tmp_path):
    cancel = study.cancel_token()
    cancel.set()
    with pytest.raises(study.Stopped) as stopped:
        study.run("baseline", replications=2, days=DAYS, out=tmp_path / "r",
                  execution=study.Execution(workers=2, cancel=cancel))  # fmt: skip
    assert stopped.value.saved == 0
    assert study.resume(tmp_path / "r", execution=study.Execution(workers=1)).replications == 2


def test_studies_run_in_background_threads_at_once(tmp_path):
    """Two studies in two threads: no signal handler is touched outside the main thread, each has
    its own progress and cancel, and both give the results of a run in the main thread."""
    results, errors = {}, []

    def work(name):
        try:
            seen = []
            results[name] = (
                study.run(
                    "baseline",
                    replications=2,
                    days=DAYS,
                    out=tmp_path / name,
                    execution=study.Execution(workers=2, progress=seen.append),
                ),
                seen,
            )
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=work, args=(n,)) for n in ("one", "two")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert not errors, errors
    assert _kpis_csv(tmp_path / "one") == _kpis_csv(tmp_path / "two")
    assert all(seen[-1].done == 2 for _, seen in results.values())


def test_compare_returns_the_comparison_with_its_verdicts(tmp_path):
    done = study.compare("baseline", "office_hours", replications=2, days=DAYS, out=tmp_path / "c",
                         execution=study.Execution(workers=1))  # fmt: skip
    assert done.folder == tmp_path / "c" and (tmp_path / "c" / "differences.csv").is_file()
    keys = [k.key for k in done.comparison.kpis]
    assert "cleared_per_day" in keys and all(k.verdict for k in done.comparison.kpis)
    assert done.lines()[0].startswith("bordersim ") and "office_hours" in done.lines()[0]


def test_a_saved_change_is_a_file_that_run_reads(tmp_path):
    from sim.study.scenarios import check, set_file

    text = set_file("office_hours", ["crossings.chi_ma.routes.export.stages[0].lanes=4", "description=x y"],
                    "my_case", "four lanes at Chi Ma")  # fmt: skip
    file = tmp_path / "my_case.toml"
    file.write_text(text)
    checked = check(file)
    assert checked.problems == [] and checked.scenario.name == "my_case"
    stage = checked.scenario.crossings["chi_ma"].routes["export"].stages[0]
    assert stage.lanes == 4 and checked.scenario.description == "x y"
    assert main(["run", str(file), "--days", "4"]) == 0


def test_following_a_replication_changes_none_of_its_records():
    """The midnight wake-ups a progress bar asks for (sim.engine.progress) leave every record as it is."""
    import numpy as np

    from sim.engine.progress import reporting_progress
    from sim.engine.run import run_once
    from sim.scenario.files import load_scenario

    scenario = load_scenario("pre_tet_metered_staging", overrides={"horizon_days": 6})
    plain = run_once(scenario, 1)
    shares = []
    with reporting_progress(shares.append):
        followed = run_once(scenario, 1)
    assert shares == [d / 6 for d in range(1, 6)]  # each midnight before the horizon
    for table in ("trucks", "stages"):
        a, b = getattr(plain, table), getattr(followed, table)
        assert a.keys() == b.keys()
        for column in a:
            assert np.array_equal(a[column], b[column], equal_nan=True), (table, column)


def test_progress_comes_within_replications_in_worker_processes(tmp_path):
    seen = []
    study.run(
        "baseline", replications=2, days=DAYS, execution=study.Execution(workers=2, progress=seen.append)
    )
    assert any(0 < p.running < 2 for p in seen), "no share of a running replication was reported"
    fractions = [p.fraction for p in seen]
    assert fractions[-1] == 1.0 and all(0 <= f <= 1 for f in fractions)
