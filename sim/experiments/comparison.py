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
from sim.scenario.files import ScenarioError, read_chain, resolve
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
    """The runs behind a scenario table: each row's scenario, its KPIs per replication, and the row
    it is compared with (``parents[i]``, an index into ``scenarios``; None for a reference row)."""

    scenarios: list[Scenario]
    runs: list[list[dict[str, float]]]
    columns: list[Headline]
    replications: int
    days: int | None
    settings: list[Setting]
    parents: list[int | None] | None = None  # None: row 0 is the reference of every other row

    def compared_with(self) -> list[int | None]:
        """For each row, the index of the row it is compared with (None: a reference)."""
        if self.parents is not None:
            return list(self.parents)
        return [None] + [0] * (len(self.scenarios) - 1)

    def comparisons(self) -> list[list[KpiComparison]]:
        keys = [h.key for h in self.columns]
        return [
            compare_runs(self.runs[i if p is None else p], r, keys)
            for i, (r, p) in enumerate(zip(self.runs, self.compared_with(), strict=True))
        ]


def table_rows(
    paths: Sequence[str | Path], baseline: str | Path | None = None
) -> tuple[list[Path], list[int | None]]:
    """The files of a scenario table in row order and, for each, the row it is compared with.

    With ``baseline`` (the old behaviour): the baseline first, as the one reference of every
    other row. Without: each scenario is compared with **its parent**, the file it
    ``extends`` directly; a parent that is not among ``paths`` is added as a row just before
    its first child, and a row whose parent is not in the table (a root, which extends
    nothing, or an added parent) is a reference. Files listed twice (a glob that includes a
    parent) appear once.
    """
    if baseline is not None:
        reference = resolve(str(baseline)).resolve()
        rest = [resolve(str(p)).resolve() for p in paths]
        files = [reference, *dict.fromkeys(p for p in rest if p != reference)]
        return files, [None] + [0] * (len(files) - 1)
    listed = list(dict.fromkeys(resolve(str(p)).resolve() for p in paths))
    parent_of: dict[Path, Path | None] = {}
    for p in listed:
        chain = read_chain(p)
        parent_of[p] = chain[1][0].resolve() if len(chain) > 1 else None
    files: list[Path] = []
    for p in listed:
        parent = parent_of[p]
        if parent is not None and parent not in listed and parent not in files:
            files.append(parent)  # an added parent: a reference row
        files.append(p)
    index = {f: i for i, f in enumerate(files)}
    parents = [None if parent_of.get(f) is None else index[parent_of[f]] for f in files]
    return files, parents


def table_results(
    paths: Sequence[str | Path],
    baseline: str | Path | None = None,
    replications: int = 10,
    days: int | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    on_done: Callable[[], object] | None = None,
    columns: Sequence[Headline] = HEADLINE,
    settings: Sequence[Setting] = (),
) -> TableResults:
    """Run every row of the table with one ``rng_seed`` (see :func:`scenario_table`)."""
    files, parents = table_rows(paths, baseline)
    ref = parents.index(None)  # the first reference row: its seed is every row's
    seed = load_with_settings(str(files[ref]), settings).rng_seed
    scenarios = load_common(files, days=days, rng_seed=seed, settings=settings)
    keys = [h.key for h in columns]
    runs: list[list[dict[str, float]] | None] = [None] * len(scenarios)
    runs[ref] = run_kpis(scenarios[ref], replications, workers, scheduler, on_done)
    unknown = [k for k in keys if k not in runs[ref][0]]  # checked before running the others
    if unknown:
        raise ScenarioError(
            [
                f"--kpi {k}: expected a KPI of {scenarios[ref].name}, such as cleared_per_day or "
                f"backlog_growth_per_day.<crossing> (sim/kpis.py lists them)"
                for k in unknown
            ]
        )
    for i, s in enumerate(scenarios):
        if runs[i] is None:
            runs[i] = run_kpis(s, replications, workers, scheduler, on_done)
    return TableResults(scenarios, runs, list(columns), replications, days, list(settings), parents)


def scenario_table(
    paths: Sequence[str | Path],
    baseline: str | Path | None = None,
    replications: int = 10,
    days: int | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    on_done: Callable[[], object] | None = None,
    columns: Sequence[Headline] = HEADLINE,
    settings: Sequence[Setting] = (),
) -> str:
    """KPIs of each scenario and its paired difference from the scenario it is compared with, as Markdown.

    Each scenario is compared with its parent, the file it ``extends`` (:func:`table_rows`),
    or, given ``baseline``, every scenario with that one. Every row runs with one
    ``rng_seed``, the first reference row's (common random numbers: replication ``r`` of
    each row uses the same seeds), for ``replications`` replications of ``days`` days
    (default: each file's horizon). The text depends only on the inputs: the same inputs
    give a byte-identical table, whatever ``workers`` or ``scheduler``. ``on_done()`` is
    called after each replication (a progress bar). ``columns``: the headline KPIs, or
    others (e.g. ``backlog_growth_per_day.<crossing>`` to see which crossing saturates).
    ``settings`` (``--set``) apply to every scenario.
    """
    results = table_results(
        paths, baseline, replications, days, workers, scheduler, on_done, columns, settings
    )
    return table_markdown(results)


def table_markdown(results: TableResults) -> str:
    """The Markdown of a scenario table (see :func:`scenario_table`)."""
    columns = results.columns
    parents = results.compared_with()
    base = results.scenarios[parents.index(None)]
    header = "| scenario | compared with | " + " | ".join(h.label for h in columns) + " |"
    rule = "|---|---|" + "---:|" * len(columns)
    lines = [header, rule]
    for s, comparisons, p in zip(results.scenarios, results.comparisons(), parents, strict=True):
        cells = []
        for c, h in zip(comparisons, columns, strict=True):
            value = _number(c.b.mean * h.scale, h.digits)
            if p is not None:
                diff = format_difference(c.paired, h)
                value += f" ({'**' + diff + '**' if c.paired.significant else diff})"
            cells.append(value)
        name = s.name + (" (reference)" if p is None else "")
        against = "–" if p is None else results.scenarios[p].name
        lines.append(f"| {name} | {against} | " + " | ".join(cells) + " |")
    days = results.days
    horizon = f"{days} days" if days is not None else "each scenario's horizon"
    if results.settings:
        horizon += ", with " + ", ".join(f"`--set {x.text}`" for x in results.settings)
    lines += [
        "",
        f"{results.replications} replications of {horizon} with rng_seed {base.rng_seed}, common random "
        f"numbers. Value: mean over replications (after each scenario's warm-up); in brackets: paired "
        f"difference from the scenario in 'compared with' ± 95% CI half-width, **bold** where the "
        f"interval excludes zero.",
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
    """A scenario table as data: each scenario's KPIs and paired differences from the row it is
    compared with (``compared_with``; None for a reference row). ``baseline``: the first reference."""
    parents = results.compared_with()
    base = results.scenarios[parents.index(None)]
    return {
        "baseline": base.name,
        "rng_seed": base.rng_seed,
        "replications": results.replications,
        "days": results.days,
        "settings": [x.text for x in results.settings],
        "scenarios": [
            {
                "name": s.name,
                "reference": p is None,
                "compared_with": None if p is None else results.scenarios[p].name,
                "kpis": comparison_json(c),
            }
            for s, c, p in zip(results.scenarios, results.comparisons(), parents, strict=True)
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
    from sim.scenario.files import read_bounded
    from sim.scenario.limits import MAX_INPUT_BYTES

    path = Path(file)
    try:
        text = read_bounded(path, MAX_INPUT_BYTES, "Markdown file").decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError([f"{path}: cannot be read: not UTF-8 text"]) from None
    write_atomic(path, replace_block(text, block, str(path), block_name))
