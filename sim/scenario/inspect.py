"""What a scenario sets, and how two scenarios differ, field path by field path.

Paths are written as in error messages and ``--set`` (``crossings.chi_ma.routes.export.stages[0].lanes``),
so a line of ``bordersim diff`` can be pasted into ``--set``.

A small recursive diff rather than a library (deepdiff): scenario data is plain
JSON (tables, lists, numbers, text), the paths must be in this syntax, and lists
are compared by position, as the loader replaces them (a route's stages).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sim.scenario.overrides import dotted

_MISSING = object()


def flatten(data: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str, Any]]:
    """Every leaf value with its path; an empty table or list is a leaf."""
    if isinstance(data, dict) and data:
        for key, value in data.items():
            yield from flatten(value, (*path, key))
    elif isinstance(data, list) and data:
        for i, value in enumerate(data):
            yield from flatten(value, (*path, i))
    else:
        yield dotted(path), data


def show_value(value: Any) -> str:
    """A value as TOML writes it (text quoted, dates bare, tables and lists inline)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, int | float):
        return repr(value)
    if value is None:
        return "(none)"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return json.dumps(value, ensure_ascii=False, default=str)


def toml_value(value: Any) -> str:
    """A value as TOML text that reads back as the same value (an inline table for a table)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"cannot write {value!r} as TOML")


@dataclass(frozen=True)
class Change:
    """One difference: a path set only in A (``removed``), only in B (``added``), or to another value."""

    path: str
    a: Any = _MISSING
    b: Any = _MISSING

    def line(self) -> str:
        if self.a is _MISSING:
            return f"+ {self.path} = {show_value(self.b)}"
        if self.b is _MISSING:
            return f"- {self.path} = {show_value(self.a)}"
        return f"~ {self.path}: {show_value(self.a)} -> {show_value(self.b)}"


def diff(a: Any, b: Any, path: tuple[str | int, ...] = ()) -> list[Change]:
    """Differences from ``a`` to ``b``: tables by key (A's order, then new keys), lists by position."""
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[Change] = []
        for key in [*a, *(k for k in b if k not in a)]:
            here = (*path, key)
            if key not in b:
                out += [Change(p, a=v) for p, v in flatten(a[key], here)]
            elif key not in a:
                out += [Change(p, b=v) for p, v in flatten(b[key], here)]
            else:
                out += diff(a[key], b[key], here)
        return out
    if isinstance(a, list) and isinstance(b, list):
        out = []
        for i in range(max(len(a), len(b))):
            here = (*path, i)
            if i >= len(b):
                out += [Change(p, a=v) for p, v in flatten(a[i], here)]
            elif i >= len(a):
                out += [Change(p, b=v) for p, v in flatten(b[i], here)]
            else:
                out += diff(a[i], b[i], here)
        return out
    if a == b and type(a) is type(b):
        return []
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool) and a == b:
        return []  # 3 and 3.0 are the same number
    return [Change(dotted(path), a, b)]
