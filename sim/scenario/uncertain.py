"""The parameters the sources do not pin down, as data: ``seeds/uncertain.toml``.

Each parameter is a *factor for a group* of scenario numbers, named by path patterns::

    [parameters.cn_berths_youyiguan_import]
    paths = ["facilities.youyiguan.routes.import.stages[name=cn_inspection].lanes"]
    range = [0.6, 2.0]          # the factor's prior range (uniform)
    unit = "x scenario value"
    why = "ASSUMPTION: ..."     # a fact id (F59) or the word ASSUMPTION with why
    era = "2024"                # optional: only scenarios of that era (see [eras])

A pattern is a dotted path as in ``--set`` (``a.b[0].c``) where a name may be ``*`` (any
key), an index ``[*]`` (any item) or ``[name=X]`` (the items whose ``name`` is X: a stage by
its name, whatever its position). ``kind = "scale"`` (the default) multiplies every matched
number by the factor (whole numbers are rounded, and stay at least 1: lanes); ``kind =
"share"`` multiplies a routing share and rescales the other shares of the same stream so they
still sum to 1 (a stream with no other share is left alone). A factor of 1 is the scenario as
written, so a parameter that matches nothing in a scenario does not change it; the space's
point ``{name: 1}`` is the packaged scenarios.

Eras: ``[eras]`` maps an era name to the scenario that stands for it (``"2024" =
"baseline_2024"``). A scenario's era is that of the nearest file in its ``extends`` chain
(itself first) that is an era's scenario; a parameter with an ``era`` applies only to scenarios
of that era (Vietnamese lanes in 2023 and in 2024 are two parameters).

Adding a parameter is an edit to the file, nothing else: history matching, the worlds and
every ``--worlds`` command read the space from it. Problems are one line each, naming the
file, the field and the value (:class:`UncertainError`, exit 2 on the command line).
"""

from __future__ import annotations

import copy
import hashlib
import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from sim.scenario.files import ScenarioError, read_chain, resolve
from sim.scenario.schema import Scenario
from sim.scenario.spec import Spec

_FACT = re.compile(r"\bF\d{2}[a-z]?\b|\d{3}_[0-9a-f]{16}\.txt|\bASSUMPTION\b")
_SEGMENT = re.compile(r"^(\*|[A-Za-z0-9_\-]+)((?:\[(?:\*|\d+|name=[A-Za-z0-9_\-]+)\])*)$")
_SELECTOR = re.compile(r"\[(\*|\d+|name=[A-Za-z0-9_\-]+)\]")

Path_ = tuple[str | int, ...]


class UncertainError(ScenarioError):
    """An uncertain-parameters file that cannot be used: one line per problem."""


def parse_pattern(text: str) -> list[str | int]:
    """``a.*.b[name=x].c[*]`` -> ``["a", "*", "b", "name=x", "c", "[*]"]`` (steps to match).

    Raises
    ------
    ValueError
        What cannot be read, in one phrase.
    """
    steps: list[str | int] = []
    if not text or text != text.strip():
        raise ValueError("expected a dotted path such as crossings.*.routes.*.stages[name=vn_customs].lanes")
    for segment in text.split("."):
        m = _SEGMENT.match(segment)
        if not m:
            raise ValueError(f"cannot read {segment!r}: expected a name, *, [N], [*] or [name=X]")
        steps.append(m.group(1))
        for sel in _SELECTOR.findall(m.group(2)):
            steps.append(int(sel) if sel.isdigit() else ("[*]" if sel == "*" else sel))
    return steps


def matches(data: Any, pattern: str) -> list[tuple[Path_, float]]:
    """The numbers in ``data`` (scenario data: dicts and lists) whose path matches ``pattern``."""
    steps = parse_pattern(pattern)
    out: list[tuple[Path_, float]] = []

    def walk(node: Any, i: int, path: Path_) -> None:
        if i == len(steps):
            if isinstance(node, int | float) and not isinstance(node, bool):
                out.append((path, node))
            return
        step = steps[i]
        if isinstance(step, int):
            if isinstance(node, list) and step < len(node):
                walk(node[step], i + 1, (*path, step))
        elif step == "[*]":
            if isinstance(node, list):
                for k, child in enumerate(node):
                    walk(child, i + 1, (*path, k))
        elif step.startswith("name="):
            if isinstance(node, list):
                for k, child in enumerate(node):
                    if isinstance(child, Mapping) and child.get("name") == step[5:]:
                        walk(child, i + 1, (*path, k))
        elif step == "*":
            if isinstance(node, Mapping):
                for key, child in node.items():
                    walk(child, i + 1, (*path, key))
        elif isinstance(node, Mapping) and step in node:
            walk(node[step], i + 1, (*path, step))

    walk(data, 0, ())
    return out


class Parameter(Spec):
    """One uncertain factor: the scenario numbers it multiplies, its range, and why."""

    paths: list[str] = Field(min_length=1, description="Path patterns of the numbers it multiplies.")
    range: tuple[float, float] = Field(description="[low, high] of the factor (a uniform prior).")
    unit: str = Field(min_length=1, description="What the factor is, e.g. 'x scenario value'.")
    why: str = Field(min_length=1, description="Fact ids (F59) or ASSUMPTION, and why this range.")
    kind: Literal["scale", "share"] = Field("scale", description="Multiply numbers, or a routing share.")
    era: str | None = Field(None, description="Only scenarios of this era (a key of [eras]).")
    label: str | None = Field(None, description="A short name for tables and figures.")

    @field_validator("paths")
    @classmethod
    def _patterns(cls, paths: list[str]) -> list[str]:
        for p in paths:
            try:
                parse_pattern(p)
            except ValueError as err:
                raise ValueError(f"{p!r}: {err}") from None
        return paths

    @field_validator("why")
    @classmethod
    def _sourced(cls, why: str) -> str:
        if not _FACT.search(why):
            raise ValueError("expected a fact id (F59), a source file (001_….txt) or the word ASSUMPTION")
        return why

    @model_validator(mode="after")
    def _ordered(self) -> Parameter:
        low, high = self.range
        if not (math.isfinite(low) and math.isfinite(high)) or not 0 < low < high:
            raise ValueError(f"range {list(self.range)}: expected 0 < low < high, both finite")
        if low > 1 or high < 1:
            raise ValueError(f"range {list(self.range)}: expected to include 1 (the scenario as written)")
        return self


class Space(Spec):
    """The uncertain parameters and the eras they apply to."""

    eras: dict[str, str] = Field(default_factory=dict, description="Era name -> its scenario.")
    parameters: dict[str, Parameter] = Field(min_length=1)

    @model_validator(mode="after")
    def _eras_known(self) -> Space:
        for name, p in self.parameters.items():
            if p.era is not None and p.era not in self.eras:
                known = ", ".join(sorted(self.eras)) or "none"
                raise ValueError(f"parameters.{name}.era = {p.era!r}: expected one of the eras ({known})")
        return self

    @property
    def names(self) -> list[str]:
        return list(self.parameters)

    def lows(self) -> list[float]:
        return [p.range[0] for p in self.parameters.values()]

    def highs(self) -> list[float]:
        return [p.range[1] for p in self.parameters.values()]

    def nominal(self) -> dict[str, float]:
        """Every factor at 1: the scenarios as written."""
        return dict.fromkeys(self.parameters, 1.0)


def default_space_path() -> Path:
    """``seeds/uncertain.toml``: in the repository, or shipped in the wheel as ``sim/_seeds``."""
    package = Path(__file__).resolve().parents[1]
    packaged = package / "_seeds" / "uncertain.toml"
    return packaged if packaged.is_file() else package.parent / "seeds" / "uncertain.toml"


def file_digest(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def load_space(path: str | Path | None = None) -> Space:
    """Read and validate an uncertain-parameters file.

    Raises
    ------
    UncertainError
        One line per problem: ``FILE: parameters.NAME.FIELD = VALUE: what was expected``.
    """
    path = Path(path) if path is not None else default_space_path()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise UncertainError([f"{path}: not valid TOML: {err}"]) from None
    except (OSError, UnicodeDecodeError) as err:
        raise UncertainError([f"{path}: cannot be read: {getattr(err, 'strerror', None) or err}"]) from None
    try:
        return Space.model_validate(raw)
    except ValidationError as err:
        problems = []
        for e in err.errors():
            loc = [str(p) for p in e["loc"] if not str(p).startswith("function")]
            where = ".".join(loc) or "(top level)"
            msg = e["msg"].removeprefix("Value error, ")
            if e["type"] == "value_error" and not loc:
                problems.append(f"{path}: {msg}")
            else:
                problems.append(f"{path}: {where} = {e.get('input')!r}: {msg}")
        raise UncertainError(problems) from None


def era_of(source: str | Path | None, space: Space) -> str | None:
    """The era of a scenario file: that of the nearest file of its chain that is an era's scenario."""
    if not space.eras:
        return None
    bases = {resolve(ref).resolve(): era for era, ref in space.eras.items()}
    for path, _ in read_chain(source):
        era = bases.get(path.resolve())
        if era is not None:
            return era
    return None


def applies(parameter: Parameter, era: str | None) -> bool:
    return parameter.era is None or parameter.era == era


@dataclass(frozen=True)
class Change:
    """One number of a scenario changed by a factor (for provenance and tests)."""

    parameter: str
    path: Path_
    before: float
    after: float


def world_data(
    data: dict[str, Any], era: str | None, space: Space, values: Mapping[str, float]
) -> tuple[dict[str, Any], list[Change]]:
    """A copy of scenario ``data`` (a model dump) with each applicable factor applied."""
    out = copy.deepcopy(data)
    changes: list[Change] = []
    for name, p in space.parameters.items():
        factor = float(values.get(name, 1.0))
        if factor == 1.0 or not applies(p, era):
            continue
        for pattern in p.paths:
            for path, before in matches(out, pattern):
                if p.kind == "share":
                    parent = _at(out, path[:-1])
                    others = [k for k in parent if k != path[-1]]
                    rest = sum(parent[k] for k in others)
                    if not others or rest <= 0:
                        continue
                    new = min(1.0, before * factor)
                    for k in others:
                        parent[k] = parent[k] * (1.0 - new) / rest
                    parent[path[-1]] = new
                elif isinstance(before, int):
                    new = max(1, round(before * factor))
                    _at(out, path[:-1])[path[-1]] = new
                else:
                    new = before * factor
                    _at(out, path[:-1])[path[-1]] = new
                changes.append(Change(name, path, before, new))
    return out, changes


def _at(data: Any, path: Sequence[str | int]) -> Any:
    for part in path:
        data = data[part]
    return data


def world_scenario(
    scenario: Scenario, era: str | None, space: Space, values: Mapping[str, float]
) -> Scenario:
    """The scenario in the world ``values`` (factors by parameter name; missing ones are 1)."""
    if all(float(values.get(n, 1.0)) == 1.0 or not applies(p, era) for n, p in space.parameters.items()):
        return scenario
    data, _ = world_data(scenario.model_dump(mode="python"), era, space, values)
    return Scenario.model_validate(data)


def unit_to_values(space: Space, unit: Sequence[float]) -> dict[str, float]:
    """A point of the unit cube as factors, each uniform over its range."""
    return {
        n: p.range[0] + float(u) * (p.range[1] - p.range[0])
        for (n, p), u in zip(space.parameters.items(), unit, strict=True)
    }


def values_to_unit(space: Space, values: Mapping[str, float]) -> list[float]:
    return [(float(values[n]) - p.range[0]) / (p.range[1] - p.range[0]) for n, p in space.parameters.items()]
