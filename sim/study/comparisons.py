"""Compare two scenarios (or two results folders) with common random numbers; tables of scenarios.

:func:`compare` returns the :class:`~sim.experiments.comparison.Comparison` (question check,
stability, every KPI's verdict), which faces render; with ``out`` it writes the comparison
folder (A's and B's results folders inside it, the sealed manifest, ``differences.csv``).
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from sim.experiments.comparison import (
    Comparison,
    TableResults,
    differences_csv,
    load_common,
    question_problems,
    run_kpis,
    table_results,
    table_rows,
)
from sim.experiments.comparison import (
    compare as compare_runs_of,
)
from sim.experiments.comparison_folder import ComparisonFolder, comparison_sources
from sim.experiments.confine import check_output_file
from sim.experiments.results_folder import ResultsFolder, input_paths
from sim.readouts.headline import HEADLINE, Headline
from sim.scenario.files import ScenarioError
from sim.scenario.overrides import parse_settings
from sim.scenario.schema import Scenario
from sim.study.execution import DEFAULT, Execution
from sim.study.runs import Stopped, check_days, run_scenario
from sim.version import __version__


@dataclass(frozen=True)
class ComparisonOutcome:
    """B against A: the scenarios, the comparison, and the folder written (if asked)."""

    a: Scenario
    b: Scenario
    comparison: Comparison
    replications: int
    folder: Path | None = None
    settings: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {"version": __version__, "settings": list(self.settings), **self.comparison.as_dict()}

    def lines(self) -> list[str]:
        """The comparison as ``compare`` prints it: both sides' dates, the warnings before any number,
        common random numbers, a sentence and a verdict per KPI, then the table."""
        from sim.experiments.comparison import comparison_markdown, statements
        from sim.experiments.question import dates

        sa, sb, result = self.a, self.b, self.comparison
        out = [f"bordersim {__version__} — B: {sb.name} ({dates(sb)}) against A: {sa.name} ({dates(sa)}), "
               f"{self.replications} paired replications"]  # fmt: skip
        out += [f"WARNING: {line}" for line in result.warnings()]
        out.append(
            f"Common random numbers: rng_seed {sa.rng_seed} for both."
            if result.common_random_numbers
            else f"Different rng_seeds ({sa.rng_seed}, {sb.rng_seed}): no common random numbers, wider "
            "intervals."
        )
        out += ["", *(f"- {line}" for line in statements(result.kpis, sa.name, sb.name)), ""]
        return [*out, comparison_markdown(result.kpis, sa.name, sb.name)]


def compare(
    a: str | Path,
    b: str | Path,
    *,
    replications: int = 10,
    days: int | None = None,
    rng_seed: int | None = None,
    settings: Sequence[str] = (),
    out: str | Path | None = None,
    records: bool = False,
    force: bool = False,
    resume: bool = False,
    all_kpis: bool = False,
    strict: bool = False,
    json_file: str | Path | None = None,
    root: str | Path | None = None,
    execution: Execution = DEFAULT,
) -> ComparisonOutcome:
    """What B changes against A, replication by replication with one ``rng_seed`` (A's, or
    ``rng_seed``). ``a`` and ``b`` are two scenarios (each run ``replications`` times, into
    ``out/a`` and ``out/b`` with ``out``) or two results folders (paired as they are).

    ``strict`` refuses (:class:`ScenarioError`) a pair that does not ask one question (period,
    horizon, warm-up, demand); ``all_kpis`` compares every KPI, not only the headline ones;
    ``root`` keeps folders read from a comparison inside a workspace.
    """
    folders = comparison_sources(a, b)
    parsed = parse_settings(list(settings))
    if folders and parsed:
        raise ScenarioError(
            [f"--set {parsed[0].text}: applies to scenarios, not to results folders (they are already run)"]
        )
    inputs = [*input_paths(str(a)), *input_paths(str(b))]
    if json_file:
        check_output_file(json_file, "--json", inputs, (".json",))
    # The comparison folder is checked and locked before any work: never over a run, an input
    # or a folder of other files, and never written by two processes at once.
    folder = ComparisonFolder.start(out, inputs) if out else None
    try:
        if folders:
            outcome = _compare_folders(a, b, strict, all_kpis, folder, execution)
        else:
            outcome = _compare_scenarios(
                a, b, replications, days, rng_seed, parsed, folder, records, force, resume, strict, all_kpis,
                execution,
            )  # fmt: skip
    finally:
        if folder is not None:
            folder.release()
    outcome = replace(outcome, settings=tuple(settings))
    if json_file:
        from sim.study.outputs import write_json

        write_json(json_file, outcome.as_dict())
    return outcome


def _refuse_other_question(strict: bool, pairs: list[tuple[Scenario, Scenario]]) -> None:
    """``strict``: a comparison of two different questions is refused before anything runs."""
    problems = question_problems(pairs)
    if strict and problems:
        raise ScenarioError(problems)


def _compare_folders(a, b, strict, all_kpis, out: ComparisonFolder | None, execution: Execution):
    fa, fb = ResultsFolder.open(a), ResultsFolder.open(b)
    sa, sb = fa.scenario(), fb.scenario()
    _refuse_other_question(strict, [(sa, sb)])
    runs_a, runs_b = fa.kpi_runs(), fb.kpi_runs()
    n = min(len(runs_a), len(runs_b))
    if len(runs_a) != len(runs_b):
        execution.say(
            f"bordersim: A has {len(runs_a)} replications and B {len(runs_b)}: pairing replications "
            f"0 to {n - 1} of each only (the other {abs(len(runs_a) - len(runs_b))} of "
            f"{'A' if len(runs_a) > n else 'B'} are left out)"
        )
    runs_a, runs_b = runs_a[:n], runs_b[:n]
    extra = {"replications": n, "replications_a": len(fa.replications()),
             "replications_b": len(fb.replications()), "version": __version__}  # fmt: skip
    return _finish(sa, sb, runs_a, runs_b, all_kpis, out, (Path(a), Path(b)), extra)


def _compare_scenarios(
    a, b, n, days, rng_seed, settings, out: ComparisonFolder | None, records, force, resume, strict, all_kpis,
    execution: Execution,
):  # fmt: skip
    sa, sb = load_common([a, b], days=days, rng_seed=rng_seed, settings=settings)
    check_days(sa)
    check_days(sb)
    _refuse_other_question(strict, [(sa, sb)])
    workers = execution.workers_for(n)
    if out is None:
        with execution.tracking("compare", 2 * n):
            runs_a = run_kpis(sa, n, workers, execution.scheduler)
            runs_b = run_kpis(sb, n, workers, execution.scheduler)
        return _finish(sa, sb, runs_a, runs_b, all_kpis, None, None, {})
    runs = []
    command = ["compare", str(a), str(b), "--out", str(out.path), "--replications", str(n)]
    command += [w for x in settings for w in ("--set", x.text)]
    for label, s, src in (("a", sa, a), ("b", sb, b)):
        try:
            done = run_scenario(s, str(src), n, [x.text for x in settings], out.path / label, resume, force,
                                records, None, None, command, execution, warn=False)  # fmt: skip
        except Stopped as stop:
            stop.command = "bordersim " + shlex.join(command) + " --resume"
            raise
        runs.append(done.runs)
    extra = {"replications": n, "version": __version__}
    return _finish(sa, sb, runs[0], runs[1], all_kpis, out, (out.path / "a", out.path / "b"), extra)


def _finish(sa, sb, runs_a, runs_b, all_kpis, out, where, extra) -> ComparisonOutcome:
    keys = list(runs_a[0]) if all_kpis else [h.key for h in HEADLINE]
    result = compare_runs_of(sa, sb, runs_a, runs_b, keys)
    if out is not None:  # every KPI's verdict in differences.csv, then the sealed manifest
        out.write(where[0], where[1], differences_csv(compare_runs_of(sa, sb, runs_a, runs_b).kpis), extra)
    return ComparisonOutcome(sa, sb, result, len(runs_a), None if out is None else out.path)


def table(
    scenarios: Sequence[str | Path],
    *,
    baseline: str | Path | None = None,
    replications: int = 10,
    days: int | None = None,
    settings: Sequence[str] = (),
    kpis: Sequence[str] = (),
    strict: bool = False,
    out: str | Path | None = None,
    block: str | None = None,
    json_file: str | Path | None = None,
    execution: Execution = DEFAULT,
) -> TableResults:
    """Each scenario's headline KPIs (or ``kpis``) and its paired difference from the scenario it
    extends (or from ``baseline``), every row with one ``rng_seed``. ``out`` names a Markdown file
    whose table block (``block``: a named one) is replaced, ``json_file`` a JSON file; both are
    checked before any work."""
    from sim.experiments.comparison import table_json, table_markdown, update_file

    references = [*scenarios, *([baseline] if baseline else [])]
    inputs = [p for ref in references for p in input_paths(str(ref))]
    if out:  # a Markdown file with the markers (its own kind), never an input
        check_output_file(out, "--out", inputs)
    if json_file:
        check_output_file(json_file, "--json", inputs, (".json",))
    columns = [Headline(key, key) for key in kpis] if kpis else HEADLINE
    workers = execution.workers or (os.cpu_count() or 1)
    total = replications * len(table_rows(scenarios, baseline)[0])
    with execution.tracking("table", total):
        results = table_results(
            scenarios, baseline, replications, days, workers, execution.scheduler,
            columns=columns, settings=parse_settings(list(settings)), strict=strict,
        )  # fmt: skip
    if json_file:
        from sim.study.outputs import write_json

        write_json(json_file, {"version": __version__, **table_json(results)})
    if out:
        update_file(out, table_markdown(results), block)
    return results
