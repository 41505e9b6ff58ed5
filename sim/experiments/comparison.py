"""Comparing scenarios with common random numbers: paired differences, plain statements, tables.

Scenarios are compared replication by replication: replication ``r`` of every
scenario uses the random streams of ``(rng_seed, r)`` with the *same*
``rng_seed``, and each source of randomness has its own named stream
(:mod:`sim.randomness`), so two scenarios that share demand see the same
trucks. The difference ``b - a`` of each replication then varies much less
than either run, and its paired Student-t interval (:func:`sim.analysis.paired_difference`)
is narrower than the unpaired one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sim.engine.run import run_once
from sim.experiments.analysis import Difference, paired_difference, unpaired_difference
from sim.experiments.atomic import write_atomic
from sim.experiments.replications import Estimate, estimate, run_replications
from sim.readouts.headline import HEADLINE, Headline, with_derived
from sim.readouts.kpis import kpis
from sim.scenario.files import ScenarioError, resolve
from sim.scenario.overrides import Setting, load_with_settings
from sim.scenario.schema import Scenario

TABLE_START = "<!-- bordersim table start -->"
TABLE_END = "<!-- bordersim table end -->"


@dataclass(frozen=True)
class KpiComparison:
    """One KPI of two scenarios: each one's estimate and the difference ``b - a``."""

    key: str
    a: Estimate
    b: Estimate
    paired: Difference
    unpaired: Difference


def compare_runs(
    runs_a: Sequence[dict[str, float]], runs_b: Sequence[dict[str, float]], keys: Sequence[str] | None = None
) -> list[KpiComparison]:
    """Compare the KPIs of paired replications (``runs_a[i]`` with ``runs_b[i]``)."""
    if len(runs_a) != len(runs_b):
        raise ValueError(
            f"paired comparison needs as many replications of each, got {len(runs_a)} and {len(runs_b)}"
        )
    if keys is None:
        keys = [k for k in runs_a[0] if k in runs_b[0]] if runs_a else []
    out = []
    for k in keys:
        a = [r.get(k, math.nan) for r in runs_a]
        b = [r.get(k, math.nan) for r in runs_b]
        out.append(
            KpiComparison(k, estimate(a), estimate(b), paired_difference(a, b), unpaired_difference(a, b))
        )
    return out


def headline_kpis_of(scenario: Scenario, replication: int) -> dict[str, float]:
    """KPIs of one replication with the derived headline KPIs (a worker's unit of work)."""
    return with_derived(kpis(run_once(scenario, replication)))


def run_kpis(
    scenario: Scenario,
    replications: int,
    workers: int = 1,
    scheduler: str | None = None,
    on_done: Callable[[], object] | None = None,
) -> list[dict[str, float]]:
    """Headline-ready KPIs of replications ``0..replications-1``, in order; ``on_done()`` after each."""
    out = {}
    for r, k in run_replications(headline_kpis_of, scenario, range(replications), workers, scheduler):
        out[r] = k
        if on_done is not None:
            on_done()
    return [out[r] for r in range(replications)]


def load_common(
    sources: Sequence[str | Path],
    days: int | None = None,
    rng_seed: int | None = None,
    settings: Sequence[Setting] = (),
) -> list[Scenario]:
    """Load scenarios for a paired comparison: all with the first one's ``rng_seed`` (or ``rng_seed``).

    ``settings`` (``--set path=value``) apply to every scenario.
    """
    overrides: dict = {} if days is None else {"horizon_days": days}
    if rng_seed is None:
        first = load_with_settings(str(sources[0]), settings, overrides)
        rng_seed = first.rng_seed
    overrides["rng_seed"] = rng_seed
    return [load_with_settings(str(src), settings, overrides) for src in sources]


# -- text ---------------------------------------------------------------------------------------------
def _number(x: float, digits: int, sign: bool = False) -> str:
    if math.isnan(x):
        return "–"
    if round(x, digits) == 0:
        x = 0.0
    return f"{x:+,.{digits}f}" if sign else f"{x:,.{digits}f}"


def format_difference(d: Difference, h: Headline) -> str:
    """``+12.3 ± 4.5`` in the headline's unit (the half-width omitted when unknown)."""
    text = _number(d.mean * h.scale, h.digits, sign=True)
    if not math.isnan(d.half_width):
        text += f" ± {_number(d.half_width * h.scale, h.digits)}"
    return text


def headline_for(key: str) -> Headline:
    for h in HEADLINE:
        if h.key == key:
            return h
    digits = 1 if key.endswith("_per_day") or "backlog" in key else 2
    scale = 100.0 if key.endswith("_share") or key.startswith("utilisation.") else 1.0
    return Headline(key, key + (" %" if scale == 100.0 else ""), digits, scale)


def statements(comparisons: Sequence[KpiComparison], name_a: str, name_b: str) -> list[str]:
    """One plain sentence per KPI: what B changes against A, and whether it is real."""
    out = []
    for c in comparisons:
        h = headline_for(c.key)
        d = c.paired
        if math.isnan(d.mean):
            out.append(f"{h.label}: not available in both scenarios.")
            continue
        a_text = _number(c.a.mean * h.scale, h.digits)
        b_text = _number(c.b.mean * h.scale, h.digits)
        low, high = _number(d.low * h.scale, h.digits, True), _number(d.high * h.scale, h.digits, True)
        interval = f"95% CI {low} to {high}" if not math.isnan(d.half_width) else "no CI with one replication"
        if d.significant:
            word = "higher" if d.mean > 0 else "lower"
            out.append(
                f"{h.label}: {name_b} is {word} than {name_a} by {_number(abs(d.mean) * h.scale, h.digits)} "
                f"({b_text} against {a_text}; {interval}): a real difference."
            )
        elif d.mean == 0 and d.half_width == 0:
            out.append(f"{h.label}: identical in both ({a_text}).")
        else:
            out.append(
                f"{h.label}: no significant difference ({b_text} against {a_text}; "
                f"difference {_number(d.mean * h.scale, h.digits, True)}, {interval})."
            )
    return out


def comparison_markdown(comparisons: Sequence[KpiComparison], name_a: str, name_b: str) -> str:
    """A Markdown table: A, B, the paired difference with its CI, and whether it is significant."""
    lines = [
        f"| KPI | {name_a} (A) | {name_b} (B) | B − A, paired 95% CI | unpaired 95% CI | significant |",
        "|---|---:|---:|---:|---:|:---:|",
    ]
    for c in comparisons:
        h = headline_for(c.key)
        lines.append(
            f"| {h.label} | {_estimate_text(c.a, h)} | {_estimate_text(c.b, h)} | "
            f"{format_difference(c.paired, h)} | ± {_number(c.unpaired.half_width * h.scale, h.digits)} | "
            f"{'yes' if c.paired.significant else 'no'} |"
        )
    return "\n".join(lines)


def _estimate_text(e: Estimate, h: Headline) -> str:
    text = _number(e.mean * h.scale, h.digits)
    if not math.isnan(e.half_width):
        text += f" ± {_number(e.half_width * h.scale, h.digits)}"
    return text


# -- the scenario table ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class TableResults:
    """The runs behind a scenario table: the baseline first, each scenario's KPIs per replication."""

    scenarios: list[Scenario]
    runs: list[list[dict[str, float]]]
    columns: list[Headline]
    replications: int
    days: int | None
    settings: list[Setting]

    def comparisons(self) -> list[list[KpiComparison]]:
        keys = [h.key for h in self.columns]
        return [compare_runs(self.runs[0], r, keys) for r in self.runs]


def table_results(
    paths: Sequence[str | Path],
    baseline: str | Path = "baseline",
    replications: int = 10,
    days: int | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    on_done: Callable[[], object] | None = None,
    columns: Sequence[Headline] = HEADLINE,
    settings: Sequence[Setting] = (),
) -> TableResults:
    """Run the baseline and each scenario with the baseline's ``rng_seed`` (see :func:`scenario_table`)."""
    # The baseline is the reference row: a glob such as scenarios/*.toml that includes it
    # must not list it a second time.
    reference = resolve(str(baseline)).resolve()
    paths = [p for p in paths if resolve(str(p)).resolve() != reference]
    scenarios = load_common([baseline, *paths], days=days, settings=settings)
    base = scenarios[0]
    runs = [run_kpis(base, replications, workers, scheduler, on_done)]
    keys = [h.key for h in columns]
    unknown = [k for k in keys if k not in runs[0][0]]  # checked before running the others
    if unknown:
        raise ScenarioError(
            [
                f"--kpi {k}: expected a KPI of {base.name}, such as cleared_per_day or "
                f"backlog_growth_per_day.<crossing> (sim/kpis.py lists them)"
                for k in unknown
            ]
        )
    runs += [run_kpis(s, replications, workers, scheduler, on_done) for s in scenarios[1:]]
    return TableResults(scenarios, runs, list(columns), replications, days, list(settings))


def scenario_table(
    paths: Sequence[str | Path],
    baseline: str | Path = "baseline",
    replications: int = 10,
    days: int | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    on_done: Callable[[], object] | None = None,
    columns: Sequence[Headline] = HEADLINE,
    settings: Sequence[Setting] = (),
) -> str:
    """KPIs of each scenario and its paired difference against the baseline, as Markdown.

    Every scenario runs with the baseline's ``rng_seed`` (common random numbers)
    for ``replications`` replications of ``days`` days (default: each file's
    horizon). The text depends only on the inputs: the same inputs give a
    byte-identical table, whatever ``workers`` or ``scheduler``. ``on_done()`` is called
    after each replication (a progress bar). ``columns``: the headline KPIs, or others
    (e.g. ``backlog_growth_per_day.<crossing>`` to see which crossing saturates).
    ``settings`` (``--set``) apply to every scenario.
    """
    results = table_results(
        paths, baseline, replications, days, workers, scheduler, on_done, columns, settings
    )
    return table_markdown(results)


def table_markdown(results: TableResults) -> str:
    """The Markdown of a scenario table (see :func:`scenario_table`)."""
    columns, base = results.columns, results.scenarios[0]
    header = "| scenario | " + " | ".join(h.label for h in columns) + " |"
    rule = "|---|" + "---:|" * len(columns)
    lines = [header, rule]
    for i, (s, comparisons) in enumerate(zip(results.scenarios, results.comparisons(), strict=True)):
        cells = []
        for c, h in zip(comparisons, columns, strict=True):
            value = _number(c.b.mean * h.scale, h.digits)
            if i > 0:
                diff = format_difference(c.paired, h)
                value += f" ({'**' + diff + '**' if c.paired.significant else diff})"
            cells.append(value)
        name = s.name + (" (reference)" if i == 0 else "")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    days = results.days
    horizon = f"{days} days" if days is not None else "each scenario's horizon"
    if results.settings:
        horizon += ", with " + ", ".join(f"`--set {x.text}`" for x in results.settings)
    lines += [
        "",
        f"{results.replications} replications of {horizon} with rng_seed {base.rng_seed}, common random "
        f"numbers. Value: mean over replications (after each scenario's warm-up); in brackets: paired "
        f"difference from {base.name} ± 95% CI half-width, **bold** where the interval excludes zero.",
    ]
    return "\n".join(lines) + "\n"


def comparison_json(comparisons: Sequence[KpiComparison]) -> list[dict[str, object]]:
    """Each KPI of a comparison as plain numbers (NaN where unknown): A, B and B − A with CIs."""
    return [
        {
            "kpi": c.key,
            "a": {"mean": c.a.mean, "half_width": c.a.half_width, "n": c.a.n},
            "b": {"mean": c.b.mean, "half_width": c.b.half_width, "n": c.b.n},
            "difference": {
                "mean": c.paired.mean,
                "half_width": c.paired.half_width,
                "low": c.paired.low,
                "high": c.paired.high,
                "p_value": c.paired.p_value,
                "significant": bool(c.paired.significant),
            },
            "unpaired_half_width": c.unpaired.half_width,
        }
        for c in comparisons
    ]


def table_json(results: TableResults) -> dict[str, object]:
    """A scenario table as data: each scenario's KPIs and paired differences from the baseline."""
    base = results.scenarios[0]
    return {
        "baseline": base.name,
        "rng_seed": base.rng_seed,
        "replications": results.replications,
        "days": results.days,
        "settings": [x.text for x in results.settings],
        "scenarios": [
            {"name": s.name, "reference": i == 0, "kpis": comparison_json(c)}
            for i, (s, c) in enumerate(zip(results.scenarios, results.comparisons(), strict=True))
        ],
    }


def markers(block_name: str | None = None) -> tuple[str, str]:
    """The start and end markers of a generated table (``block_name`` for a second table)."""
    if block_name is None:
        return TABLE_START, TABLE_END
    return f"<!-- bordersim table {block_name} start -->", f"<!-- bordersim table {block_name} end -->"


def replace_block(text: str, block: str, name: str = "file", block_name: str | None = None) -> str:
    """``text`` with what lies between the table markers replaced by ``block``."""
    start, end = markers(block_name)
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    found = pattern.findall(text)
    if len(found) != 1:
        what = "missing" if not found else f"present {len(found)} times"
        raise ScenarioError([f"{name}: the markers {start} ... {end} are {what}: expected exactly one pair"])
    return pattern.sub(lambda _: f"{start}\n{block.rstrip()}\n{end}", text)


def update_file(file: str | Path, block: str, block_name: str | None = None) -> None:
    """Replace the block between the markers in ``file``, atomically."""
    path = Path(file)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ScenarioError([f"{path}: cannot be read: {err.strerror or err}"]) from None
    write_atomic(path, replace_block(text, block, str(path), block_name))
