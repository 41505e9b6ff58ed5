# ruff: noqa: E501  (a table of cases: one per line reads best)
"""A corpus of malformed and hostile scenario files, written on demand into a folder.

Each case is one file (and the files it needs: parents, an outside file holding a
secret) that ``bordersim validate`` must refuse with exit status 2 and exactly one line
on standard error naming the file and the field, without a traceback, within bounded
time and memory. Categories: numbers (non-finite, negative, absurd), limits (trucks per
run, classes, stages, streams, horizon, sampling interval, backlog, lists), dates
(range, offsets), time zones, extends (confinement, cycles, depth, types), TOML itself
(syntax, nesting, size, encoding) and structure (unknown keys, wrong types).

:data:`COMMAND_CASES` (issue 26) are command lines over the other surfaces — results folders,
comparisons, sweeps, ``--set``, input files, study sizes — grouped by the issue's finding
classes: loss, overwrite, silent, unbounded, traceback, message. Each must be refused in one
line, and leave every file of its folder as it was.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

SECRET = "s3cr3t-never-echoed"

BASE = """\
name = "corpus"
start_date = {start}
horizon_days = {horizon}
warmup_days = 1
{top}

[hours.open]
timezone = {tz}
windows = [{{ days = "daily", open = "00:00", close = "24:00" }}]
{hours}

[cargo.general]
{cargo}
{more_cargo}

[crossings.gate]
name = "Gate"
kind = "international_road_gate"
accepts = ["general"]
{crossing}

[[crossings.gate.routes.export.stages]]
name = "service"
hours = "open"
lanes = {lanes}
service = {{ default = {service} }}
{stage}
{more_stages}

[demand]
{demand}

[demand.streams.flow]
direction = "export"
cargo = "general"
trucks_per_day = {tpd}
routing = {{ policy = "shares", shares = {{ gate = {share} }} }}
{stream}

[reporting]
{reporting}
{tail}
"""

DEFAULTS = {
    "start": "2023-02-13",
    "horizon": "5",
    "top": "",
    "tz": '"Asia/Ho_Chi_Minh"',
    "hours": "",
    "cargo": "",
    "more_cargo": "",
    "crossing": "",
    "lanes": "2",
    "service": '{ kind = "exponential", mean_min = 10 }',
    "stage": "",
    "more_stages": "",
    "demand": "",
    "tpd": "100",
    "share": "1.0",
    "stream": "",
    "reporting": "",
    "tail": "",
}


@dataclass(frozen=True)
class Case:
    category: str
    name: str
    field: str  # a token the error line must contain (the field, or "TOML" for syntax)
    slots: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None  # the file's bytes instead of the template
    extras: dict[str, str] = field(default_factory=dict)  # other files: relative path -> text
    args: tuple[str, ...] = ()

    def text(self) -> bytes:
        if self.raw is not None:
            return self.raw
        return BASE.format(**{**DEFAULTS, **self.slots}).encode("utf-8")


def valid_text(**slots: str) -> str:
    return BASE.format(**{**DEFAULTS, **slots})


def _classes(n: int) -> str:
    return "\n".join(f"[cargo.c{i}]" for i in range(n))


def _stages(n: int) -> str:
    one = (
        '[[crossings.gate.routes.export.stages]]\nname = "s{i}"\nhours = "open"\n'
        'service = {{ default = {{ kind = "deterministic", value_min = 1 }} }}'
    )
    return "\n".join(one.format(i=i) for i in range(n))


def _chain(n: int) -> dict[str, str]:
    files = {f"chain/c{i}.toml": f'extends = "c{i + 1}.toml"\n' for i in range(n)}
    files[f"chain/c{n}.toml"] = valid_text()
    return files


N = "numbers"
LIM = "limits"
D = "dates"
TZ = "timezones"
EX = "extends"
T = "toml"
S = "structure"

CASES: list[Case] = [
    # -- numbers: non-finite, negative, absurd -----------------------------------------------------
    Case(N, "tpd_inf", "trucks_per_day", {"tpd": "inf"}),
    Case(N, "tpd_nan", "trucks_per_day", {"tpd": "nan"}),
    Case(N, "tpd_neg_inf", "trucks_per_day", {"tpd": "-inf"}),
    Case(N, "tpd_negative", "trucks_per_day", {"tpd": "-5"}),
    Case(N, "tpd_1e308", "trucks_per_day", {"tpd": "1e308"}),
    Case(N, "tpd_huge_int", "trucks_per_day", {"tpd": "9223372036854775807"}),
    Case(N, "tpd_string", "trucks_per_day", {"tpd": '"lots"'}),
    Case(N, "lanes_zero", "lanes", {"lanes": "0"}),
    Case(N, "lanes_huge", "lanes", {"lanes": "1000000000000"}),
    Case(N, "lanes_float", "lanes", {"lanes": "1.5"}),
    Case(N, "mean_inf", "mean_min", {"service": '{ kind = "exponential", mean_min = inf }'}),
    Case(N, "mean_nan", "mean_min", {"service": '{ kind = "exponential", mean_min = nan }'}),
    Case(N, "mean_zero", "mean_min", {"service": '{ kind = "exponential", mean_min = 0 }'}),
    Case(N, "mean_tiny", "mean_min", {"service": '{ kind = "exponential", mean_min = 1e-300 }'}),
    Case(N, "mean_huge", "mean_min", {"service": '{ kind = "exponential", mean_min = 1e300 }'}),
    Case(N, "sd_denormal", "sd_min", {"service": '{ kind = "lognormal", mean_min = 10, sd_min = 1e-320 }'}),
    Case(N, "value_negative", "value_min", {"service": '{ kind = "deterministic", value_min = -1 }'}),
    Case(N, "uniform_inf", "high_min", {"service": '{ kind = "uniform", low_min = 1, high_min = inf }'}),
    Case(N, "horizon_zero", "horizon_days", {"horizon": "0"}),
    Case(N, "horizon_negative", "horizon_days", {"horizon": "-1"}),
    Case(N, "rng_seed_negative", "rng_seed", {"top": "rng_seed = -1"}),
    Case(N, "perishable_inf", "perishable_delay_h", {"reporting": "perishable_delay_h = inf"}),
    Case(N, "recovery_nan", "recovery_factor", {"reporting": "recovery_factor = nan"}),
    Case(N, "hour_of_day_inf", "hour_of_day", {"demand": "hour_of_day = [" + ", ".join(["1"] * 23 + ["inf"]) + "]"}),
    Case(N, "month_huge", "month", {"demand": "month = [" + ", ".join(["1"] * 11 + ["1e9"]) + "]"}),
    Case(N, "growth_huge", "growth_per_year", {"demand": "growth_per_year = 1e6"}),
    Case(N, "growth_nan", "growth_per_year", {"demand": "growth_per_year = nan"}),
    Case(N, "window_factor_nan", "factor", {"demand": 'windows = [{ start = 2023-02-13, end = 2023-02-14, factor = nan }]'}),
    Case(N, "window_factor_huge", "factor", {"demand": 'windows = [{ start = 2023-02-13, end = 2023-02-14, factor = 1e9 }]'}),
    Case(N, "yard_negative", "yard_capacity", {"stage": "", "crossing": "routes.export.yard_capacity = -1"}),
    Case(N, "road_inf", "road_m_per_truck", {"crossing": "road_m_per_truck = inf"}),
    Case(N, "tph_denormal", "trucks_per_hour", {"more_stages": (
        '[[crossings.gate.routes.export.stages]]\nname = "paced"\nhours = "open"\ntrucks_per_hour = 1e-320')}),
    Case(N, "quota_huge", "max_per_day", {"stage": "max_per_day = 100000000000000"}),
    Case(N, "equipped_nan", "equipped_share", {"stream": "equipped_share = nan"}),
    Case(N, "share_nan", "shares", {"share": "nan"}),
    Case(N, "mixture_nan", "probability", {"service": (
        '{ kind = "mixture", branches = [{ name = "a", probability = nan, '
        'duration = { kind = "deterministic", value_min = 1 } }] }')}),
    # -- limits: what one run can hold ---------------------------------------------------------------
    Case(LIM, "tpd_1e12", "trucks_per_day", {"tpd": "1e12"}),
    Case(LIM, "demand_times_horizon", "trucks_per_day", {"tpd": "900000", "horizon": "3000"}),
    Case(LIM, "growth_from_long_ago", "trucks_per_day", {"demand": "growth_per_year = 10\ngrowth_from = 1970-01-01"}),
    Case(LIM, "stacked_windows", "trucks_per_day", {"demand": "windows = [" + ", ".join(
        ["{ start = 2023-02-13, end = 2023-02-17, factor = 1000 }"] * 3) + "]"}),
    Case(LIM, "horizon_huge", "horizon_days", {"horizon": "99999"}),
    Case(LIM, "queue_sample_tiny", "queue_sample_min", {"reporting": "queue_sample_min = 1e-6"}),
    Case(LIM, "queue_sample_many", "queue_sample_min", {"horizon": "3000", "reporting": "queue_sample_min = 1",
                                                       "tpd": "10", "more_stages": _stages(20)}),
    Case(LIM, "backlog_1e9", "trucks", {"tail": (
        '[[initial_backlog]]\ncrossing = "gate"\ndirection = "export"\ncargo = "general"\ntrucks = 1000000000')}),
    Case(LIM, "backlog_over_run", "trucks", {"tail": (
        '[[initial_backlog]]\ncrossing = "gate"\ndirection = "export"\ncargo = "general"\ntrucks = 9000000')}),
    Case(LIM, "classes_128", "cargo", {"more_cargo": _classes(128)}),
    Case(LIM, "stages_60", "stages", {"more_stages": _stages(60)}),
    Case(LIM, "departures_200", "departures", {"stage": "departures = [" + ", ".join(['"08:00"'] * 200)
                                               + "]\nwagons_per_train = 10"}),
    Case(LIM, "windows_100", "windows", {"hours": "special = [{ start = 2023-02-13, end = 2023-02-13, windows = ["
                                         + ", ".join(['{ open = "01:00", close = "02:00" }'] * 100) + "] }]"}),
    # -- dates -----------------------------------------------------------------------------------------
    Case(D, "start_year_1", "start_date", {"start": "0001-01-01"}),
    Case(D, "start_year_9999", "start_date", {"start": "9999-12-31"}),
    Case(D, "start_1969", "start_date", {"start": "1969-12-31"}),
    Case(D, "runs_past_2200", "horizon_days", {"start": "2200-12-01", "horizon": "60"}),
    Case(D, "window_year_9999", "end", {"demand": 'windows = [{ start = 2023-02-13, end = 9999-12-31, factor = 1 }]'}),
    Case(D, "closure_year_1", "start", {"hours": 'closures = [{ start = 0001-01-01, end = 2023-02-14 }]'}),
    Case(D, "closure_year_9999", "end", {"crossing": 'closures = [{ start = 2023-02-13, end = 9999-12-31 }]'}),
    Case(D, "closure_offset_one_end", "closures", {"hours": (
        'closures = [{ start = 2023-02-14T07:00:00+08:00, end = 2023-02-14T09:00:00 }]')}),
    Case(D, "closure_offset_reversed", "closures", {"hours": (
        'closures = [{ start = 2023-02-14T09:00:00+07:00, end = 2023-02-14T09:30:00+08:00 }]')}),
    Case(D, "closure_text_date", "start", {"hours": 'closures = [{ start = "2023-02-31", end = 2023-02-14 }]'}),
    Case(D, "special_year_9999", "end", {"hours": 'special = [{ start = 2023-02-13, end = 9999-12-31 }]'}),
    Case(D, "growth_from_year_1", "growth_from", {"demand": "growth_from = 0001-01-01"}),
    Case(D, "start_is_time", "start_date", {"start": "07:00:00"}),
    Case(D, "window_datetime_offset", "start", {"demand": 'windows = [{ start = 2023-02-13T00:00:00+08:00, end = 2023-02-14, factor = 2 }]'}),
    Case(D, "start_datetime", "start_date", {"start": "2023-02-13T00:00:00"}),
    Case(D, "changes_mixed_offsets", "changes", {"stage": 'changes = [{ start = 2023-02-14T07:00:00+08:00, lanes = 3 }, { start = 2023-02-15T07:00:00, lanes = 4 }]'}),
    Case(D, "change_year_9999", "start", {"stage": 'changes = [{ start = 9999-01-01, lanes = 3 }]'}),
    Case(N, "change_lanes_huge", "lanes", {"stage": 'changes = [{ start = 2023-02-14, lanes = 1000000000 }]'}),
    # -- time zones -------------------------------------------------------------------------------------
    Case(TZ, "tz_folder", "timezone", {"tz": '"Asia"'}),
    Case(TZ, "tz_empty", "timezone", {"tz": '""'}),
    Case(TZ, "tz_unknown", "timezone", {"tz": '"Mars/Olympus_Mons"'}),
    Case(TZ, "tz_traversal", "timezone", {"tz": '"../../../etc/passwd"'}),
    Case(TZ, "tz_absolute", "timezone", {"tz": '"/etc/localtime"'}),
    Case(TZ, "tz_nul", "timezone", {"tz": '"Asia/Ho_Chi_Minh\\u0000"'}),
    Case(TZ, "model_tz_folder", "timezone", {"top": 'timezone = "America"'}),
    # -- extends ----------------------------------------------------------------------------------------
    Case(EX, "extends_etc_passwd", "extends", {"top": 'extends = "/etc/passwd"'}),
    Case(EX, "extends_dotdot", "extends", {"top": 'extends = "../outside.toml"'}),
    Case(EX, "extends_absolute_outside", "extends", {"top": 'extends = "{outside}"'}),
    Case(EX, "extends_self", "extends", {"top": 'extends = "{self}"'}),
    Case(EX, "extends_number", "extends", {"top": "extends = 5"}),
    Case(EX, "extends_empty", "extends", {"top": 'extends = ""'}),
    Case(EX, "extends_missing", "extends", {"top": 'extends = "no_such_parent.toml"'}),
    Case(EX, "extends_dev_zero", "extends", {"top": 'extends = "/dev/zero"'}),
    Case(EX, "extends_chain_1000", "extends", raw=b'extends = "chain/c0.toml"\n', extras=_chain(1000)),
    Case(EX, "extends_cycle", "extends", raw=b'extends = "cyc/a.toml"\n',
         extras={"cyc/a.toml": 'extends = "b.toml"\n', "cyc/b.toml": 'extends = "a.toml"\n'}),
    Case(EX, "extends_symlink_out", "extends", {"top": 'extends = "link.toml"'}),
    # -- TOML itself ------------------------------------------------------------------------------------
    Case(T, "toml_syntax", "TOML", raw=b'name = "x\nhorizon_days = 5\n'),
    Case(T, "toml_deep_arrays", "TOML", raw=b"a = " + b"[" * 200_000 + b"]" * 200_000 + b"\n"),
    Case(T, "toml_deep_tables", "TOML", raw=b"a = " + b"{b = " * 50_000 + b"1" + b"}" * 50_000 + b"\n"),
    Case(T, "toml_too_big", "bytes", raw=b"# " + b"x" * 2_000_000 + b"\n"),
    Case(T, "toml_not_utf8", "UTF-8", raw=b'name = "\xff\xfe"\n'),
    Case(T, "toml_duplicate_key", "TOML", raw=b'name = "a"\nname = "b"\n'),
    # -- structure --------------------------------------------------------------------------------------
    Case(S, "unknown_key", "colour", {"cargo": 'colour = "red"'}),
    Case(S, "lanes_text", "lanes", {"lanes": '"two"'}),
    Case(S, "kind_unknown", "kind", {"crossing": "", "service": '{ kind = "poisson", mean_min = 1 }'}),
    Case(S, "stage_hours_unknown", "hours", {"stage": "", "more_stages": (
        '[[crossings.gate.routes.export.stages]]\nname = "late"\nhours = "nowhere"\n'
        'service = { default = { kind = "deterministic", value_min = 1 } }')}),
    Case(S, "direction_unknown", "direction", {"stream": "", "tail": (
        '[[initial_backlog]]\ncrossing = "gate"\ndirection = "sideways"\ncargo = "general"\ntrucks = 1')}),
]


def write_case(case: Case, root: Path) -> Path:
    """Write ``case`` (and the files it needs) into its own folder under ``root``; its main file."""
    home = root / case.name / "scenarios"
    home.mkdir(parents=True, exist_ok=True)
    outside = root / case.name / "outside.toml"
    outside.write_text(valid_text(top=f'description = "{SECRET}"'), encoding="utf-8")
    target = home / f"{case.name}.toml"
    data = case.text()
    if case.raw is None:
        text = data.decode("utf-8").replace("{outside}", str(outside)).replace("{self}", target.name)
        data = text.encode("utf-8")
    target.write_bytes(data)
    for rel, text in case.extras.items():
        extra = home / rel
        extra.parent.mkdir(parents=True, exist_ok=True)
        extra.write_text(text, encoding="utf-8")
    if case.name == "extends_symlink_out":
        (home / "link.toml").symlink_to(outside)
    return target


# -- scenario files added by issue 26 -----------------------------------------------------------------
CASES += [
    # a parent that is not a scenario is refused without showing anything of it
    Case(EX, "extends_not_a_scenario", "extends", {"top": 'extends = "keys.toml"'},
         extras={"keys.toml": f'api_key = "{SECRET}"\npassword = "{SECRET}"\n'}),
    Case(S, "loaded_no", "loaded", {"cargo": 'loaded = "no"'}),
    Case(S, "enabled_zero", "enabled", {"crossing": "enabled = 0"}),
    Case(T, "toml_nested_33", "TOML", {"tail": "deep = " + "[" * 33 + "]" * 33}),
]


# -- commands: the surfaces of results folders, sweeps, comparisons and options (issue 26) -------------
@dataclass(frozen=True)
class CommandCase:
    """A command that must be refused (exit 2, one line naming ``field``, no traceback, no secret)
    and must leave every file of its folder as it was (nothing written, truncated or deleted).

    ``argv`` may name ``{S}`` (a small valid scenario), ``{F}`` and ``{G}`` (copies of two small
    results folders with records, when listed in ``needs``), ``{C}`` (the case's folder) and
    ``{OUTSIDE}`` (a folder of precious files next to them). ``setup`` prepares the case's folder.
    """

    category: str
    name: str
    field: str
    argv: tuple[str, ...]
    needs: tuple[str, ...] = ()
    setup: Callable[[Path], None] | None = None


SECRETS = "secrets"  # a precious folder next to each case: nothing in it may change


def _link_lock(home: Path) -> None:
    (home / "out").mkdir()
    (home / "out" / ".lock").symlink_to(home / "outside" / "precious.txt")


def _hard_link_lock(home: Path) -> None:
    (home / "out").mkdir()
    os.link(home / "outside" / "precious.txt", home / "out" / ".lock")


def _reseal(home: Path, edit: Callable[[dict], None]) -> None:
    from sim.experiments.integrity import seal

    file = home / "F" / "manifest.json"
    manifest = json.loads(file.read_text(encoding="utf-8"))
    edit(manifest)
    file.write_text(json.dumps(seal(manifest)), encoding="utf-8")


def _part_named_outside(home: Path) -> None:
    victim = home / "outside" / "victim"
    victim.mkdir()
    (victim / "r00000.parquet").write_bytes(b"precious")
    _reseal(home, lambda m: m["parts"]["r00000"].__setitem__("../outside/victim", m["parts"]["r00000"]["kpis"]))


def _part_named_absolute(home: Path) -> None:
    victim = home / "outside" / "victim"
    victim.mkdir()
    (victim / "r00000.parquet").write_bytes(b"precious")
    _reseal(home, lambda m: m["parts"]["r00000"].__setitem__(str(victim), m["parts"]["r00000"]["kpis"]))


def _replication_key_outside(home: Path) -> None:
    _reseal(home, lambda m: m["parts"].__setitem__("../r00000", m["parts"]["r00000"]))


def _edit_manifest(home: Path) -> None:
    file = home / "F" / "manifest.json"
    manifest = json.loads(file.read_text(encoding="utf-8"))
    manifest["rng_seed"] += 1  # not resealed
    file.write_text(json.dumps(manifest), encoding="utf-8")


def _table_linked_out(home: Path) -> None:
    """F/daily moved outside the folder and replaced by a link to it: same files, same digests."""
    shutil.move(home / "F" / "daily", home / "outside" / "daily")
    (home / "F" / "daily").symlink_to(home / "outside" / "daily")


def _truncate_trucks(home: Path) -> None:
    part = home / "F" / "trucks" / "r00000.parquet"
    part.write_bytes(part.read_bytes()[:100])


def _foreign_manifest(home: Path) -> None:
    (home / "out").mkdir()
    (home / "out" / "manifest.json").write_text('{"name": "a web app", "start_url": "/"}\n', encoding="utf-8")


def _folder_of_other_files(home: Path) -> None:
    (home / "out").mkdir()
    (home / "out" / "notes.txt").write_text("mine\n", encoding="utf-8")


def _sweep_file_list(home: Path) -> None:
    (home / "out").mkdir()
    (home / "out" / "sweep.json").write_text("[]\n", encoding="utf-8")


def _comparison_folder(home: Path) -> None:
    (home / "out").mkdir()
    (home / "out" / "manifest.json").write_text(
        json.dumps({"format": "bordersim-comparison/2", "kind": "comparison", "a": "../F", "b": "../G"}),
        encoding="utf-8",
    )


def _not_calibrated(home: Path) -> None:
    (home / "mine.toml").write_text("# my own notes, not a calibrated scenario\n", encoding="utf-8")


def _big_targets(home: Path) -> None:
    (home / "targets.toml").write_bytes(b"# " + b"x" * 10_000_001 + b"\n")


def _fifo(home: Path) -> None:
    os.mkfifo(home / "targets.toml")


def _values(n: int) -> str:
    return ",".join(str(i) for i in range(1, n + 1))


SET = "--set"
FAST = ("--workers", "1")
RUN = ("run", "{S}", "--replications", "1", *FAST)

COMMAND_CASES: list[CommandCase] = [
    # -- loss: nothing outside the folder is written, truncated or deleted -----------------------------
    CommandCase("loss", "lock_is_a_symlink", ".lock", (*RUN, "--out", "{C}/out"), setup=_link_lock),
    CommandCase("loss", "lock_is_a_hard_link", ".lock", (*RUN, "--out", "{C}/out"), setup=_hard_link_lock),
    CommandCase("loss", "resume_part_named_dotdot", "parts", (*RUN, "--records", "--out", "{F}", "--resume"),
                needs=("F",), setup=_part_named_outside),
    CommandCase("loss", "resume_part_named_absolute", "parts", (*RUN, "--records", "--out", "{F}", "--resume"),
                needs=("F",), setup=_part_named_absolute),
    CommandCase("loss", "resume_replication_named_dotdot", "parts",
                (*RUN, "--records", "--out", "{F}", "--resume"), needs=("F",), setup=_replication_key_outside),
    CommandCase("loss", "report_part_named_dotdot", "parts", ("report", "{F}"), needs=("F",),
                setup=_part_named_outside),
    CommandCase("loss", "report_table_linked_out", "outside", ("report", "{F}"), needs=("F",),
                setup=_table_linked_out),
    CommandCase("loss", "compare_table_linked_out", "outside", ("compare", "{F}", "{G}"), needs=("F", "G"),
                setup=_table_linked_out),
    CommandCase("loss", "resume_table_linked_out", "symbolic link",
                (*RUN, "--records", "--out", "{F}", "--resume"), needs=("F",), setup=_table_linked_out),
    CommandCase("loss", "animate_part_named_dotdot", "parts",
                ("animate", "{F}", "--crossing", "gate", "--from", "2023-02-14", "--hours", "2",
                 "--out", "{C}/page.html"), needs=("F",), setup=_part_named_outside),
    # -- overwrite: never over an input, a run, or a folder of other files -----------------------------
    CommandCase("overwrite", "compare_out_is_a", "--out", ("compare", "{F}", "{G}", "--out", "{F}"),
                needs=("F", "G")),
    CommandCase("overwrite", "compare_out_inside_a", "--out", ("compare", "{F}", "{G}", "--out", "{F}/cmp"),
                needs=("F", "G")),
    CommandCase("overwrite", "compare_out_foreign_manifest", "manifest.json",
                ("compare", "{F}", "{G}", "--out", "{C}/out"), needs=("F", "G"), setup=_foreign_manifest),
    CommandCase("overwrite", "compare_out_other_files", "not a comparison",
                ("compare", "{F}", "{G}", "--out", "{C}/out"), needs=("F", "G"), setup=_folder_of_other_files),
    CommandCase("overwrite", "compare_scenarios_out_is_a_run", "run's results folder",
                ("compare", "{S}", "{S}", "--replications", "1", "--out", "{F}"), needs=("F",)),
    CommandCase("overwrite", "run_force_over_comparison", "comparison",
                (*RUN, "--out", "{C}/out", "--force"), setup=_comparison_folder),
    CommandCase("overwrite", "run_force_over_foreign_manifest", "manifest.json",
                (*RUN, "--out", "{C}/out", "--force"), setup=_foreign_manifest),
    CommandCase("overwrite", "rerun_out_inside_the_folder", "--out", ("run", "{F}", *FAST, "--out", "{F}/again"),
                needs=("F",)),
    CommandCase("overwrite", "calibrate_out_is_the_scenario", "--out",
                ("calibrate", "{S}", "--free", "demand.streams.flow.trucks_per_day=80:120", "--out", "{S}")),
    CommandCase("overwrite", "calibrate_out_not_its_own", "--out",
                ("calibrate", "{S}", "--free", "demand.streams.flow.trucks_per_day=80:120",
                 "--out", "{C}/mine.toml"), setup=_not_calibrated),
    CommandCase("overwrite", "json_over_the_scenario", "--json", (*RUN, "--json", "{S}")),
    CommandCase("overwrite", "json_into_a_results_folder", "--json", (*RUN, "--json", "{F}/manifest.json"),
                needs=("F",)),
    CommandCase("overwrite", "report_out_other_files", "--out", ("report", "{F}", "--out", "{C}/out"),
                needs=("F",), setup=_folder_of_other_files),
    CommandCase("overwrite", "report_out_into_another_run", "--out", ("report", "{F}", "--out", "{G}/daily"),
                needs=("F", "G")),
    CommandCase("overwrite", "sweep_file_is_a_list", "sweep.json",
                ("sweep", "{S}", "--vary", "horizon_days=5,6", "--replications", "1", *FAST, "--out", "{C}/out"),
                setup=_sweep_file_list),
    CommandCase("overwrite", "sweep_force_other_files", "not a sweep folder",
                ("sweep", "{S}", "--vary", "horizon_days=5,6", "--replications", "1", *FAST, "--out", "{C}/out",
                 "--force"), setup=_folder_of_other_files),
    CommandCase("overwrite", "table_out_is_a_device", "--out", ("table", "{S}", "--replications", "1",
                                                                 "--out", "/dev/null")),
    # -- silent: refused, not quietly wrong ----------------------------------------------------------------
    CommandCase("silent", "set_newline", SET, (*RUN, SET, "horizon_days=2\nrng_seed=5")),
    CommandCase("silent", "set_carriage_return", SET, (*RUN, SET, "horizon_days=2\rrng_seed=5")),
    CommandCase("silent", "set_nul", SET, (*RUN, SET, "name=a\0b")),
    CommandCase("silent", "set_two_assignments", SET, (*RUN, SET, "horizon_days=2 rng_seed=5")),
    CommandCase("silent", "set_not_toml", SET, (*RUN, SET, "horizon_days=[1")),
    CommandCase("silent", "set_extends", "extends", (*RUN, SET, 'extends="../outside/x.toml"')),
    CommandCase("silent", "set_empty_section", "crossings", (*RUN, SET, "crossings={}")),
    CommandCase("silent", "set_field_of_no_entry", "crossings.nowhere", (*RUN, SET, "crossings.nowhere.enabled=false")),
    CommandCase("silent", "set_bool_as_text", "enabled", (*RUN, SET, "crossings.gate.enabled=no")),
    CommandCase("silent", "factor_below_zero", "--factor",
                ("sensitivity", "{S}", "--factor", "crossings.*.routes.*.stages[*].lanes=-1:0.5", "--out", "{C}/out")),
    CommandCase("silent", "factor_that_cannot_move", "--factor",
                ("sensitivity", "{S}", "--factor", "crossings.*.routes.*.stages[*].lanes=0.9:1.1", "--out", "{C}/out")),
    CommandCase("silent", "factor_below_the_floor", "lanes",
                ("sensitivity", "{S}", "--factor", "crossings.*.routes.*.stages[*].lanes=0.1:0.9", "--levels", "2",
                 "--trajectories", "1", "--out", "{C}/out")),
    # -- unbounded: refused before the work ------------------------------------------------------------
    CommandCase("unbounded", "rerun_set_horizon_x_demand", "trucks_per_day",
                ("run", "{F}", *FAST, SET, "horizon_days=3000", SET, "demand.streams.flow.trucks_per_day=900000"),
                needs=("F",)),
    CommandCase("unbounded", "rerun_set_unknown_calendar", "hours",
                ("run", "{F}", *FAST, SET, 'crossings.gate.routes.export.stages[0].hours="nowhere"'), needs=("F",)),
    CommandCase("unbounded", "replications_1e8", "--replications", ("run", "{S}", "--replications", "100000000")),
    CommandCase("unbounded", "compare_replications_1e8", "--replications",
                ("compare", "{S}", "{S}", "--replications", "100000000")),
    CommandCase("unbounded", "sweep_grid_1e6", "--vary",
                ("sweep", "{S}", "--vary", f"horizon_days={_values(1000)}", "--vary", f"rng_seed={_values(1000)}",
                 "--out", "{C}/out")),
    CommandCase("unbounded", "sweep_grid_6e11", "--vary",
                ("sweep", "{S}", "--vary", f"rng_seed={_values(1000)}", "--vary", f"horizon_days={_values(1000)}",
                 "--vary", f"warmup_days={_values(1000)}", "--vary", f"description={_values(660)}", "--out", "{C}/out")),
    CommandCase("unbounded", "design_lhs_1e9", "--design",
                ("sweep", "{S}", "--design", "lhs:1000000000", "horizon_days=5:6", "--out", "{C}/out")),
    CommandCase("unbounded", "design_lhs_5000_digits", "--design",
                ("sweep", "{S}", "--design", "lhs:" + "9" * 5000, "horizon_days=5:6", "--out", "{C}/out")),
    CommandCase("unbounded", "sweep_points_x_replications", "runs",
                ("sweep", "{S}", "--vary", f"rng_seed={_values(5000)}", "--replications", "100", "--out", "{C}/out")),
    CommandCase("unbounded", "trajectories_1e8", "--trajectories",
                ("sensitivity", "{S}", "--factor", "demand.streams.*.trucks_per_day=0.8:1.2",
                 "--trajectories", "100000000", "--out", "{C}/out")),
    CommandCase("unbounded", "levels_1e6", "--levels",
                ("sensitivity", "{S}", "--factor", "demand.streams.*.trucks_per_day=0.8:1.2",
                 "--levels", "1000000", "--out", "{C}/out")),
    CommandCase("unbounded", "targets_dev_zero", "/dev/zero", ("calibrate", "{S}", "--targets", "/dev/zero")),
    CommandCase("unbounded", "targets_fifo", "regular file", ("calibrate", "{S}", "--targets", "{C}/targets.toml"),
                setup=_fifo),
    CommandCase("unbounded", "targets_too_big", "bytes", ("calibrate", "{S}", "--targets", "{C}/targets.toml"),
                setup=_big_targets),
    CommandCase("unbounded", "capacity_targets_dev_zero", "/dev/zero", ("capacity", "--targets", "/dev/zero")),
    CommandCase("unbounded", "table_out_dev_zero", "--out", ("table", "{S}", "--replications", "1",
                                                              "--out", "/dev/zero")),
    # -- tracebacks before: each one line now --------------------------------------------------------
    CommandCase("traceback", "set_nested_3000", SET, (*RUN, SET, "description=" + "[" * 3000 + "]" * 3000)),
    CommandCase("traceback", "set_nested_33", SET, (*RUN, SET, "description=" + "[" * 33 + "]" * 33)),
    CommandCase("traceback", "overload_nan", "--overload", ("capacity", "{S}", "--overload", "nan")),
    CommandCase("traceback", "overload_inf", "--overload", ("capacity", "{S}", "--overload", "inf")),
    CommandCase("traceback", "overload_1e12", "--overload", ("capacity", "{S}", "--overload", "1e12")),
    CommandCase("traceback", "animate_replication_1e23", "--replication",
                ("animate", "{S}", "--crossing", "gate", "--from", "2023-02-14", "--hours", "2",
                 "--replication", str(10**23), "--out", "{C}/page.html")),
    CommandCase("traceback", "animate_truncated_part", "trucks/r00000.parquet",
                ("animate", "{F}", "--crossing", "gate", "--from", "2023-02-14", "--hours", "2",
                 "--out", "{C}/page.html"), needs=("F",), setup=_truncate_trucks),
    # -- messages: one line naming the right thing ---------------------------------------------------------
    CommandCase("message", "compare_missing_folder", "no such", ("compare", "{F}", "{C}/missing_dir"), needs=("F",)),
    CommandCase("message", "report_missing_folder", "no such folder", ("report", "{C}/missing_dir")),
    CommandCase("message", "rerun_horizon_nan", "horizon_days", ("run", "{F}", *FAST, SET, "horizon_days=nan"),
                needs=("F",)),
    CommandCase("message", "report_edited_manifest", "manifest_sha256", ("report", "{F}"), needs=("F",),
                setup=_edit_manifest),
]


def write_command_case(case: CommandCase, root: Path, folders: dict[str, Path], scenario: str) -> list[str]:
    """Prepare ``case`` in its own folder under ``root``; its command line, placeholders filled in."""
    home = root / case.name
    home.mkdir(parents=True)
    (home / "outside").mkdir()
    (home / "outside" / "precious.txt").write_text(f"{SECRET}\n", encoding="utf-8")
    (home / "s.toml").write_text(scenario, encoding="utf-8")
    for name in case.needs:
        shutil.copytree(folders[name], home / name, symlinks=True)
    if case.setup is not None:
        case.setup(home)
    places = {"S": str(home / "s.toml"), "C": str(home), "OUTSIDE": str(home / "outside")}
    places |= {name: str(home / name) for name in case.needs}
    return [_fill(word, places) for word in case.argv]


def _fill(word: str, places: dict[str, str]) -> str:
    for key, value in places.items():
        word = word.replace("{" + key + "}", value)
    return word
