"""Dotted paths into a scenario: ``crossings.chi_ma.routes.export.stages[0].lanes``.

A path names one value of a scenario as a planner reads it in the file: table keys
joined by dots, list items by ``[index]``. Calibration names its free parameters this
way, and the command line sets values by them. Setting a value never edits the file: it
builds the top-level override that :func:`sim.scenario.files.load_scenario` merges and
validates like any other.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

Step = str | int
_NAME = r"[A-Za-z_][A-Za-z0-9_\-]*"
_PATH = re.compile(rf"^{_NAME}(\[\d+\])*(\.{_NAME}(\[\d+\])*)*$")
_STEP = re.compile(rf"({_NAME})|\[(\d+)\]")


class PathError(ValueError):
    """A path that does not parse, or does not lead to a value of the scenario."""


def parse_path(text: str) -> tuple[Step, ...]:
    """``"a.b[2].c"`` -> ``("a", "b", 2, "c")``."""
    if not _PATH.match(text):
        raise PathError(f"{text!r}: expected field names joined by dots, list items as [index]")
    return tuple(name if name else int(index) for name, index in _STEP.findall(text))


def format_path(steps: tuple[Step, ...]) -> str:
    out = ""
    for s in steps:
        out += f"[{s}]" if isinstance(s, int) else (f".{s}" if out else s)
    return out


def get_path(data: Any, steps: tuple[Step, ...]) -> Any:
    """The value at ``steps``; :class:`PathError` naming the first step that is not there."""
    here = data
    for i, step in enumerate(steps):
        if isinstance(step, int):
            ok = isinstance(here, list) and 0 <= step < len(here)
        else:
            ok = isinstance(here, Mapping) and step in here
        if not ok:
            where = format_path(steps[: i + 1])
            have = sorted(here) if isinstance(here, Mapping) else None
            hint = f" (there: {', '.join(have)})" if have else ""
            raise PathError(f"{format_path(steps)}: {where} is not in the scenario{hint}")
        here = here[step]
    return here


def with_value(data: Mapping[str, Any], steps: tuple[Step, ...], value: Any) -> dict[str, Any]:
    """A copy of ``data`` with ``value`` at ``steps``.

    Missing tables on the way are created (a field left to its default is not written in
    the file); a list item must exist. Whether the result is a valid scenario is for the
    schema to say.
    """
    out = copy.deepcopy(dict(data))
    here: Any = out
    for i, step in enumerate(steps):
        last = i == len(steps) - 1
        if isinstance(step, int):
            if not (isinstance(here, list) and 0 <= step < len(here)):
                raise PathError(f"{format_path(steps)}: {format_path(steps[: i + 1])} is not in the scenario")
        elif not isinstance(here, dict):
            raise PathError(f"{format_path(steps)}: {format_path(steps[:i])} is not a table")
        elif not last:
            here.setdefault(step, {})
        if last:
            here[step] = value
        else:
            here = here[step]
    return out


def overrides_for(resolved: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """Top-level overrides that set each ``path: value`` on the ``resolved`` scenario data.

    Each touched top-level field is given whole (lists are replaced whole when merged), so
    the result merges onto the same scenario to exactly the values asked for.
    """
    data: dict[str, Any] = dict(resolved)
    tops = []
    for text, value in values.items():
        steps = parse_path(text)
        data = with_value(data, steps, value)
        tops.append(steps[0])
    return {top: data[top] for top in dict.fromkeys(tops)}
