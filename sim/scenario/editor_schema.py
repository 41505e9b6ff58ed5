"""The JSON Schema of scenario files, for editors (``bordersim schema``).

Pydantic's schema of :class:`~sim.scenario.schema.Scenario` describes a complete,
merged scenario. Editors see files, and most files ``extends`` another: they set a
few fields and need none. So the schema holds two versions of every table:

* the full one, for a file without ``extends`` (and for whatever the loader
  replaces whole: list items such as a route's stages, and tagged tables — a
  distribution or routing rule, or a crossing that gives its ``kind``);
* a partial one, for a file with ``extends``: no field is required in tables
  that merge key by key with the parent.

Formats that the loader checks in code are stated too, so that an editor refuses
what ``bordersim validate`` refuses: clock times ``HH:MM`` from 00:00 to 24:00,
IANA time zones by their shape (``Region/City``: the editor's error stays one short line;
``validate`` checks the zone exists), dates ``YYYY-MM-DD``.
TOML dates are checked as their ISO text, as TOML editors hand them to JSON Schema.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

from sim.scenario.schema import Scenario

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID = "urn:bordersim:scenario:1"
CLOCK_PATTERN = r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"
# An IANA zone's shape (Region/City): an editor's error quotes this pattern, where an enum of the
# ~600 zones made it list them all; `validate` checks that the zone exists, with a "did you mean".
ZONE_PATTERN = (
    r"^((Africa|America|Antarctica|Arctic|Asia|Atlantic|Australia|Europe|Indian|Pacific|Etc)"
    r"/[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+)?|UTC)$"
)
DATE_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
_TAGS = ("kind", "policy")
_REF = "#/$defs/"
# A file's [set] table: "path" = value, the path in the --set syntax (sim/scenario/overrides.py).
SET_PATH_PATTERN = r"^[A-Za-z0-9_\-]+(\[[0-9]+\])*(\.[A-Za-z0-9_\-]+(\[[0-9]+\])*)*$"
SET_SCHEMA = {
    "type": "object",
    "title": "Set",
    "description": "One field each, by its path as --set writes it, applied after this file's tables "
    'merge with its parent\'s: "crossings.chi_ma.routes.export.stages[0].lanes" = 4 changes one '
    "field of one list item without copying the list. Validated like --set.",
    "propertyNames": {"pattern": SET_PATH_PATTERN},
}


def editor_schema() -> dict[str, Any]:
    """The schema: ``$schema``, ``$id``, and full or partial scenario depending on ``extends``."""
    raw = Scenario.model_json_schema()
    defs: dict[str, Any] = raw.pop("$defs")
    defs["Scenario"] = raw
    _formats(defs)
    partial: dict[str, Any] = {}
    for name in list(defs):
        _partial_def(name, defs, partial)
    defs.update(partial)
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": SCHEMA_ID,
        "title": "bordersim scenario file",
        "description": (
            "A bordersim scenario (TOML). A file with `extends` changes its parent: no field is "
            "required, tables merge key by key; without `extends` the file is a complete scenario."
        ),
        "if": {"required": ["extends"]},
        "then": {"$ref": _REF + "PartialScenario"},
        "else": {"$ref": _REF + "Scenario"},
        "$defs": defs,
    }


def _formats(defs: dict[str, Any]) -> None:
    for which in ("open", "close"):
        defs["Window"]["properties"][which]["pattern"] = CLOCK_PATTERN
    departures = defs["Stage"]["properties"]["departures"]
    for option in departures.get("anyOf", [departures]):
        if option.get("type") == "array":
            option["items"]["pattern"] = CLOCK_PATTERN
    for name in ("Scenario", "Hours"):
        defs[name]["properties"]["timezone"]["pattern"] = ZONE_PATTERN
        defs[name]["properties"]["timezone"]["examples"] = ["Asia/Ho_Chi_Minh", "Asia/Shanghai"]
    defs["Scenario"]["properties"]["set"] = SET_SCHEMA

    def dates(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("format") == "date":
                node["pattern"] = DATE_PATTERN
            for value in node.values():
                dates(value)
        elif isinstance(node, list):
            for value in node:
                dates(value)

    dates(defs)


def _partial_def(name: str, defs: dict[str, Any], partial: dict[str, Any]) -> str:
    """The name of the partial version of ``defs[name]`` (made once)."""
    target = "Partial" + name
    if target in partial:
        return target
    partial[target] = {}  # placeholder against recursion
    full = defs[name]
    loose = _loosen(full, defs, partial)
    if any(tag in full.get("properties", {}) for tag in _TAGS):
        # A table with its tag is one choice and replaces the parent's whole: then it is complete.
        tag = next(t for t in _TAGS if t in full.get("properties", {}))
        partial[target] = {"if": {"required": [tag]}, "then": {"$ref": _REF + name}, "else": loose}
    else:
        partial[target] = loose
    return target


def _loosen(node: Any, defs: dict[str, Any], partial: dict[str, Any]) -> Any:
    """A copy of ``node`` that requires nothing where tables merge key by key."""
    if not isinstance(node, dict):
        return copy.deepcopy(node)
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "required":
            continue
        if key == "$ref" and value.startswith(_REF):
            out[key] = _REF + _partial_def(value[len(_REF) :], defs, partial)
        elif key in ("properties", "patternProperties"):
            out[key] = {k: _loosen(v, defs, partial) for k, v in value.items()}
        elif key == "additionalProperties" and isinstance(value, dict):
            out[key] = _loosen(value, defs, partial)
        elif key == "anyOf":
            out[key] = [_loosen(v, defs, partial) for v in value]
        else:  # list items and tagged unions (oneOf) are replaced whole: they stay complete
            out[key] = copy.deepcopy(value)
    return out


def toml_as_json(value: Any) -> Any:
    """TOML data as JSON data: dates and times as ISO text (what editors validate)."""
    import datetime as dt

    if isinstance(value, dict):
        return {k: toml_as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [toml_as_json(v) for v in value]
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return value


def field_schema(path: tuple[str | int, ...], data: Any = None) -> dict[str, Any]:
    """The schema of the field at ``path`` of a complete scenario (``{}`` where none is known):
    its type, bounds, pattern, choices and description, as an editor or a form shows them.

    ``data``, the scenario's data, picks the branch of a tagged union (a distribution's ``kind``).
    """
    defs = _defs()
    node: Any = defs["Scenario"]
    here = data
    for part in path:
        node = _branch(node, here, defs)
        if isinstance(part, int):
            node = node.get("items", {})
        elif part in node.get("properties", {}):
            node = node["properties"][part]
        else:  # a table of named entries: its values' schema
            named = [*node.get("patternProperties", {}).values(), node.get("additionalProperties")]
            node = next((n for n in named if isinstance(n, dict)), {})
        try:
            here = here[part] if here is not None else None
        except (KeyError, IndexError, TypeError):
            here = None
    return _branch(node, here, defs)


@functools.cache
def _defs() -> dict[str, Any]:
    """The schema's definitions, built once (read, never changed)."""
    return editor_schema()["$defs"]


def _branch(node: Any, value: Any, defs: dict[str, Any]) -> dict[str, Any]:
    """``node`` with references followed and, for a union, the branch that fits ``value``."""
    for _ in range(20):  # references and unions nest a few levels at most
        if not isinstance(node, dict):
            return {}
        if "$ref" in node:
            node = {**defs[node["$ref"].removeprefix(_REF)], **{k: v for k, v in node.items() if k != "$ref"}}
            continue
        options = node.get("anyOf") or node.get("oneOf")
        if not options:
            return node
        rest = {k: v for k, v in node.items() if k not in ("anyOf", "oneOf", "discriminator")}
        tag = next((value.get(t) for t in _TAGS if isinstance(value, dict) and t in value), None)
        chosen = None
        for option in options:
            resolved = _branch(option, None, defs)
            tags = [resolved.get("properties", {}).get(t, {}) for t in _TAGS]
            if tag is not None and any(t.get("const") == tag or t.get("enum") == [tag] for t in tags):
                chosen = option
                break
            if chosen is None and resolved.get("type") != "null":
                chosen = option
        node = {**rest, **(chosen if isinstance(chosen, dict) else {})}
    return node if isinstance(node, dict) else {}
