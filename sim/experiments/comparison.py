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
from sim.experiments.question import QuestionDifference, question_differences
from sim.experiments.replications import Estimate, estimate, run_replications
from sim.experiments.stability import Stability, is_censorable, stability
from sim.readouts.headline import HEADLINE, Headline, smallest_field, with_derived
from sim.readouts.kpis import kpis
from sim.scenario.files import ScenarioError, load_with_settings, read_chain, resolve
from sim.scenario.overrides import Setting
from sim.scenario.schema import Scenario, SmallestDifference

TABLE_START = "<!-- bordersim table start -->"
TABLE_END = "<!-- bordersim table end -->"


# What a paired difference says, given the smallest difference that matters.
REAL = "real"  # the interval excludes zero and the difference reaches the smallest that matters
SMALL = "small"  # the interval excludes zero, the difference is below it
NONE = "none"  # the interval includes zero
IDENTICAL = "identical"  # the same in every replication
DETECTABLE = "detectable"  # the interval excludes zero; no smallest difference is set for the KPI
UNBOUNDED = "unbounded"  # censored figures that bound the difference on the side that cannot settle it
UNAVAILABLE = "unavailable"  # not computed in both
VERDICT_WORDS = {
    REAL: "a real difference",
    SMALL: "detectable but small",
    NONE: "no detectable difference",
    IDENTICAL: "identical",
    DETECTABLE: "a detectable difference",
    UNBOUNDED: "not known (censored: lower bounds)",
    UNAVAILABLE: "not available",
}


@dataclass(frozen=True)
class KpiComparison:
    """One KPI of two scenarios: each one's estimate, the difference ``b - a``, and what it means.

    ``smallest`` is the smallest difference that matters, in the KPI's own unit (NaN: none is
    set); ``a_censored``/``b_censored`` mark estimates that are lower bounds (:mod:`stability`).
    """

    key: str
    a: Estimate
    b: Estimate
    paired: Difference
    unpaired: Difference
    smallest: float = math.nan
    a_censored: bool = False
    b_censored: bool = False

    @property
    def verdict(self) -> str:
        """:data:`REAL`, :data:`SMALL`, :data:`NONE`, :data:`IDENTICAL`, :data:`DETECTABLE`,
        :data:`UNBOUNDED` or :data:`UNAVAILABLE`."""
        d = self.paired
        if math.isnan(d.mean):
            return UNAVAILABLE
        if d.mean == 0 and d.half_width == 0:
            return IDENTICAL
        if not d.significant:
            verdict = NONE
        elif math.isnan(self.smallest):
            verdict = DETECTABLE
        else:
            verdict = REAL if abs(d.mean) >= self.smallest else SMALL
        # A censored side makes B − A a bound: only B censored, the true difference is larger;
        # only A, smaller. A verdict stands only where the bound points away from zero and past
        # the smallest difference that matters (both censored: nothing is known).
        bound = self.bound
        if bound is None:
            return verdict
        supported = (bound == "lower" and d.mean > 0) or (bound == "upper" and d.mean < 0)
        return verdict if supported and verdict in (REAL, DETECTABLE) else UNBOUNDED

    @property
    def real(self) -> bool:
        return self.verdict == REAL

    @property
    def bound(self) -> str | None:
        """``"lower"`` when only B is censored (B − A can only be larger), ``"upper"`` when only A
        is, ``"none"`` when both are; None when neither."""
        if self.a_censored and self.b_censored:
            return "none"
        if self.b_censored:
            return "lower"
        if self.a_censored:
            return "upper"
        return None

    @property
    def could_matter(self) -> bool:
        """No detectable difference, but the interval still reaches a difference that matters."""
        d = self.paired
        return (
            self.verdict == NONE
            and not math.isnan(self.smallest)
            and not math.isnan(d.half_width)
            and max(abs(d.low), abs(d.high)) >= self.smallest
        )


def smallest_of(key: str, smallest: SmallestDifference | None = None) -> float:
    """The smallest difference of ``key`` that matters, in the KPI's own unit (NaN: none set)."""
    field = smallest_field(key)
    if field is None:
        return math.nan
    return getattr(smallest or SmallestDifference(), field) / headline_for(key).scale


def compare_runs(
    runs_a: Sequence[dict[str, float]],
    runs_b: Sequence[dict[str, float]],
    keys: Sequence[str] | None = None,
    smallest: SmallestDifference | None = None,
    censored: tuple[bool, bool] = (False, False),
) -> list[KpiComparison]:
    """Compare the KPIs of paired replications (``runs_a[i]`` with ``runs_b[i]``).

    ``smallest``: the smallest differences that matter (default: the schema's defaults);
    ``censored``: whether A's and B's time-in-system figures are lower bounds.
    """
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
        flag = is_censorable(k)
        out.append(
            KpiComparison(
                k,
                estimate(a),
                estimate(b),
                paired_difference(a, b),
                unpaired_difference(a, b),
                smallest_of(k, smallest),
                flag and censored[0],
                flag and censored[1],
            )
        )
    return out


@dataclass(frozen=True)
class Comparison:
    """A paired comparison of B against A, with everything a reader must be told first.

    ``question`` lists what A and B do not share (period, horizon, warm-up, demand: empty when
    they ask the same question); ``stability_a``/``stability_b`` say whether each is unstable or
    censored; ``kpis`` carry each KPI's verdict. The CLI, the reports and the workbench render
    these fields; they do not recompute them.
    """

    name_a: str
    name_b: str
    kpis: list[KpiComparison]
    question: list[QuestionDifference]
    stability_a: Stability
    stability_b: Stability
    replications: int
    rng_seeds: tuple[int, int]
    smallest: SmallestDifference

    @property
    def common_random_numbers(self) -> bool:
        return self.rng_seeds[0] == self.rng_seeds[1]

    @property
    def same_question(self) -> bool:
        return not self.question

    def warnings(self) -> list[str]:
        """What must be read before any number: a different question, instability, censoring."""
        out = [f"Not the same question — {q.text}." for q in self.question]
        out += self.stability_a.lines(f"A ({self.name_a})") + self.stability_b.lines(f"B ({self.name_b})")
        return out

    def as_dict(self) -> dict[str, object]:
        """Plain data (NaN where unknown): the question check, stability and every KPI's verdict."""
        return {
            "a": self.name_a,
            "b": self.name_b,
            "paired_replications": self.replications,
            "rng_seeds": list(self.rng_seeds),
            "common_random_numbers": self.common_random_numbers,
            "same_question": self.same_question,
            "question": [
                {"part": q.part, "a": q.a, "b": q.b, "text": q.text, "fields": list(q.fields)}
                for q in self.question
            ],
            "stability": {"a": self.stability_a.as_dict(), "b": self.stability_b.as_dict()},
            "warnings": self.warnings(),
            "kpis": comparison_json(self.kpis),
        }


def compare(
    a: Scenario,
    b: Scenario,
    runs_a: Sequence[dict[str, float]],
    runs_b: Sequence[dict[str, float]],
    keys: Sequence[str] | None = None,
) -> Comparison:
    """Compare B with A: the question check, each one's stability and the paired KPIs.

    The smallest differences that matter are A's (the reference's) ``reporting.smallest_difference``.
    """
    n = min(len(runs_a), len(runs_b))
    runs_a, runs_b = list(runs_a)[:n], list(runs_b)[:n]
    sa, sb = stability(runs_a, a), stability(runs_b, b)
    if keys is None:
        keys = [k for k in runs_a[0] if k in runs_b[0]] if runs_a else []
    keys = [k for k in keys if runs_a and k in runs_a[0] and k in runs_b[0]]
    smallest = a.reporting.smallest_difference
    kpis_ = compare_runs(runs_a, runs_b, keys, smallest, (sa.is_censored, sb.is_censored))
    return Comparison(
        a.name, b.name, kpis_, question_differences(a, b), sa, sb, n, (a.rng_seed, b.rng_seed), smallest
    )


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
MAX_DECIMALS = 4


def decimals_for(half_width: float, default: int) -> int:
    """Decimals that show a number to its meaningful digits: two significant digits of its 95%
    half-width (``± 0.004`` rather than ``± 0.00``; ``2,266 ± 191`` rather than ``2,266.4 ± 190.8``);
    ``default`` when the half-width is unknown or zero."""
    if math.isnan(half_width) or half_width <= 0 or math.isinf(half_width):
        return default
    return min(MAX_DECIMALS, max(0, 1 - math.floor(math.log10(half_width))))


def _number(x: float, digits: int, sign: bool = False) -> str:
    if math.isnan(x):
        return "–"
    if round(x, digits) == 0:
        x = 0.0
    return f"{x:+,.{digits}f}" if sign else f"{x:,.{digits}f}"


def _mark(censored: bool) -> str:
    return "≥ " if censored else ""


def _difference_mark(c: KpiComparison) -> str:
    return {"lower": "≥ ", "upper": "≤ "}.get(c.bound or "", "")


def format_difference(d: Difference, h: Headline) -> str:
    """``+12.3 ± 4.5`` in the headline's unit, to its meaningful digits (no half-width when unknown)."""
    digits = decimals_for(d.half_width * h.scale, h.digits)
    text = _number(d.mean * h.scale, digits, sign=True)
    if not math.isnan(d.half_width):
        text += f" ± {_number(d.half_width * h.scale, digits)}"
    return text


def headline_for(key: str) -> Headline:
    for h in HEADLINE:
        if h.key == key:
            return h
    digits = 1 if key.endswith("_per_day") or "backlog" in key else 2
    scale = 100.0 if key.endswith("_share") or key.startswith("utilisation.") else 1.0
    return Headline(key, key + (" %" if scale == 100.0 else ""), digits, scale, smallest_field(key))


def _plain(x: float) -> str:
    """A threshold as typed: ``10``, ``0.5``, ``1,000``."""
    return f"{x:,.4f}".rstrip("0").rstrip(".")


def smallest_text(c: KpiComparison) -> str:
    """The smallest difference that matters, in the unit printed (empty when none is set)."""
    return "" if math.isnan(c.smallest) else _plain(c.smallest * headline_for(c.key).scale)


def statements(comparisons: Sequence[KpiComparison], name_a: str, name_b: str) -> list[str]:
    """One plain sentence per KPI: what B changes against A, and whether it is real and matters."""
    out = []
    for c in comparisons:
        h = headline_for(c.key)
        d = c.paired
        verdict = c.verdict
        if verdict == UNAVAILABLE:
            out.append(f"{h.label}: not available in both scenarios.")
            continue
        digits = decimals_for(d.half_width * h.scale, h.digits)
        a_text = _mark(c.a_censored) + _number(c.a.mean * h.scale, digits)
        b_text = _mark(c.b_censored) + _number(c.b.mean * h.scale, digits)
        if verdict == IDENTICAL:
            out.append(f"{h.label}: identical in both ({a_text}).")
            continue
        low, high = _number(d.low * h.scale, digits, True), _number(d.high * h.scale, digits, True)
        interval = f"95% CI {low} to {high}" if not math.isnan(d.half_width) else "no CI with one replication"
        matters = smallest_text(c)
        size = _number(abs(d.mean) * h.scale, digits)
        word = "higher" if d.mean > 0 else "lower"
        if verdict == UNBOUNDED:
            out.append(
                f"{h.label}: not known ({b_text} against {a_text}): censored figures are lower bounds, "
                "and here they cannot settle the difference; run longer or read the backlog."
            )
        elif verdict in (REAL, SMALL, DETECTABLE):
            meaning = {
                REAL: f"a real difference (at least {matters}, the smallest that matters)",
                SMALL: f"detectable but small (under {matters}, the smallest that matters)",
                DETECTABLE: "detectable; no smallest difference that matters is set for this KPI",
            }[verdict]
            out.append(
                f"{h.label}: {name_b} is {word} than {name_a} by {_difference_mark(c)}{size} "
                f"({b_text} against {a_text}; {interval}): {meaning}."
            )
        else:
            tail = (
                f"; the interval still reaches {matters}, the smallest that matters: more replications "
                "would tell"
                if c.could_matter
                else ""
            )
            out.append(
                f"{h.label}: no detectable difference ({b_text} against {a_text}; difference "
                f"{_number(d.mean * h.scale, digits, True)}, {interval}){tail}."
            )
    return out


def comparison_markdown(comparisons: Sequence[KpiComparison], name_a: str, name_b: str) -> str:
    """A Markdown table: A, B, the paired difference with its CI, and what it means.

    ``≥`` marks a censored estimate (a lower bound) and, on B − A, a bound of the difference.
    """
    lines = [
        f"| KPI | {name_a} (A) | {name_b} (B) | B − A, paired 95% CI | unpaired 95% CI | smallest that "
        "matters | verdict |",
        "|---|---:|---:|---:|---:|---:|:---|",
    ]
    for c in comparisons:
        h = headline_for(c.key)
        digits = decimals_for(c.unpaired.half_width * h.scale, h.digits)
        lines.append(
            f"| {h.label} | {_mark(c.a_censored)}{estimate_text(c.a, h)} | "
            f"{_mark(c.b_censored)}{estimate_text(c.b, h)} | {_difference_mark(c)}"
            f"{format_difference(c.paired, h)} | ± {_number(c.unpaired.half_width * h.scale, digits)} | "
            f"{smallest_text(c) or '–'} | {VERDICT_WORDS[c.verdict]} |"
        )
    return "\n".join(lines)


def estimate_text(e: Estimate, h: Headline) -> str:
    digits = decimals_for(e.half_width * h.scale, h.digits)
    text = _number(e.mean * h.scale, digits)
    if not math.isnan(e.half_width):
        text += f" ± {_number(e.half_width * h.scale, digits)}"
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

    def rows(self) -> list[Comparison]:
        """Each row against the row it is compared with (a reference row against itself)."""
        keys = [h.key for h in self.columns]
        out = []
        for i, (s, r, p) in enumerate(zip(self.scenarios, self.runs, self.compared_with(), strict=True)):
            j = i if p is None else p
            out.append(compare(self.scenarios[j], s, self.runs[j], r, keys))
        return out

    def comparisons(self) -> list[list[KpiComparison]]:
        return [row.kpis for row in self.rows()]


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
    strict: bool = False,
) -> TableResults:
    """Run every row of the table with one ``rng_seed`` (see :func:`scenario_table`).

    ``strict``: refuse (:class:`ScenarioError`, before running anything) when a row does not ask
    the question of the row it is compared with (:mod:`sim.experiments.question`).
    """
    files, parents = table_rows(paths, baseline)
    ref = parents.index(None)  # the first reference row: its seed is every row's
    seed = load_with_settings(str(files[ref]), settings).rng_seed
    scenarios = load_common(files, days=days, rng_seed=seed, settings=settings)
    if strict:
        pairs = [(scenarios[p], s) for s, p in zip(scenarios, parents, strict=True) if p is not None]
        problems = question_problems(pairs)
        if problems:
            raise ScenarioError(problems)
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
    """The Markdown of a scenario table (see :func:`scenario_table`).

    **Bold**: a real difference (the paired interval excludes zero and the difference reaches the
    smallest that matters); *italic*: detectable but under it (or none is set for the column);
    ``≥``: a censored estimate, a lower bound. Rows that do not ask their reference's question,
    and unstable or censored scenarios, are named in notes under the table.
    """
    columns = results.columns
    parents = results.compared_with()
    base = results.scenarios[parents.index(None)]
    header = "| scenario | compared with | " + " | ".join(h.label for h in columns) + " |"
    rule = "|---|---|" + "---:|" * len(columns)
    lines = [header, rule]
    notes: list[str] = []
    for row, p in zip(results.rows(), parents, strict=True):
        cells = []
        for c, h in zip(row.kpis, columns, strict=True):
            value = _mark(c.b_censored) + _number(c.b.mean * h.scale, h.digits)
            if p is not None:
                diff = _difference_mark(c) + format_difference(c.paired, h)
                if c.verdict == REAL:
                    diff = f"**{diff}**"
                elif c.verdict in (SMALL, DETECTABLE):
                    diff = f"*{diff}*"
                value += f" ({diff})"
            cells.append(value)
        flags = [w for w, on in (("unstable", row.stability_b.is_unstable),
                                 ("censored", row.stability_b.is_censored)) if on]  # fmt: skip
        flags = ["reference"] * (p is None) + flags
        name = row.name_b + (f" ({', '.join(flags)})" if flags else "")
        against = "–" if p is None else row.name_a
        if p is not None and row.question:
            against += f" (not the same {', '.join(q.part for q in row.question)})"
            notes.append(f"{row.name_b} against {row.name_a}: {'; '.join(q.text for q in row.question)}.")
        notes += row.stability_b.lines(row.name_b)
        lines.append(f"| {name} | {against} | " + " | ".join(cells) + " |")
    days = results.days
    horizon = f"{days} days" if days is not None else "each scenario's horizon"
    if results.settings:
        horizon += ", with " + ", ".join(f"`--set {x.text}`" for x in results.settings)
    smallest = [
        f"{h.label} {_plain(getattr(base.reporting.smallest_difference, h.smallest))}"
        for h in columns
        if h.smallest is not None
    ]
    lines += [
        "",
        f"{results.replications} replications of {horizon} with rng_seed {base.rng_seed}, common random "
        f"numbers. Value: mean over replications (after each scenario's warm-up); in brackets: paired "
        f"difference from the scenario in 'compared with' ± 95% CI half-width, to its meaningful digits. "
        f"**Bold**: a real difference (the interval excludes zero and the difference reaches the smallest "
        f"that matters); *italic*: detectable but smaller"
        + (
            f" (smallest differences that matter, each row's reference's `reporting.smallest_difference`; "
            f"{base.name}'s: {', '.join(smallest)})"
            if smallest
            else " (no smallest difference that matters is set for these columns)"
        )
        + "; ≥: a lower bound (censored: trucks still waiting at the end are left out).",
    ]
    if notes:
        lines += ["", *(f"- {x}" for x in notes)]
    return "\n".join(lines) + "\n"


def comparison_json(comparisons: Sequence[KpiComparison]) -> list[dict[str, object]]:
    """Each KPI of a comparison as plain numbers (NaN where unknown): A, B and B − A with CIs, and
    the verdict (``real``, ``small``, ``none``, ``identical``, ``detectable``, ``unbounded``)."""
    return [
        {
            "kpi": c.key,
            "a": {"mean": c.a.mean, "half_width": c.a.half_width, "n": c.a.n, "lower_bound": c.a_censored},
            "b": {"mean": c.b.mean, "half_width": c.b.half_width, "n": c.b.n, "lower_bound": c.b_censored},
            "difference": {
                "mean": c.paired.mean,
                "half_width": c.paired.half_width,
                "low": c.paired.low,
                "high": c.paired.high,
                "p_value": c.paired.p_value,
                "significant": bool(c.paired.significant),
                "bound": c.bound,
            },
            "unpaired_half_width": c.unpaired.half_width,
            "smallest_that_matters": c.smallest,
            "verdict": c.verdict,
            "real": c.real,
        }
        for c in comparisons
    ]


def table_json(results: TableResults) -> dict[str, object]:
    """A scenario table as data: each scenario's KPIs and paired differences from the row it is
    compared with (``compared_with``; None for a reference row), with the question check and
    stability. ``baseline``: the first reference."""
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
                "name": row.name_b,
                "reference": p is None,
                "compared_with": None if p is None else row.name_a,
                "same_question": row.same_question,
                "question": [{"part": q.part, "a": q.a, "b": q.b, "text": q.text} for q in row.question],
                "stability": row.stability_b.as_dict(),
                "kpis": comparison_json(row.kpis),
            }
            for row, p in zip(results.rows(), parents, strict=True)
        ],
    }


def differences_csv(comparisons: Sequence[KpiComparison]) -> str:
    """``differences.csv`` of a comparison folder: every KPI's A, B, paired difference and verdict."""
    from sim.experiments.results_folder import _csv, _num

    header = ("kpi", "a_mean", "b_mean", "difference", "half_width", "p_value", "significant",
              "unpaired_half_width", "smallest_that_matters", "verdict")  # fmt: skip
    rows = [
        [c.key, _num(c.a.mean), _num(c.b.mean), _num(c.paired.mean), _num(c.paired.half_width),
         _num(c.paired.p_value), str(c.paired.significant).lower(), _num(c.unpaired.half_width),
         _num(c.smallest), c.verdict]
        for c in comparisons
    ]  # fmt: skip
    return _csv(header, rows)


def question_problems(pairs: Sequence[tuple[Scenario, Scenario]]) -> list[str]:
    """``--strict``: one line per pair (A, B) that does not ask the same question (checked before
    anything runs)."""
    out = []
    for a, b in pairs:
        found = question_differences(a, b)
        if found:
            out.append(
                f"--strict: {b.name} against {a.name} is not the same question: "
                + "; ".join(q.text for q in found)
            )
    return out


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
