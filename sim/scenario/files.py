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
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.scenario.limits import MAX_EXTENDS_DEPTH, MAX_FILE_BYTES
from sim.scenario.schema import FieldPath, Scenario, limit_problems, reference_problems

_TAGS = ("kind", "policy")


class ScenarioError(Exception):
    """A scenario that cannot be used; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


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


def _read_toml(path: Path, text: str | None = None) -> dict[str, Any]:
    """One scenario file's table; its size is bounded and nothing of its content is echoed."""
    if text is None:
        if not path.is_file():
            packaged = ", ".join(packaged_names())
            raise ScenarioError(
                [f"{path}: no such scenario file (packaged: {packaged}){_name_hint(path.name)}"]
            )
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                raise ScenarioError([f"{path}: {size:,} bytes: expected a scenario file of at most "
                                     f"{MAX_FILE_BYTES:,} bytes"])  # fmt: skip
            text = path.read_bytes()[: MAX_FILE_BYTES + 1].decode("utf-8")
        except (OSError, UnicodeDecodeError) as err:
            reason = err.strerror if isinstance(err, OSError) and err.strerror else "not UTF-8 text"
            raise ScenarioError([f"{path}: cannot be read: {reason}"]) from None
    if len(text) > MAX_FILE_BYTES:
        raise ScenarioError([f"{path}: expected a scenario file of at most {MAX_FILE_BYTES:,} bytes"])
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError([f"{path}: not valid TOML: {err}"]) from None
    except RecursionError:
        raise ScenarioError([f"{path}: not valid TOML: tables or arrays nested too deeply"]) from None


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
                f"inside {home} (the folder of the file that names it); give --scenario-path DIR "
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
    its own (named against it, not against a parent whose value it changed the meaning of)."""
    for i in reversed(range(1, len(chain))):
        try:
            _validate(_merged(chain[i:]), chain[i:], suspects=1)
        except ScenarioError as err:
            child, raw = chain[i - 1]
            raise ScenarioError(
                [
                    f"{child}: extends = {raw.get('extends')!r}: the parent is not a valid scenario",
                    *err.problems,
                ]
            ) from None
    return _merged(chain)


def _merged(chain: list[tuple[Path, dict[str, Any]]]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for _, raw in reversed(chain):
        merged = deep_merge(merged, raw)
    merged.pop("extends", None)
    return merged


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
        raise ScenarioError([_pydantic_line(e, merged, chain) for e in err.errors()]) from None
    problems = reference_problems(scenario) or limit_problems(scenario)
    if problems:
        raise ScenarioError(
            [_line(_file_of(path, chain), path, value, what) for path, value, what in problems]
        )
    return scenario


def _pydantic_line(error: Any, data: dict[str, Any], chain: list[tuple[Path, dict[str, Any]]]) -> str:
    path = _clean_loc(error["loc"], data)
    kind, ctx = error["type"], error.get("ctx", {})
    value: object = error.get("input")
    if kind == "missing":
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
        return f"{_file_of(path, chain)}: {_dotted(path)}: expected {word} {bound} entries{got_text}"
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
    return _line(_file_of(path, chain), path, value, what)


def _new_name_hint(path: FieldPath, data: dict[str, Any]) -> str:
    """For a field missing in a new named table (``crossings.chima``): the existing name it resembles."""
    from difflib import get_close_matches

    if (
        len(path) < 3
        or path[0] not in ("crossings", "cargo", "hours")
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

    fields = _fields_at(path[:-1])
    if not fields:
        return ""
    close = get_close_matches(str(path[-1]), fields, n=1)
    if close:
        return f"; did you mean '{close[0]}'?"
    return f"; expected one of: {', '.join(sorted(fields))}"


def _fields_at(path: FieldPath) -> list[str]:
    """Field names of the schema table at ``path`` (keys of dicts and list indexes skipped)."""
    import typing

    from pydantic import BaseModel

    def members(annotation: Any) -> tuple[Any, bool]:
        """The model inside an annotation, and whether a key or index comes first."""
        if typing.get_origin(annotation) is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        origin = typing.get_origin(annotation)
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if origin in (dict, list):
            inner, _ = members(args[-1])
            return inner, True
        if origin is not None and len(args) == 1:
            return members(args[0])
        return annotation, False

    model: Any = Scenario
    skip = False
    for part in path:
        if skip:  # a dict key or a list index
            skip = False
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return []
        field = model.model_fields.get(str(part))
        if field is None:
            return []
        model, skip = members(field.annotation)
    if not skip and isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []


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


def _line(file: Path, path: FieldPath, value: object, what: str) -> str:
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
