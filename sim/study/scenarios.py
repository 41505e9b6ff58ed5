"""A scenario as a planner reads it before running it: what a file sets, how two scenarios differ,
whether a file is valid, and a change saved as a short file (``extends`` and a ``[set]`` table).

Checking a file imports no heavy library (``validate`` stays quick): results folders are read only
when one is named."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sim.scenario.files import ScenarioError, load_scenario, normalised, read_chain, scenario_hash
from sim.scenario.inspect import Change, diff, flatten, show_value, toml_value
from sim.scenario.schema import Scenario
from sim.scenario.warnings import scenario_warnings


def show_lines(reference: str, resolved: bool = False) -> list[str]:
    """``path = value`` for every field a file sets (``resolved``, or a results folder: every field
    of the scenario it makes, defaults filled in), after a heading line."""
    from sim.experiments.results_folder import is_results_folder, scenario_of

    if resolved or is_results_folder(reference):
        scenario, source = scenario_of(reference, {})
        data = normalised(scenario)
        head = (f"# {scenario.name}: resolved from {source}, every default filled in (scenario hash "
                f"{scenario_hash(scenario)})")  # fmt: skip
    else:
        load_scenario(reference)  # only valid scenarios are shown
        chain = read_chain(reference)
        head = f"# {chain[0][0]}: what this file sets" + "".join(f"; extends {p}" for p, _ in chain[1:])
        data = chain[0][1]
    return [head, *(f"{path} = {show_value(value)}" for path, value in flatten(data))]


@dataclass(frozen=True)
class Difference:
    """B against A, resolved (defaults filled in): each changed, added or removed field."""

    a: Scenario
    b: Scenario
    source_a: str
    source_b: str
    changes: list[Change]

    def lines(self) -> list[str]:
        n = len(self.changes)
        return [
            f"# A: {self.source_a} ({self.a.name}); B: {self.source_b} ({self.b.name}); resolved scenarios, "
            "defaults filled in",
            f"# {n} difference{'s' if n != 1 else ''}: ~ changed (A -> B), + only in B, - only in A",
            *(c.line() for c in self.changes),
        ]


def difference(a: str, b: str) -> Difference:
    """How B differs from A (files, packaged names or results folders), field path by field path."""
    from sim.experiments.results_folder import scenario_of

    sa, source_a = scenario_of(a, {})
    sb, source_b = scenario_of(b, {})
    return Difference(sa, sb, source_a, source_b, diff(normalised(sa), normalised(sb)))


def parent_of(reference: str | Path) -> str | None:
    """The file a scenario ``extends`` (its path), or None for a scenario that extends nothing."""
    chain = read_chain(str(reference))
    return str(chain[1][0]) if len(chain) > 1 else None


@dataclass(frozen=True)
class Checked:
    """A file checked as ``validate`` checks it: its scenario, or its problems; and its warnings."""

    name: str
    scenario: Scenario | None
    problems: list[str]
    warnings: list[str]

    def summary(self) -> str:
        s = self.scenario
        if s is None:
            return f"{self.name}: {len(self.problems)} problem{'s' if len(self.problems) != 1 else ''}"
        return (f"{self.name}: ok ({s.name}: {sum(x.enabled for x in s.crossings.values())} crossings, "
                f"{len(s.demand.streams)} streams, {s.horizon_days} days)")  # fmt: skip


def check(name: str | Path, text: str | None = None) -> Checked:
    """``validate``'s verdict on a file (or on ``text``, read as if it were that file): one line per
    problem, named after the file, and the plausible mistakes of a valid one."""
    from sim.scenario.files import parse_scenario

    try:
        s = load_scenario(name) if text is None else parse_scenario(text, str(name))
    except ScenarioError as err:
        return Checked(str(name), None, list(err.problems), [])
    return Checked(str(name), s, [], [f"warning: {name}: {line}" for line in scenario_warnings(s)])


def set_file(parent: str, settings: Sequence[str], name: str, description: str = "",
             comment: Sequence[str] = ()) -> str:  # fmt: skip
    """A scenario file that ``extends`` ``parent`` and changes it by ``settings`` (``PATH=VALUE``
    each, as ``--set`` takes them) in a ``[set]`` table; ``bordersim run`` reads it as it is.

    Raises
    ------
    ScenarioError
        A setting that ``--set`` would refuse (one line naming it).
    """
    from sim.scenario.overrides import dotted, parse_settings

    parsed = parse_settings(list(settings))
    lines = [f"# {line}".rstrip() for line in comment]
    lines += [f"extends = {toml_value(parent)}", f"name = {toml_value(name)}"]
    if description:
        lines.append(f"description = {toml_value(description)}")
    if parsed:
        lines += ["", "[set]", *(f"{toml_value(dotted(s.path))} = {toml_value(s.value)}" for s in parsed)]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class About:
    """What a scenario file says of itself: its opening comment (the question, sources and
    assumptions, as the files are written), its ``description``, and every line marked ASSUMPTION."""

    name: str
    description: str
    opening: list[str]
    assumptions: list[str]


def about(file: str | Path) -> About:
    """The opening comment, description and ASSUMPTION lines of a scenario file (read bounded)."""
    from sim.scenario.inputs import read_bounded
    from sim.scenario.limits import MAX_FILE_BYTES

    chain = read_chain(str(file))
    data = chain[0][1]
    text = read_bounded(chain[0][0], MAX_FILE_BYTES, "scenario file").decode("utf-8", errors="replace")
    lines = text.splitlines()
    opening = []
    for line in lines:
        if not line.startswith("#"):
            break
        opening.append(line.removeprefix("#").removeprefix(" "))
    marked = [line.strip() for line in lines[len(opening) :] if "ASSUMPTION" in line]
    return About(str(data.get("name", chain[0][0].stem)), str(data.get("description", "")), opening, marked)
