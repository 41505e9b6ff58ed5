"""``--set path=value``: change one field of a scenario from the command line.

A path names a field the way error messages do (``crossings.chi_ma.routes.export.stages[0].lanes``);
the value is parsed as TOML (``3``, ``0.25``, ``"mon-fri"``, ``2023-03-01``,
``{ kind = "exponential", mean_min = 12 }``), a bare word that is not TOML is taken as a string.

A setting is applied to the merged scenario data and handed to the loader as an
override that replaces the smallest enclosing part that cannot be merged key by
key: a list (a route's ``stages``) or a tagged table (a distribution, a routing rule).
The result is validated like a file; problems are one line naming ``--set`` and the path.

A setting is one assignment: a value holding a line break or another control character, a
second key or a table header is refused, and so is a value nested more than
:data:`~sim.scenario.limits.MAX_NESTING` deep. ``extends`` cannot be set (it names the file a
scenario is read from: give that file instead), and an empty table over a table is refused
(tables merge key by key, so ``{}`` would change nothing).
:func:`parse_setting` is the one reading of a ``PATH=VALUE`` assignment, wherever it comes from.
"""

from __future__ import annotations

import copy
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from difflib import get_close_matches
from typing import Any

from sim.scenario.errors import ScenarioError
from sim.scenario.inputs import nesting_depth
from sim.scenario.limits import MAX_FILE_BYTES, MAX_NESTING
from sim.scenario.schema import fields_at

_PART = re.compile(r"([A-Za-z0-9_\-]+)|\[(\d+)\]")
_TAGS = ("kind", "policy")
#: Line breaks and other control characters (a tab is allowed): a setting is one line.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\u2028\u2029]")
#: A bare word taken as text when it is not TOML (``mon-fri``, ``my scenario``): nothing that
#: opens a TOML string, array or table, and no ``=``.
_BARE = re.compile(r"[^\[\]{}\"'=]+")
#: Longest path, and longest value, of one setting.
MAX_PATH_CHARS = 1000

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Setting:
    """One ``--set``: the text as given, its field path and its parsed value."""

    text: str
    path: Path_
    value: Any
    option: str = "--set"  # what the one-line errors name: --set, --free, --vary

    @property
    def dotted(self) -> str:
        return dotted(self.path)


def dotted(path: Sequence[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse_path(text: str, where: str) -> Path_:
    """``a.b[0].c`` -> ``("a", "b", 0, "c")``; :class:`ScenarioError` naming ``where`` if malformed."""
    if len(text) > MAX_PATH_CHARS:
        raise ScenarioError(
            [f"{where[:80]}...: path of {len(text):,} characters: expected at most {MAX_PATH_CHARS}"]
        )
    parts: list[str | int] = []
    pos = 0
    for segment in text.split("."):
        if not segment:
            raise ScenarioError([f"{where}: path {text!r}: expected names separated by dots, e.g. a.b[0].c"])
        pos = 0
        while pos < len(segment):
            m = _PART.match(segment, pos)
            if not m or (m.group(1) and pos > 0):
                raise ScenarioError(
                    [f"{where}: path {text!r}: cannot read {segment[pos:]!r}; expected name or [index]"]
                )
            parts.append(m.group(1) if m.group(1) else int(m.group(2)))
            pos = m.end()
    return tuple(parts)


def parse_value(text: str, where: str = "value") -> Any:
    """One TOML value (``3``, ``true``, ``"x"``, ``[1, 2]``, ``{ kind = ... }``), or a bare word as
    text (``mon-fri``); anything else is :class:`ScenarioError` naming ``where``."""
    if len(text) > MAX_FILE_BYTES:
        raise ScenarioError(
            [f"{where}: a value of {len(text):,} characters: expected at most {MAX_FILE_BYTES:,}"]
        )
    if _CONTROL.search(text):
        raise ScenarioError(
            [f"{where}: expected one value on one line (it holds a line break or another control character)"]
        )
    try:
        table = tomllib.loads(f"v = {text}")
    except tomllib.TOMLDecodeError:
        if _BARE.fullmatch(text.strip() or "="):
            return text
        raise ScenarioError(
            [f"{where}: expected one TOML value (3, 0.25, true, \"text\", [1, 2], {{ kind = ... }}) "
             "or a bare word"]  # fmt: skip
        ) from None
    except RecursionError:
        raise ScenarioError([f"{where}: tables or arrays nested more than {MAX_NESTING} deep"]) from None
    if set(table) != {"v"}:
        raise ScenarioError([f"{where}: expected one value, not a second key"])
    value = table["v"]
    if nesting_depth(value) > MAX_NESTING:
        raise ScenarioError([f"{where}: tables or arrays nested more than {MAX_NESTING} deep"])
    return value


def parse_setting(text: str, option: str = "--set") -> Setting:
    """One ``PATH=VALUE`` assignment (``--set``, ``--vary``, a file's patch): its path and its value.

    Raises :class:`ScenarioError` (one line naming ``option`` and the text) for anything but one
    assignment of one value to a settable path.
    """
    shown = text if len(text) <= 200 and not _CONTROL.search(text) else repr(text[:60]) + "..."
    where = f"{option} {shown}"
    if _CONTROL.search(text):
        raise ScenarioError(
            [f"{where}: expected one assignment on one line (it holds a line break or another "
             "control character)"]  # fmt: skip
        )
    path, sep, value = text.partition("=")
    if not sep or not path.strip():
        raise ScenarioError([f"{where}: expected PATH=VALUE, e.g. horizon_days=14"])
    parts = parse_path(path.strip(), where)
    if parts[0] == "extends":
        raise ScenarioError(
            [f"{where}: extends cannot be set: it names the file the scenario is read from; "
             "give that file (or a file that extends it) as the scenario instead"]
        )  # fmt: skip
    return Setting(text, parts, parse_value(value.strip(), where), option)


def parse_settings(texts: Sequence[str] | None, option: str = "--set") -> list[Setting]:
    return [parse_setting(t, option) for t in texts or []]


def apply(data: Mapping[str, Any], settings: Sequence[Setting]) -> dict[str, Any]:
    """A copy of scenario data with every setting applied (unknown names: one line with a hint)."""
    out = copy.deepcopy(dict(data))
    for s in settings:
        node: Any = out
        for i, part in enumerate(s.path[:-1]):
            node = _step(node, part, s, i, create=True)
        last = s.path[-1]
        if s.value == {} and isinstance(_get(node, last), dict):
            raise ScenarioError(
                [f"{s.option} {s.text}: {s.dotted}: an empty table changes nothing (tables merge key by "
                 "key); set the fields inside it, or disable a crossing with its `enabled = false`"]
            )  # fmt: skip
        if isinstance(node, list):
            if not isinstance(last, int) or last >= len(node):
                raise ScenarioError([_missing(s, len(s.path) - 1, node)])
            node[last] = s.value
        elif isinstance(node, dict):
            if isinstance(last, int):
                raise ScenarioError([_missing(s, len(s.path) - 1, node)])
            node[last] = s.value
        else:
            raise ScenarioError(
                [f"{s.option} {s.text}: {dotted(s.path[:-1])} is a value, not a table or list"]
            )
    return out


def _get(node: Any, key: str | int) -> Any:
    if isinstance(node, dict):
        return node.get(key)
    if isinstance(node, list) and isinstance(key, int) and key < len(node):
        return node[key]
    return None


def _step(node: Any, part: str | int, s: Setting, i: int, create: bool) -> Any:
    if isinstance(node, list):
        if isinstance(part, int) and part < len(node):
            return node[part]
        raise ScenarioError([_missing(s, i, node)])
    if isinstance(node, dict) and isinstance(part, str):
        if part not in node:
            close = get_close_matches(part, [str(k) for k in node], n=1)
            if close or not create or _named_entries(s.path[:i], node):
                raise ScenarioError([_missing(s, i, node)])
            node[part] = {}
        return node[part]
    raise ScenarioError([_missing(s, i, node)])


def _named_entries(path: Sequence[str | int], node: dict) -> bool:
    """Whether ``node`` (at ``path``) is a table of named entries (crossings, cargo classes,
    calendars, streams...) rather than a part of the schema with fields: a setting may change
    an entry's field but not invent an entry through one of its fields (it would need them all)."""
    return bool(node) and not fields_at(tuple(path))


def _missing(s: Setting, i: int, node: Any) -> str:
    where = dotted(s.path[: i + 1])
    if isinstance(node, list):
        length = f"the list {dotted(s.path[:i]) or ''} has {len(node)}"
        return f"{s.option} {s.text}: {where}: no such item ({length})"
    if isinstance(node, dict):
        keys = [str(k) for k in node]
        close = get_close_matches(str(s.path[i]), keys, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"expected one of: {', '.join(sorted(keys))}"
        return f"{s.option} {s.text}: {where}: no such field; {hint}"
    return f"{s.option} {s.text}: {dotted(s.path[:i])} is a value, not a table or list"


def value_at(data: Any, setting: Setting) -> Any:
    """The value at ``setting.path`` in ``data`` (one line with a hint if it is not there)."""
    node = data
    for i, part in enumerate(setting.path):
        node = _step(node, part, setting, i, create=False)
    return node


def as_overrides(data: Mapping[str, Any], settings: Sequence[Setting]) -> dict[str, Any]:
    """The overrides that turn merged scenario ``data`` into ``apply(data, settings)``.

    Each setting contributes the part of the changed data that the loader's merge
    replaces whole: the first list or tagged table on its path, or the value itself.
    """
    changed = apply(data, settings)
    overrides: dict[str, Any] = {}
    for s in settings:
        cut = len(s.path)
        node: Any = changed
        for i, part in enumerate(s.path):
            if isinstance(node, list) or (isinstance(node, Mapping) and any(t in node for t in _TAGS) and i):
                cut = i
                break
            node = node[part]
        # the prefix up to the cut is made only of table keys
        prefix = s.path[:cut]
        value: Any = changed
        for part in prefix:
            value = value[part]
        target = overrides
        for part in prefix[:-1]:
            target = target.setdefault(part, {})
        target[prefix[-1]] = copy.deepcopy(value)
    return overrides


def rename_problems(problems: Sequence[str], settings: Sequence[Setting], source: str) -> list[str]:
    """Loader lines about ``command-line options`` (or ``source``) as lines about the ``--set``
    that caused them: the setting whose path shares the longest start with the line's field."""
    out = []
    for line in problems:
        if line.startswith(source + ": ") and settings:
            rest = line[len(source) + 2 :]
            head = rest.split(" ")[0].rstrip(":")
            best = max(settings, key=lambda s: (_shared(head, s.dotted), settings.index(s)))
            if _shared(head, best.dotted) > 0:
                line = f"{best.option} {best.text}: {rest}"
        out.append(line)
    return out


def _shared(a: str, b: str) -> int:
    """Length of the longest common start of two dotted paths, in whole parts."""
    pa, pb = re.split(r"\.|(?=\[)", a), re.split(r"\.|(?=\[)", b)
    n = 0
    for x, y in zip(pa, pb, strict=False):
        if x != y:
            break
        n += 1
    return n
