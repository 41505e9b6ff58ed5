"""Scenario files: TOML in, a validated :class:`~sim.scenario.Scenario` out.

This is the one place scenario files enter the program. A file may
``extends`` a parent: a file inside its own folder (or below it, or in a folder
given with ``--scenario-path``), or the name of a packaged scenario; anything
else is refused, and chains are at most :data:`sim.scenario.limits.MAX_EXTENDS_DEPTH`
long. Tables merge key by key, anything else in the child replaces the
parent's value. Every problem becomes one line naming the file, the field,
the value and what was expected::

    scenarios/harvest.toml: crossings.tan_thanh.routes.export.stages[0].lanes = 0: expected at least 1
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.scenario.errors import ScenarioError
from sim.scenario.inputs import nesting_depth, read_bounded  # noqa: F401 (read_bounded: re-exported)
from sim.scenario.limits import MAX_EXTENDS_DEPTH, MAX_FILE_BYTES, MAX_NESTING
from sim.scenario.overrides import Setting, apply, as_overrides, parse_path, rename_problems
from sim.scenario.schema import (
    KEY_PATTERN,
    FieldPath,
    Scenario,
    fields_at,
    limit_problems,
    reference_problems,
)

_TAGS = ("kind", "policy")


def packaged_dir() -> Path:
    """Folder of the scenarios shipped with the package (or the repository's in a checkout)."""
    package = Path(__file__).resolve().parents[1]
    installed = package / "scenarios"
    return installed if installed.is_dir() else package.parent / "scenarios"


def packaged_names() -> list[str]:
    """Packaged scenarios, those in subfolders (``episodes/f20_….toml``) by relative path."""
    root = packaged_dir()
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.toml"))


def default_scenario_path() -> Path:
    """The embedded default scenario: the Lạng Sơn baseline."""
    return packaged_dir() / "baseline.toml"


def resolve(reference: str, relative_to: Path | None = None) -> Path:
    """Find a scenario file by path (relative to ``relative_to``) or by packaged name."""
    candidates = []
    if relative_to is not None:
        candidates.append(relative_to / reference)
    candidates.append(Path(reference))
    name = reference if reference.endswith(".toml") else f"{reference}.toml"
    candidates.append(packaged_dir() / name)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    return candidates[0]


_EXTRA_DIRS: ContextVar[tuple[Path, ...]] = ContextVar("scenario_path", default=())


@contextmanager
def scenario_path(dirs: Iterable[str | Path]) -> Iterator[None]:
    """Within the block, ``extends`` may also name files inside ``dirs`` (``--scenario-path``)."""
    token = _EXTRA_DIRS.set(tuple(Path(d).resolve() for d in dirs))
    try:
        yield
    finally:
        _EXTRA_DIRS.reset(token)


def load_scenario(source: str | Path | None = None, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Read, merge and validate a scenario file.

    Parameters
    ----------
    source
        A path, the name of a packaged scenario (``"baseline"``), or None for the default.
    overrides
        Top-level fields to replace after merging (e.g. ``{"horizon_days": 7}``), validated too.

    Raises
    ------
    ScenarioError
        With one line per problem.
    """
    path = default_scenario_path() if source is None else resolve(str(source))
    chain = _read_chain(path)
    merged = _merge_chain(chain)
    if overrides:
        merged = deep_merge(merged, dict(overrides))
        chain = [(Path("command-line options"), dict(overrides)), *chain]
    return _validate(merged, chain, suspects=2 if overrides else 1)


def read_chain(source: str | Path | None = None) -> list[tuple[Path, dict[str, Any]]]:
    """A scenario file and its ``extends`` ancestors, child first, each as ``(path, data)``."""
    path = default_scenario_path() if source is None else resolve(str(source))
    return _read_chain(path)


def resolved_data(source: str | Path | None = None) -> dict[str, Any]:
    """The scenario's data as its files state it, ``extends`` merged, defaults not filled in.

    What :func:`sim.scenario.overrides.as_overrides` sets values on, so that an override
    replaces exactly one value of what the planner wrote.
    """
    path = default_scenario_path() if source is None else resolve(str(source))
    return _merge_chain(_read_chain(path))


def load_with_settings(
    source: str | None, settings: Sequence[Setting], overrides: Mapping[str, Any] | None = None
) -> Scenario:
    """:func:`load_scenario` with ``overrides`` and then ``settings`` (``--set``) applied; a problem
    a setting causes is one line naming it (:func:`sim.scenario.overrides.rename_problems`)."""
    extra = dict(overrides or {})
    if settings:
        extra = deep_merge(extra, as_overrides(deep_merge(resolved_data(source), extra), settings))
    try:
        return load_scenario(source, overrides=extra or None)
    except ScenarioError as err:
        raise ScenarioError(rename_problems(err.problems, settings, "command-line options")) from None


def data_with_settings(
    data: Mapping[str, Any],
    source: str,
    settings: Sequence[Setting] = (),
    overrides: Mapping[str, Any] | None = None,
) -> Scenario:
    """A scenario from ``data`` that no file holds (a results folder's, a form's), with ``overrides``
    and then ``settings`` applied, through the same checks and limits as a file
    (:func:`scenario_from_data`); problems name ``source`` or the setting."""
    extra = dict(overrides or {})
    if settings:
        extra = deep_merge(extra, as_overrides(deep_merge(dict(data), extra), settings))
    try:
        return scenario_from_data(data, source, overrides=extra or None)
    except ScenarioError as err:
        raise ScenarioError(rename_problems(err.problems, settings, "command-line options")) from None


def parse_scenario(
    text: str, name: str = "<scenario>", overrides: Mapping[str, Any] | None = None
) -> Scenario:
    """Validate a scenario given as TOML text; ``extends`` resolves like a packaged name.

    ``overrides`` replace top-level fields after merging, as in :func:`load_scenario`.
    """
    path = Path(name)
    chain = _read_chain(path, text)
    merged = _merge_chain(chain)
    if overrides:
        merged = deep_merge(merged, dict(overrides))
        chain = [(Path("command-line options"), dict(overrides)), *chain]
    return _validate(merged, chain, suspects=2 if overrides else 1)


def scenario_from_data(
    data: Mapping[str, Any], source: str | Path, overrides: Mapping[str, Any] | None = None
) -> Scenario:
    """Validate scenario data that did not come from a file (a results folder's manifest, a form):
    the same checks and limits as a file (schema, cross-references, size of the run), the
    problems named after ``source``; ``overrides`` replace fields first, as in :func:`load_scenario`.
    """
    if not isinstance(data, Mapping):
        raise ScenarioError([f"{source}: expected a table of scenario fields"])
    if data.get("extends") is not None:
        raise ScenarioError(
            [f"{source}: extends = {_show(data['extends'])}: scenario data given whole cannot extend a file"]
        )
    if nesting_depth(data) > MAX_NESTING:
        raise ScenarioError([f"{source}: tables or arrays nested more than {MAX_NESTING} deep"])
    chain = [(Path(str(source)), dict(data))]
    merged = dict(data)
    if overrides:
        merged = deep_merge(merged, dict(overrides))
        chain = [(Path("command-line options"), dict(overrides)), *chain]
    return _validate(merged, chain, suspects=len(chain))


def _read_toml(path: Path, text: str | None = None) -> dict[str, Any]:
    """One scenario file's table; its size is bounded and nothing of its content is echoed."""
    if text is None:
        if not path.exists():
            packaged = ", ".join(packaged_names())
            raise ScenarioError(
                [f"{shown(path)}: no such scenario file (packaged: {packaged}){_name_hint(path.name)}"]
            )
        data = read_bounded(path, MAX_FILE_BYTES, "scenario file", shown(path))
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise ScenarioError([f"{shown(path)}: cannot be read: not UTF-8 text"]) from None
    if len(text) > MAX_FILE_BYTES:
        raise ScenarioError([f"{shown(path)}: expected a scenario file of at most {MAX_FILE_BYTES:,} bytes"])
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(
            [f"{shown(path)}: {_bad_date(text, str(err)) or f'not valid TOML: {err}'}"]
        ) from None
    except RecursionError:
        raise ScenarioError([f"{shown(path)}: not valid TOML: tables or arrays nested too deeply"]) from None
    if nesting_depth(table) > MAX_NESTING:
        raise ScenarioError(
            [f"{shown(path)}: TOML tables or arrays nested more than {MAX_NESTING} deep: "
             f"expected at most {MAX_NESTING}"]  # fmt: skip
        )
    return table


_DATE_AT = re.compile(r"""([A-Za-z0-9_\-"']+)\s*=\s*(\d{4}-\d{2}-\d{2})(?![\d:])""")


def _bad_date(text: str, error: str) -> str | None:
    """A TOML error that is a date that does not exist (``2023-05-32``, which TOML reads as the
    start of something else: "Unclosed inline table"), said as a date error; None otherwise."""
    from datetime import date

    at = re.search(r"at line (\d+)", error)
    lines = text.splitlines()
    if not at or not 0 < int(at.group(1)) <= len(lines):
        return None
    line = int(at.group(1))
    for key, day in _DATE_AT.findall(lines[line - 1]):
        try:
            date.fromisoformat(day)
        except ValueError as err:
            name = key.strip("\"'")
            return f"line {line}: {name} = {day}: not a calendar date ({err}); expected YYYY-MM-DD"
    return None


def _read_chain(path: Path, text: str | None = None) -> list[tuple[Path, dict[str, Any]]]:
    """The file and its ancestors, child first; iterative, at most ``MAX_EXTENDS_DEPTH`` parents."""
    chain = [(path, _read_toml(path, text))]
    seen = [path.resolve()]
    while "extends" in chain[-1][1]:
        child, raw = chain[-1]
        if len(chain) > MAX_EXTENDS_DEPTH:
            raise ScenarioError(
                [
                    f"{chain[0][0]}: extends = {chain[0][1]['extends']!r}: expected a chain of at most "
                    f"{MAX_EXTENDS_DEPTH} parents (it goes on past {child})"
                ]
            )
        parent = _parent_path(child, raw["extends"])
        if parent.resolve() in seen:
            cycle = " -> ".join(str(p) for p in (*(c for c, _ in chain), parent))
            raise ScenarioError([f"{child}: extends = {raw['extends']!r}: cycle ({cycle})"])
        seen.append(parent.resolve())
        chain.append((parent, _read_toml(parent)))
    return chain


def _inside(path: Path, root: Path) -> bool:
    try:
        return path.is_relative_to(root)
    except (OSError, ValueError):
        return False


def _name_hint(reference: str) -> str:
    """``; did you mean 'baseline.toml'?`` when a packaged scenario's name is close to ``reference``."""
    from difflib import get_close_matches

    name = Path(reference).name
    name = name if name.endswith(".toml") else f"{name}.toml"
    close = get_close_matches(name, packaged_names(), n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def _parent_path(child: Path, reference: object) -> Path:
    """The parent a file names: next to it or below it, in a ``--scenario-path`` folder, or packaged.

    Anything else is refused: a scenario must not make the program read (and echo) other files.
    """
    if not isinstance(reference, str) or not reference or len(reference) > 1000 or "\0" in reference:
        raise ScenarioError([f"{child}: extends = {_show(reference)}: expected a file name"])
    home = child.parent.resolve()
    roots = [home, *_EXTRA_DIRS.get()]
    bare = "/" not in reference and "\\" not in reference and reference not in (".", "..")
    try:
        wanted = Path(reference)
        candidates = [home / wanted] if not wanted.is_absolute() else [wanted]
        candidates += [root / wanted for root in roots[1:] if not wanted.is_absolute()]
        candidates = [c.resolve() for c in candidates]
    except (OSError, ValueError, RuntimeError):
        raise ScenarioError([f"{child}: extends = {_show(reference)}: expected a file name"]) from None
    allowed = [c for c in candidates if any(_inside(c, root) for root in roots)]
    for candidate in allowed:
        if candidate.is_file():
            return candidate
    # A packaged name, or a packaged scenario's path inside the packaged folder
    # (``episodes/f20_….toml``, as `bordersim list` shows it): nowhere outside it.
    in_package = bare or (not wanted.is_absolute() and ".." not in wanted.parts)
    if in_package:
        name = reference if reference.endswith(".toml") else f"{reference}.toml"
        packaged = packaged_dir() / name
        if packaged.is_file() and _inside(packaged.resolve(), packaged_dir().resolve()):
            return packaged
    if not allowed:
        raise ScenarioError(
            [
                f"{child}: extends = {reference!r}: expected the name of a packaged scenario or a file "
                f"inside {shown(home)} (the folder of the file that names it); give --scenario-path DIR "
                "to allow another folder"
            ]
        )
    raise ScenarioError(
        [
            f"{child}: extends = {reference!r}: no such file next to it and no packaged scenario "
            f"of that name (packaged: {', '.join(packaged_names())}){_name_hint(reference)}"
        ]
    )


def _merge_chain(chain: list[tuple[Path, dict[str, Any]]]) -> dict[str, Any]:
    """Merge a child-first chain, checking first that every parent is a scenario of its own,
    from the root down: each file is checked on parents already found valid, so a problem is
    its own (named against it, not against a parent whose value it changed the meaning of).

    A parent that is not a scenario file at all (a key at its top that no scenario has, or
    neither ``name`` nor ``extends``) is refused in one line that shows nothing of its content:
    ``extends`` must not become a way to print another file.
    """
    for i in reversed(range(1, len(chain))):
        child, raw = chain[i - 1]
        parent, parent_raw = chain[i]
        if not _looks_like_scenario(parent_raw):
            raise ScenarioError(
                [
                    f"{shown(child)}: extends = {raw.get('extends')!r}: {shown(parent)} is not a scenario "
                    "file (its top level holds keys that no scenario has, or neither name nor extends); "
                    "nothing of it is shown"
                ]
            )
        try:
            _validate(_merged(chain[i:]), chain[i:], suspects=1)
        except ScenarioError as err:
            raise ScenarioError(
                [
                    f"{shown(child)}: extends = {raw.get('extends')!r}: the parent is not a valid scenario",
                    *err.problems,
                ]
            ) from None
    return _merged(chain)


def _looks_like_scenario(raw: Mapping[str, Any]) -> bool:
    fields = set(Scenario.model_fields) | {"extends", SET}
    return all(k in fields for k in raw) and ("name" in raw or "extends" in raw)


def _merged(chain: list[tuple[Path, dict[str, Any]]]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for path, raw in reversed(chain):
        merged = deep_merge(merged, {k: v for k, v in raw.items() if k != SET})
        if SET in raw:  # the file's patches, on what it and its parents make
            merged = _patched(merged, raw[SET], path)
    merged.pop("extends", None)
    return merged


SET = "set"  # a file's [set] table: one field by path, as --set gives it


def _patched(data: dict[str, Any], table: object, file: Path) -> dict[str, Any]:
    """``data`` with a file's ``[set]`` entries applied: each key a path in the ``--set`` syntax
    (``"crossings.chi_ma.routes.export.stages[0].lanes" = 4``), parsed and applied by
    :mod:`sim.scenario.overrides` exactly as ``--set`` is (one field of a list item, no copy of
    the list), so the same one-line errors name the file and the entry."""
    if not isinstance(table, Mapping):
        raise ScenarioError([f'{shown(file)}: {SET} = {_show(table)}: expected a table of "path" = value'])
    settings = []
    for key, value in table.items():
        where = f"{shown(file)}: [{SET}] {key}"
        settings.append(
            Setting(str(key), parse_path(str(key), where), value, option=f"{shown(file)}: [{SET}]")
        )
    return apply(data, settings)


def deep_merge(base: dict[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    """``top`` over ``base``: tables merge key by key, other values are replaced.

    A table with a ``kind`` or ``policy`` key (a distribution, a routing rule) is one
    choice and replaces the parent's table whole: mixing two distributions' parameters
    or two routings' shares would make a value nobody wrote.
    """
    out = dict(base)
    for key, value in top.items():
        tagged = isinstance(value, Mapping) and any(t in value for t in _TAGS)
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping) and not tagged:
            out[key] = deep_merge(dict(out[key]), value)
        else:
            out[key] = value
    return out


def _validate(merged: dict[str, Any], chain: list[tuple[Path, dict[str, Any]]], suspects: int) -> Scenario:
    """Validate ``merged``; a problem is named against one of the first ``suspects`` entries of
    ``chain`` (the file, and the command-line options): the parents behind them are valid."""
    chain = chain[:suspects]
    try:
        scenario = Scenario.model_validate(merged)
    except ValidationError as err:
        errors = err.errors()
        # A table whose name is not a name (crossings."Chi Ma"): say that, not its missing fields.
        bad = [tuple(e["loc"][:-1]) for e in errors if e["loc"] and e["loc"][-1] == "[key]"]
        errors = [e for e in errors if e["loc"][-1:] == ("[key]",) or not any(
            tuple(e["loc"][: len(b)]) == b for b in bad)]  # fmt: skip
        raise ScenarioError([_pydantic_line(e, merged, chain) for e in errors]) from None
    problems = reference_problems(scenario) or limit_problems(scenario)
    if problems:
        raise ScenarioError([_line(_where(path, chain), path, value, what) for path, value, what in problems])
    return scenario


def _pydantic_line(error: Any, data: dict[str, Any], chain: list[tuple[Path, dict[str, Any]]]) -> str:
    path = _clean_loc(error["loc"], data)
    kind, ctx = error["type"], error.get("ctx", {})
    value: object = error.get("input")
    if path and path[-1] == "[key]":  # a table's name, not one of its fields
        path = path[:-1]
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == KEY_PATTERN:
        what = "expected a name of lowercase letters, digits and '_', starting with a letter" + _name_like(
            value, data
        )
    elif kind == "literal_error":
        what = error["msg"].replace("Input should be", "expected") + _literal_hint(value, ctx)
    elif kind == "missing":
        value, what = "(missing)", "a value is required" + _new_name_hint(path, data)
    elif kind == "extra_forbidden":
        what = "unknown key" + _hint(path)
    elif kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        word = {
            "greater_than_equal": "at least",
            "greater_than": "more than",
            "less_than_equal": "at most",
            "less_than": "less than",
        }[kind]
        bound = next(iter(ctx.values()))
        what = f"expected {word} {bound}"
    elif kind in ("too_long", "too_short"):
        bound = ctx.get("max_length" if kind == "too_long" else "min_length")
        word = "at most" if kind == "too_long" else "at least"
        got = len(value) if isinstance(value, list | dict) else ctx.get("actual_length")
        got_text = f" (got {got})" if got is not None else ""
        return f"{_where(path, chain)}: {_dotted(path)}: expected {word} {bound} entries{got_text}"
    elif kind == "union_tag_invalid":
        tag = str(ctx.get("discriminator", "kind")).strip("'")
        path, value = (*path, tag), ctx.get("tag")
        what = f"expected one of {ctx.get('expected_tags')}"
    elif kind == "union_tag_not_found":
        what = f"expected a table with a {ctx.get('discriminator', 'kind')!s} key"
    elif kind == "value_error":
        what = str(ctx.get("error", error["msg"]))
    else:
        what = error["msg"].replace("Input should be", "expected").replace("Input", "value")
    return _line(_where(path, chain), path, value, what)


def _names(data: Any) -> list[str]:
    """Every name a scenario defines (calendars, classes, crossings, ports, staging areas, streams,
    stages): what a mistyped name was probably meant to be."""
    out: list[str] = []
    if not isinstance(data, Mapping):
        return out
    for table in ("hours", "cargo", "crossings", "facilities", "staging"):
        if isinstance(data.get(table), Mapping):
            out += [str(k) for k in data[table]]
    streams = data.get("demand", {}).get("streams") if isinstance(data.get("demand"), Mapping) else None
    if isinstance(streams, Mapping):
        out += [str(k) for k in streams]
    for table in ("crossings", "facilities"):
        for place in (data.get(table) or {}).values() if isinstance(data.get(table), Mapping) else []:
            for route in (place.get("routes") or {}).values() if isinstance(place, Mapping) else []:
                for stage in route.get("stages", []) if isinstance(route, Mapping) else []:
                    if isinstance(stage, Mapping) and isinstance(stage.get("name"), str):
                        out.append(stage["name"])
    return list(dict.fromkeys(out))


def _name_like(value: object, data: Any) -> str:
    """``; did you mean 'chi_ma'?`` for "Chi Ma", ``'vn'`` for "VN": the scenario's name it resembles,
    else the text written as a name."""
    import re
    from difflib import get_close_matches

    if not isinstance(value, str):
        return ""
    plain = re.sub(r"[^a-z0-9]+", "_", value.strip().lower()).strip("_")
    known = _names(data)
    close = (
        [plain]
        if plain in known
        else get_close_matches(plain, known, n=1) or get_close_matches(value, known, n=1)
    )
    if close:
        return f"; did you mean '{close[0]}'?"
    return f"; did you mean '{plain}'?" if plain and plain[0].isalpha() else ""


def _literal_hint(value: object, ctx: dict[str, Any]) -> str:
    """``; did you mean 'VN'?`` for 'vn' when the allowed words differ only in case or spelling."""
    from difflib import get_close_matches

    if not isinstance(value, str):
        return ""
    allowed = [
        w.strip(" '") for w in str(ctx.get("expected", "")).replace(" or ", ",").split(",") if w.strip()
    ]
    same = [w for w in allowed if w.lower() == value.strip().lower()]
    close = same or get_close_matches(value, allowed, n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def _new_name_hint(path: FieldPath, data: dict[str, Any]) -> str:
    """For a field missing in a new named table (``crossings.chima``): the existing name it resembles."""
    from difflib import get_close_matches

    if (
        len(path) < 3
        or path[0] not in ("crossings", "cargo", "hours", "facilities", "staging")
        or not isinstance(data.get(path[0]), dict)
    ):
        return ""
    others = [str(k) for k in data[path[0]] if k != path[1]]
    close = get_close_matches(str(path[1]), others, n=1)
    if not close:
        return ""
    return f" (a new {path[0]} entry '{path[1]}' needs all its fields; did you mean '{close[0]}'?)"


def _clean_loc(loc: tuple[Any, ...], data: Any) -> FieldPath:
    """Drop the union tags pydantic adds to locations (``service.default.lognormal.sd_min``)."""
    out: list[str | int] = []
    tag_dropped = False
    for part in loc:
        if not tag_dropped and isinstance(data, Mapping) and any(data.get(t) == part for t in _TAGS):
            tag_dropped = True  # at most once per table: `shares.shares` is a tag, then a field
            continue  # pydantic names the member of a tagged union; the file does not
        tag_dropped = False
        if isinstance(part, str) and part.startswith("function-"):
            continue
        out.append(part)
        if isinstance(data, Mapping):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]
        else:
            data = None
    return tuple(out)


def _hint(path: FieldPath) -> str:
    """Allowed keys at the place of an unknown key, when the schema says them plainly."""
    from difflib import get_close_matches

    fields = fields_at(path[:-1])
    if not fields:
        return ""
    close = get_close_matches(str(path[-1]), fields, n=1)
    if close:
        return f"; did you mean '{close[0]}'?"
    return f"; expected one of: {', '.join(sorted(fields))}"


def shown(path: Path | str) -> str:
    """A scenario file as a message names it: as given when relative; an absolute path the loader
    found (a parent) relative to the working folder, or as a packaged scenario's name."""
    p = Path(path)
    if not p.is_absolute():
        return str(p)
    try:
        real, here, packaged = p.resolve(), Path.cwd().resolve(), packaged_dir().resolve()
    except OSError:
        return str(p)
    if real.is_relative_to(here):
        return real.relative_to(here).as_posix()
    if real.is_relative_to(packaged):
        return f"{real.relative_to(packaged).as_posix()} (packaged)"
    return str(p)


def _where(path: FieldPath, chain: list[tuple[Path, dict[str, Any]]]) -> str:
    """Where a problem at ``path`` comes from: the ``[set]`` entry that set it (the nearest file's),
    or the file in the extends chain that sets the deepest part of it."""
    for file, raw in chain:
        entries = raw.get(SET)
        if not isinstance(entries, Mapping):
            continue
        for key in reversed(list(entries)):
            target = parse_path(str(key), f"{file}: [{SET}] {key}")
            if tuple(path[: len(target)]) == target or tuple(target[: len(path)]) == tuple(path):
                return f"{shown(file)}: [{SET}] {key}"
    return shown(_file_of(path, chain))


def _file_of(path: FieldPath, chain: list[tuple[Path, dict[str, Any]]]) -> Path:
    """Of the files a problem can be in (``chain``, child first: the command-line options, then
    the file), the first that sets ``path`` whole (its value is in force), else the one that sets
    the deepest part of it, the file rather than the options on a tie: a problem whose path the
    file does not write (a class it added, skipped by a parent's stage) is still the file's."""
    best, depth = chain[0][0], -1
    for file, raw in chain:
        node: Any = raw
        d = 0
        for part in path:
            if isinstance(node, Mapping) and part in node:
                node, d = node[part], d + 1
            elif isinstance(node, list) and isinstance(part, int) and part < len(node):
                node, d = node[part], d + 1
            else:
                break
        if d == len(path):
            return file
        if d >= depth:
            best, depth = file, d
    return best


def _dotted(path: FieldPath) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _show(value: object) -> str:
    if isinstance(value, str):
        return repr(value) if value != "(missing)" else value
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _line(file: Path | str, path: FieldPath, value: object, what: str) -> str:
    if isinstance(value, Mapping):  # a rule about a whole table: the message names the values
        return f"{file}: {_dotted(path) + ': ' if path else ''}{what}"
    return f"{file}: {_dotted(path)} = {_show(value)}: {what}"


def normalised(scenario: Scenario) -> dict[str, Any]:
    """The scenario as plain JSON data, every default filled in."""
    return scenario.model_dump(mode="json")


def scenario_hash(scenario: Scenario) -> str:
    """A short, stable fingerprint of the normalised scenario."""
    text = json.dumps(normalised(scenario), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def json_schema() -> dict[str, Any]:
    """The editors' JSON Schema of scenario files (:mod:`sim.scenario.editor_schema`)."""
    from sim.scenario.editor_schema import editor_schema

    return editor_schema()
