"""Reports a planner can read: Markdown and a self-contained HTML page, with PNG figures.

``bordersim report results/NAME`` reads a results folder (or a comparison
folder written by ``bordersim compare ... --out``) and writes into
``results/NAME/report/``::

    report.md         Markdown, figures linked from figures/
    report.html       one self-contained page: the figures embedded, no outside files
    figures/*.png

Everything shown is read from the folder's files; nothing is simulated again,
and the manifest says how to rerun any number.
"""

from __future__ import annotations

import base64
import html
import json
import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from sim.engine.capacity import capacity_per_hour, scenario_timelines
from sim.engine.records import OUTCOMES
from sim.experiments.analysis import replications_needed
from sim.experiments.atomic import write_atomic, write_atomic_bytes
from sim.experiments.capacity import OUT_FILES as CAPACITY_OUT_FILES
from sim.experiments.capacity import RouteCapacity
from sim.experiments.capacity import as_rows as capacity_rows
from sim.experiments.capacity import markdown as capacity_markdown
from sim.experiments.capacity import method_summary as capacity_method_summary
from sim.experiments.comparison import (
    VERDICT_WORDS,
    KpiComparison,
    compare,
    comparison_markdown,
    decimals_for,
    headline_for,
    statements,
)
from sim.experiments.comparison_folder import FORMAT as COMPARISON_FOLDER_FORMAT
from sim.experiments.comparison_folder import KIND as COMPARISON_KIND
from sim.experiments.comparison_folder import open_comparison
from sim.experiments.confine import check_folder_kind, check_output_folder, marked_folder
from sim.experiments.question import dates, measured_dates
from sim.experiments.replications import Estimate
from sim.experiments.results_folder import (
    MANIFEST,
    FolderError,
    ResultsFolder,
    describe_warmup,
    read_manifest,
    summarise_runs,
)
from sim.experiments.stability import Stability, is_censorable, stability
from sim.readouts.daily import ALL
from sim.readouts.headline import HEADLINE
from sim.reporting import plots
from sim.reporting.names import crossing_name, place_name, split_stage, stage_label, stage_words
from sim.scenario.schema import Scenario

PRECISION = 0.02  # replications needed for a CI half-width of 2% of the mean
COMPARISON_FORMAT = COMPARISON_FOLDER_FORMAT
#: What a report folder holds: ``report`` writes over a folder of these only.
REPORT_FILES = ("report.md", "report.html", "figures")
CAPACITY_FILES = CAPACITY_OUT_FILES


# -- a report as blocks, rendered twice -------------------------------------------------------------------
@dataclass
class Report:
    title: str
    blocks: list[tuple[str, Any]] = field(default_factory=list)
    figures: dict[str, bytes] = field(default_factory=dict)

    def heading(self, text: str) -> None:
        self.blocks.append(("h2", text))

    def banner(self, lines: Sequence[str]) -> None:
        """What must be read before any number (a different question, instability, censoring)."""
        if lines:
            self.blocks.append(("banner", list(lines)))

    def para(self, text: str) -> None:
        self.blocks.append(("p", text))

    def bullets(self, items: Sequence[str]) -> None:
        self.blocks.append(("ul", list(items)))

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]], align: str = "") -> None:
        self.blocks.append(("table", (list(header), [list(r) for r in rows], align)))

    def markdown_table(self, text: str) -> None:
        header, _, *rows = [line.strip().strip("|").split("|") for line in text.splitlines()]
        self.table([h.strip() for h in header], [[c.strip() for c in r] for r in rows])

    def figure(self, name: str, png: bytes, caption: str) -> None:
        self.figures[name] = png
        self.blocks.append(("figure", (name, caption)))

    def markdown(self) -> str:
        out = [f"# {self.title}", ""]
        for kind, value in self.blocks:
            if kind == "h2":
                out += [f"## {value}", ""]
            elif kind == "p":
                out += [value, ""]
            elif kind == "banner":
                out += ["\n>\n".join(f"> **Warning.** {line}" for line in value), ""]
            elif kind == "ul":
                out += [f"- {item}" for item in value] + [""]
            elif kind == "table":
                header, rows, align = value
                out.append("| " + " | ".join(header) + " |")
                out.append(
                    "|"
                    + "|".join("---" if i == 0 or align == "left" else "---:" for i in range(len(header)))
                    + "|"
                )
                out += ["| " + " | ".join(r) + " |" for r in rows]
                out.append("")
            elif kind == "figure":
                name, caption = value
                out += [f"![{caption}](figures/{name})", "", f"*{caption}*", ""]
        return "\n".join(out)

    def html(self) -> str:
        body = [f"<h1>{html.escape(self.title)}</h1>"]
        for kind, value in self.blocks:
            if kind == "h2":
                body.append(f"<h2>{html.escape(value)}</h2>")
            elif kind == "p":
                body.append(f"<p>{_inline(value)}</p>")
            elif kind == "banner":
                items = "".join(f"<p><b>Warning.</b> {_inline(line)}</p>" for line in value)
                body.append(f'<div class="warning" role="alert">{items}</div>')
            elif kind == "ul":
                body.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in value) + "</ul>")
            elif kind == "table":
                header, rows, align = value
                head = "".join(f"<th>{_inline(h)}</th>" for h in header)
                cls = ' class="left"' if align == "left" else ""
                trs = "".join("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in r) + "</tr>" for r in rows)
                body.append(f"<table{cls}><thead><tr>{head}</tr></thead><tbody>{trs}</tbody></table>")
            elif kind == "figure":
                name, caption = value
                data = base64.b64encode(self.figures[name]).decode("ascii")
                stem = html.escape(name.removesuffix(".png"))
                body.append(
                    f'<figure><img alt="{html.escape(caption)}" data-name="{stem}" '
                    f'src="data:image/png;base64,{data}">'
                    f"<figcaption>{html.escape(caption)}</figcaption></figure>"
                )
        return _PAGE.format(title=html.escape(self.title), body="\n".join(body))


def _inline(text: str) -> str:
    """Escape, then the two Markdown marks the report uses: ``code`` and **bold**."""
    out = html.escape(text)
    parts = out.split("`")
    out = "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))
    parts = out.split("**")
    return "".join(f"<b>{p}</b>" if i % 2 else p for i, p in enumerate(parts))


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em;
  color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }}
th, td {{ border-bottom: 1px solid #ddd; padding: 0.25em 0.6em; text-align: right; }}
th:first-child, td:first-child, table.left td, table.left th {{ text-align: left; }}
figure {{ margin: 1.5em 0; }} img {{ max-width: 100%; }} figcaption {{ color: #555; font-size: 0.9em; }}
code {{ background: #f3f3f3; padding: 0 0.2em; }}
.warning {{ background: #fff4e5; border-left: 6px solid #d0582a; padding: 0.2em 1em; margin: 1em 0; }}
</style></head>
<body>
{body}
</body></html>
"""


# -- reading a folder into figure data --------------------------------------------------------------------
@dataclass
class RunData:
    """What the report needs from one results folder."""

    label: str
    folder: ResultsFolder
    manifest: dict[str, Any]
    scenario: Scenario
    runs: list[dict[str, float]]
    summary: dict[str, Estimate]
    daily: pa.Table
    series: pa.Table
    utilisation: pa.Table
    waits: dict[str, np.ndarray] | None  # None: the folder has no per-truck records

    @classmethod
    def read(cls, folder: ResultsFolder, label: str, replications: int | None = None) -> RunData:
        """The folder's data; with ``replications``, only replications ``0..replications-1``."""
        manifest = folder.manifest()
        runs = folder.kpi_runs()
        reps = folder.replications()
        if replications is not None:
            runs, reps = runs[:replications], reps[:replications]
        warmup_min = float(manifest["warmup_days"]) * 1440.0
        waits = None
        if folder.has_records():
            trucks = folder.read_table(
                "trucks", reps, columns=["t_arrive", "outcome", "initial", "direction", "wait_min"]
            )
            keep = (
                (_outcome_labels(trucks.column("outcome")) == "cleared")
                & ~trucks.column("initial").to_numpy(zero_copy_only=False)
                & (trucks.column("t_arrive").to_numpy() >= warmup_min)
            )
            wait_h = trucks.column("wait_min").to_numpy()[keep] / 60.0
            direction = np.asarray(trucks.column("direction").to_pylist(), dtype=object)[keep]
            waits = {"all": wait_h, **{d: wait_h[direction == d] for d in ("export", "import")}}
        return cls(
            label=label,
            folder=folder,
            manifest=manifest,
            scenario=folder.scenario(),
            runs=runs,
            summary=summarise_runs(runs),
            daily=folder.read_table("daily", reps),
            series=folder.read_table("series", reps),
            utilisation=folder.read_table("utilisation", reps),
            waits=waits,
        )

    @property
    def crossings(self) -> list[str]:
        return list(dict.fromkeys(self.daily.column("crossing").to_pylist()))

    @property
    def start(self) -> np.datetime64:
        """The run's first day, the origin of its date axes."""
        return plots.as_start(self.scenario.start_date)

    def stability(self) -> Stability:
        return stability(self.runs, self.scenario)

    def daily_band(self, crossing: str, metric: str = "cleared") -> plots.Band:
        return _band(self.label, self.daily, crossing, "day", metric)

    def series_band(self, column: str, crossing: str = ALL) -> plots.Band:
        return _band(self.label, self.series, crossing, "t_h", column)

    def has_dwell(self) -> bool:
        """Does the run hold trucks in dwells (older folders have no such column)?"""
        names = self.series.column_names
        return "dwelling" in names and bool(self.series.column("dwelling").to_numpy().any())

    def by_hour_of_day(self, warmup_days: float) -> tuple[np.ndarray, np.ndarray]:
        """Mean trucks dwelling and queueing (road + stage queues) at each hour of day, all
        crossings, over the measured days and replications."""
        table = self.series
        mask = np.asarray(table.column("crossing").to_pylist(), dtype=object) == ALL
        t_h = table.column("t_h").to_numpy()[mask]
        keep = t_h >= warmup_days * 24.0
        hour = np.floor(t_h[keep]).astype(np.int64) % 24
        dwell = table.column("dwelling").to_numpy()[mask][keep].astype(float)
        queue = (table.column("road_queue").to_numpy() + table.column("stage_queue").to_numpy())[mask][keep]
        n = np.bincount(hour, minlength=24)
        with np.errstate(invalid="ignore", divide="ignore"):
            return (
                np.bincount(hour, weights=dwell, minlength=24) / n,
                np.bincount(hour, weights=queue.astype(float), minlength=24) / n,
            )

    def utilisation_grid(self) -> tuple[list[str], np.ndarray]:
        u = self.utilisation
        names = np.asarray(u.column("stage").to_pylist(), dtype=object)
        stages = list(dict.fromkeys(names.tolist()))
        hour = u.column("hour").to_numpy()
        busy, open_ = u.column("busy_min").to_numpy(), u.column("open_min").to_numpy()
        grid = np.full((len(stages), 24), np.nan)
        for i, s in enumerate(stages):
            mine = names == s
            b = np.bincount(hour[mine], weights=busy[mine], minlength=24)
            o = np.bincount(hour[mine], weights=open_[mine], minlength=24)
            with np.errstate(invalid="ignore", divide="ignore"):
                grid[i] = np.where(o > 0, b / o, np.nan)
        return stages, grid


def _outcome_labels(column: pa.ChunkedArray) -> np.ndarray:
    """Truck outcomes as labels, whether stored as labels (dictionary) or as 0/1/2 codes (older folders)."""
    if pa.types.is_dictionary(column.type) or pa.types.is_string(column.type):
        return np.asarray(column.cast(pa.string()).to_pylist(), dtype=object)
    return np.asarray(OUTCOMES, dtype=object)[column.to_numpy().astype(int)]


def _band(label: str, table: pa.Table, crossing: str, x_col: str, metric: str) -> plots.Band:
    mask = np.asarray(table.column("crossing").to_pylist(), dtype=object) == crossing
    x = table.column(x_col).to_numpy()[mask]
    v = table.column(metric).to_numpy().astype(float)[mask]
    reps = np.unique(table.column("replication").to_numpy()[mask]).size
    width = x.size // max(reps, 1)
    return plots.band(label, x[:width], v.reshape(reps, width))


# -- the reports ----------------------------------------------------------------------------------------
def build_report(path: str | Path, out: str | Path | None = None, root: str | Path | None = None) -> Path:
    """Write the report of a results or comparison folder; returns the report folder.

    ``root``: a folder that a comparison's A and B must lie in (a workspace; None: anywhere)."""
    path = Path(path)
    if not path.exists():
        raise FolderError(f"{path}: no such folder")
    if not path.is_dir():
        raise FolderError(f"{path}: not a folder: expected a results or comparison folder")
    if not (path / MANIFEST).is_file():
        raise FolderError(f"{path}: not a results folder (no {MANIFEST})")
    target = report_target(path, out)
    manifest = read_manifest(path / MANIFEST)
    if manifest.get("kind") == COMPARISON_KIND:
        report = _comparison_report(path, root)
    else:
        folder = ResultsFolder.open(path)
        report = _run_report(RunData.read(folder, folder.manifest().get("scenario_name", "run")))
    for name, png in report.figures.items():
        write_atomic_bytes(target / "figures" / name, png)
    write_atomic(target / "report.md", report.markdown())
    write_atomic(target / "report.html", report.html())
    return target


def report_target(path: Path, out: str | Path | None) -> Path:
    """Where the report of the folder ``path`` goes: ``path/report`` by default; ``out`` when it
    is inside ``path`` or in no results, comparison or sweep folder, and holds nothing but a report
    (never the folder itself, nor one of its tables)."""
    target = Path(out) if out is not None else path / "report"
    marked = marked_folder(target)
    if marked is None:
        check_output_folder(target, "--out", [path])
    elif marked.resolve() != path.resolve():
        raise FolderError(
            f"--out {target}: is inside {marked}, another bordersim results, comparison or sweep folder: "
            f"refused; write elsewhere (or leave --out out: {path / 'report'})"
        )
    check_folder_kind(target, "--out", REPORT_FILES, "report")
    return target


def _shown(path: str | Path) -> str:
    """A path for report text: relative paths as they are, absolute ones by their name only."""
    p = Path(path)
    return p.name if p.is_absolute() else str(p)


def _provenance_rows(m: dict[str, Any], folder: Path, scenario: Scenario) -> list[list[str]]:
    """Provenance of a results folder; ``folder`` as the reader should see it (relative)."""
    return [
        ["scenario", f"{m['scenario_name']} (`{_shown(m.get('scenario_source', ''))}`)"],
        ["scenario hash", f"`{m['scenario_hash']}`"],
        ["period", f"{dates(scenario)} ({scenario.timezone})"],
        ["measured days", f"{measured_dates(scenario)}"],
        ["rng_seed", str(m["rng_seed"])],
        ["replications", str(m["replications"])],
        ["horizon / warm-up", f"{m['horizon_days']} days / {m['warmup_days']} days discarded"],
        ["bordersim version", str(m["version"])],
        ["wall time", f"{float(m.get('wall_s', 0.0)):.1f} s"],
        ["results folder", f"`{_shown(folder)}`"],
    ]


def _kpi_rows(
    summary: dict[str, Estimate],
    keys: Sequence[str],
    needed: dict[str, str] | None = None,
    censored: bool = False,
) -> list[list[str]]:
    """One row per KPI: mean, half-width and interval to their meaningful digits; ``≥`` marks a
    censored time-in-system figure (a lower bound)."""
    rows = []
    for k in keys:
        e = summary.get(k)
        if e is None:
            continue
        h = headline_for(k)
        digits = decimals_for(e.half_width * h.scale, h.digits)
        mark = "≥ " if censored and is_censorable(k) else ""
        row = [h.label, mark + _fmt(e.mean * h.scale, digits), _fmt(e.half_width * h.scale, digits)]
        row.append(f"{_fmt(e.low * h.scale, digits)} to {_fmt(e.high * h.scale, digits)}")
        if needed is not None:
            row.append(needed.get(k, "–"))
        rows.append(row)
    return rows


def _replications_for_precision(runs: list[dict[str, float]], keys: Sequence[str]) -> dict[str, str]:
    """Replications needed for a half-width of ``PRECISION`` x the mean, from these runs' variance."""
    out = {}
    for k in keys:
        finite = [v for v in (x.get(k, math.nan) for x in runs) if not math.isnan(v)]
        mean = float(np.mean(finite)) if finite else math.nan
        if len(finite) >= 2 and mean != 0 and not math.isnan(mean):
            out[k] = f"{replications_needed(finite, abs(mean) * PRECISION):,}"
    return out


def _fmt(x: float, digits: int) -> str:
    return "–" if math.isnan(x) else f"{x:,.{digits}f}"


def _run_report(run: RunData) -> Report:
    m = run.manifest
    stable = run.stability()
    r = Report(f"bordersim report — {m['scenario_name']}")
    r.banner(stable.lines(m["scenario_name"]))
    r.para(
        f"{m['replications']} replications of {m['horizon_days']} days ({dates(run.scenario)}) of scenario "
        f"**{m['scenario_name']}**; KPIs are means over replications with 95% Student-t confidence "
        f"intervals, over the days after the {m['warmup_days']}-day warm-up ({measured_dates(run.scenario)})."
    )
    r.heading("Provenance")
    r.table(["", ""], _provenance_rows(m, Path(run.folder.path.resolve().name), run.scenario), align="left")
    r.para(
        f"Rerun any number: `bordersim run {run.folder.path.resolve().name} --out NEW_FOLDER` (from the "
        "folder that holds this one) runs the scenario stored in "
        f"`{MANIFEST}` (hash checked) with the same seeds; replication `r` uses the random streams of "
        f"`(rng_seed, r)`."
    )
    if "warmup_suggestion" in m:
        r.para(describe_warmup(m["warmup_suggestion"]))
    r.heading("Headline KPIs")
    keys = [h.key for h in HEADLINE]
    r.table(
        ["KPI", "mean", "± 95% CI", "interval", f"replications for ± {PRECISION:.0%} of the mean"],
        _kpi_rows(run.summary, keys, _replications_for_precision(run.runs, keys), stable.is_censored),
    )
    _figures(r, [run])
    r.heading("All KPIs")
    r.table(
        ["KPI", "mean", "± 95% CI", "interval"],
        _kpi_rows(run.summary, list(run.summary), censored=stable.is_censored),
    )
    return r


def _title(text: str, width: int = 34) -> str:
    """A panel title on at most two lines."""
    return "\n".join(textwrap.wrap(text, width)[:2])


def _figures(r: Report, runs: Sequence[RunData]) -> None:
    first = runs[0]
    warmup = float(first.manifest["warmup_days"])
    same_days = len({x.scenario.start_date for x in runs}) == 1
    start = first.start if same_days else None  # different periods: drawn by day of the run
    other_periods = (
        ""
        if same_days
        else " A and B cover different periods ("
        + "; ".join(f"{x.label}: {dates(x.scenario)}" for x in runs)
        + "): drawn by day of the run, one over the other."
    )
    r.heading("Daily throughput by crossing")
    panels = [
        (_title(crossing_name(first.scenario, c)), [x.daily_band(c) for x in runs if c in x.crossings])
        for c in first.crossings
    ]
    r.figure(
        "throughput.png",
        plots.throughput_figure(panels, warmup, start),
        "Vehicles cleared per day by crossing: mean over replications and 95% CI band; grey: warm-up."
        + other_periods,
    )
    r.heading("Backlog and queues over time")
    series_panels = []
    empty = []
    for label, col in (
        ("trucks in the system", "in_system"),
        ("on the road", "road_queue"),
        ("in stage queues", "stage_queue"),
    ):
        bands = [x.series_band(col) for x in runs]
        if any(np.nanmax(b.mean, initial=0.0) > 0 for b in bands):
            series_panels.append((label, bands))
        else:
            empty.append(label)
    nobody = f" No truck waited {' or '.join(empty)} in any replication (panel left out)." if empty else ""
    dwelling = [x for x in runs if x.has_dwell()]
    if dwelling:
        series_panels.append(("held by dwells", [x.series_band("dwelling") for x in runs]))
    r.figure(
        "backlog.png",
        plots.backlog_figure(series_panels, warmup * 24.0, start),
        "Trucks in the system (the backlog), waiting on the road, and waiting at clearance stages, "
        "all crossings"
        + (", and held by dwells (papers, declarations: no lane)" if dwelling else "")
        + ", sampled every `reporting.queue_sample_min` until the end of the run."
        + nobody
        + other_periods,
    )
    if dwelling:
        r.figure(
            "dwelling_by_hour.png",
            plots.by_hour_figure([(x.label, *x.by_hour_of_day(warmup)) for x in dwelling]),
            "Trucks held by dwells (papers, declarations) and queueing (road and stage queues) by "
            "hour of day, all crossings: mean over the measured days and replications.",
        )
    r.heading("Waiting time")
    without = [x.label for x in runs if x.waits is None]
    if without:
        r.para(
            f"Not shown: {', '.join(without)} {'has' if len(without) == 1 else 'have'} no per-truck records "
            "(results folders keep them only when run with `--records`; rerun with `--records` for the "
            "waiting-time distribution). The time-in-system KPIs above come from every truck."
        )
    else:
        if len(runs) == 1:
            curves = [(k, v) for k, v in first.waits.items()]
        else:
            curves = [(x.label, x.waits["all"]) for x in runs]
        r.figure(
            "waiting_time_ecdf.png",
            plots.wait_ecdf_figure(curves),
            "Empirical distribution of the time cleared trucks spent queueing (not in service, not held "
            "by dwells), "
            "all replications.",
        )
        rows = []
        for label, v in curves:
            if v.size:
                q = np.quantile(v, [0.5, 0.9, 0.95, 0.99])
                rows.append([label, f"{v.size:,}", f"{v.mean():.2f}", *(f"{x:.2f}" for x in q)])
        r.table(["trucks", "n", "mean h", "p50 h", "p90 h", "p95 h", "p99 h"], rows)
    r.heading("Capacity over time")
    for i, x in enumerate(runs):
        name = "capacity_over_time.png" if len(runs) == 1 else f"capacity_over_time_{'ab'[i]}.png"
        r.figure(
            name,
            capacity_over_time_png(x.scenario, f"Chinese-side capacity — {x.label}"),
            "Capacity of each Chinese-side stage (trucks/hour of its first class), one panel per port: "
            "its hours in UTC+8, lanes by hour, dated changes and ramps after closures "
            "(sim.engine.capacity).",
        )
    r.heading("Utilisation by hour of day and stage")
    for i, x in enumerate(runs):
        stages, grid = x.utilisation_grid()
        if not stages:
            continue
        name = "utilisation.png" if len(runs) == 1 else f"utilisation_{'ab'[i]}.png"
        r.figure(
            name,
            plots.utilisation_heatmap(
                [stage_label(x.scenario, st) for st in stages],
                grid,
                f"Utilisation by hour of day — {x.label}",
            ),
            f"Busy share of open lane-time by stage and hour of day, measured days, all replications "
            f"({x.label}).",
        )


def capacity_over_time_png(scenario: Scenario, title: str, side: str = "CN") -> bytes:
    """The capacity timeline of every stage on ``side`` (all stages if none is), a panel per place."""
    stages = scenario_timelines(scenario)
    chosen = [x for x in stages if x[1].side == side] or stages
    horizon_h = scenario.horizon_days * 24
    t = np.arange(0.0, horizon_h * 60.0 + 1.0, 15.0)
    groups: dict[str, list[tuple[str, np.ndarray, np.ndarray]]] = {}
    for name, _, timeline, vs, served in chosen:
        if not served:
            continue
        place, direction, stage = split_stage(name)
        label = f"{direction}: {stage_words(stage)} ({served[0]})" if place else stage_words(stage)
        lines = groups.setdefault(place_name(scenario, place) if place else "", [])
        lines.append((label, t / 1440.0, capacity_per_hour(timeline, vs, served[0], t)))
    return plots.capacity_timeline_figure(list(groups.items()), title, plots.as_start(scenario.start_date))


def build_capacity_report(capacities: Sequence[RouteCapacity], scenario: Scenario, out: str | Path) -> Path:
    """``bordersim capacity --out FOLDER``: capacity.json, report.md/.html and their figures."""
    target = Path(out)
    check_folder_kind(target, "--out", CAPACITY_FILES, "capacity report")
    r = Report(f"bordersim capacity — {scenario.name}")
    r.para(capacity_method_summary())
    r.markdown_table(capacity_markdown(list(capacities), scenario))
    rows = [
        (
            f"{crossing_name(scenario, c.crossing)}, {c.direction}",
            e.mean,
            e.half_width,
            stage_label(scenario, c.binding_stage) if c.binding_stage else "-",
        )
        for c in capacities
        for e in [c.trucks_per_day]
    ]
    r.figure(
        "capacity.png",
        plots.capacity_figure(rows, f"Sustainable throughput — {scenario.name}"),
        "Trucks per day each crossing and direction clears under saturating demand (all vehicles, "
        "95% CI over replications), and the stage that binds.",
    )
    r.figure(
        "capacity_over_time.png",
        capacity_over_time_png(scenario, f"Chinese-side capacity — {scenario.name}"),
        "Capacity of each Chinese-side stage over the run (trucks/hour of its first class).",
    )
    for name, png in r.figures.items():
        write_atomic_bytes(target / "figures" / name, png)
    write_atomic(target / "capacity.json", json.dumps(capacity_rows(list(capacities)), indent=2) + "\n")
    write_atomic(target / "report.md", r.markdown())
    write_atomic(target / "report.html", r.html())
    return target


def _comparison_report(path: Path, root: str | Path | None = None) -> Report:
    fa, fb, manifest = open_comparison(path, root=root)  # sealed, and A and B the very folders compared
    counts = (len(fa.replications()), len(fb.replications()))
    n = min(counts)
    a = RunData.read(fa, "A", n)
    b = RunData.read(fb, "B", n)
    name_a, name_b = a.manifest["scenario_name"], b.manifest["scenario_name"]
    a.label, b.label = f"A: {name_a}", f"B: {name_b}"
    result = compare(a.scenario, b.scenario, a.runs[:n], b.runs[:n])
    r = Report(f"bordersim comparison — {name_b} against {name_a}")
    r.banner(result.warnings())
    unequal = (
        f" A has {counts[0]} replications and B {counts[1]}: only replications 0 to {n - 1} of each are "
        "paired, and every table and figure below uses only those."
        if counts[0] != counts[1]
        else ""
    )
    seeds = result.rng_seeds
    r.para(
        f"A is **{name_a}** ({dates(a.scenario)}), B is **{name_b}** ({dates(b.scenario)}); {n} paired "
        f"replications.{unequal} "
        + (
            f"Both ran with rng_seed {seeds[0]}: replication `r` of each used the same random "
            "streams (common random numbers), so the differences are paired replication by replication."
            if result.common_random_numbers
            else f"The two ran with different rng_seeds ({seeds[0]}, {seeds[1]}): "
            "no common random numbers; pairs are independent and the intervals are wider."
        )
    )
    by_key = {c.key: c for c in result.kpis}
    headline = [by_key[h.key] for h in HEADLINE if h.key in by_key]
    r.heading("What B changes, and does it matter?")
    r.bullets(statements(headline, name_a, name_b))
    r.markdown_table(comparison_markdown(headline, name_a, name_b))
    r.para(
        "Paired CI: Student t on the per-replication differences B − A. Unpaired: Welch's interval, "
        "shown for comparison. A difference is **real** when its paired interval excludes zero and it "
        "is at least the smallest difference that matters (A's `reporting.smallest_difference`, each an "
        "ASSUMPTION documented in `bordersim schema`); **detectable but small** when the interval excludes "
        "zero but the difference is smaller. Numbers are given to the digits their intervals support; "
        "≥ marks a lower bound (a censored run)."
    )
    r.figure(
        "differences.png",
        _differences_png(headline, name_a, name_b),
        "Headline KPIs in their own units: A and B (mean, 95% CI; axes from zero) and the paired "
        "difference B − A (95% CI; filled where real, orange where detectable); the grey band is "
        "smaller than the difference that matters.",
    )
    r.heading("Provenance")
    r.table(
        ["", "A", "B"],
        _side_by_side(
            _provenance_rows(a.manifest, Path(manifest["a"]), a.scenario),
            _provenance_rows(b.manifest, Path(manifest["b"]), b.scenario),
        ),
    )
    _figures(r, [a, b])
    r.heading("All KPIs")
    r.markdown_table(comparison_markdown(result.kpis, name_a, name_b))
    return r


def _side_by_side(a: list[list[str]], b: list[list[str]]) -> list[list[str]]:
    return [[x[0], x[1], y[1]] for x, y in zip(a, b, strict=True)]


def _differences_png(comparisons: Sequence[KpiComparison], name_a: str, name_b: str) -> bytes:
    """Each headline KPI in its own unit: A, B and the paired difference, with their CIs."""
    panels = []
    for c in comparisons:
        if math.isnan(c.paired.mean):
            continue
        h = headline_for(c.key)
        bounds = " and ".join(x for x, on in (("A", c.a_censored), ("B", c.b_censored)) if on)
        panels.append(
            plots.KpiPanel(
                h.label + (f" ({bounds}: lower bound, censored)" if bounds else ""),
                (c.a.mean * h.scale, c.a.half_width * h.scale),
                (c.b.mean * h.scale, c.b.half_width * h.scale),
                (c.paired.mean * h.scale, c.paired.half_width * h.scale),
                c.real,
                c.smallest * h.scale,
                VERDICT_WORDS[c.verdict],
                c.paired.significant,
            )
        )
    return plots.comparison_panels(panels, name_a, name_b)
